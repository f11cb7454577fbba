"""Staff rights count only once the session passed the second factor, in the admin and outside.

A staff account whose login in this session went through its password alone has the rights of
anyone else: the admin does not open (``MentoratAdminSite.has_permission``) and no page outside
it shows more to it than to a stranger. Every place that lets staff see or do more asks
``staff_verifie(request)``, never ``user.is_staff``, ``is_superuser`` or ``has_perm``.

``user.is_staff`` alone is still what keeps a staff account *out* of other people's spaces (a
staff member is never a mentee) and what sends it to the admin or to its second factor: those
restrict or route, they grant nothing.
"""

import functools

from .mfa import exiger_mfa, mfa_passee


def staff_verifie(request) -> bool:
    """An active staff account whose login in this session went through its second factor."""
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff and mfa_passee(request)


def staff_sans_mfa(request) -> bool:
    """A staff account signed in without a second factor in this session."""
    user = request.user
    return user.is_authenticated and user.is_staff and not staff_verifie(request)


def mfa_pour_le_personnel(view):
    """A page where staff see more than its other visitors: a staff account signed in with its
    password alone is first sent to its second factor (the TOTP code, or setting it up), then
    brought back here. Whether the page exists is not told before: the redirect comes first."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if staff_sans_mfa(request):
            return exiger_mfa(request, request.get_full_path(), objet="cette page")
        return view(request, *args, **kwargs)

    return wrapper
