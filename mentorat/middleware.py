"""Security headers every response carries, personal pages never cached, idle staff sessions
ended, query strings with a NUL character refused."""

import time

from allauth.account.authentication import get_authentication_records
from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, logout
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from .reseau import adresse_client

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy without inline scripts, and a restrictive Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        return response


class PersonalPagesNoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in person.

    Their pages (portals, mentee space, admin, downloaded documents) show personal data: no
    browser cache or shared proxy may keep them, and the back button after signing out on a
    shared computer shows nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


LAST_SEEN_SESSION_KEY = "mentorat_vu_le"


class StaffIdleTimeoutMiddleware:
    """Sign staff out after ``STAFF_SESSION_IDLE_TIMEOUT`` seconds without a request.

    Idle time counts from the last request, or from the login when there was none since. The
    session is written at most every few minutes, not on every request. A session without
    allauth's login record (not opened through the login page) has nothing to count from; it
    cannot open the admin either (``mentorat.mfa``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff:
            timeout = settings.STAFF_SESSION_IDLE_TIMEOUT
            now = time.time()
            last_seen = self.last_seen(request)
            if last_seen is not None and now - last_seen > timeout:
                logout(request)
                messages.info(
                    request,
                    f"Votre session a été fermée après {timeout // 60} minutes sans activité : "
                    "reconnectez-vous.",
                )
                return redirect_to_login(request.get_full_path())
            if last_seen is not None and now - last_seen > min(300, timeout / 6):
                request.session[LAST_SEEN_SESSION_KEY] = now
        return self.get_response(request)

    @staticmethod
    def last_seen(request) -> float | None:
        moments = [r.get("at", 0) for r in get_authentication_records(request, request.user)]
        if LAST_SEEN_SESSION_KEY in request.session:
            moments.append(request.session[LAST_SEEN_SESSION_KEY])
        return max(moments, default=None)


class JournalAuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, recording the client's address as ``adresse_client`` finds
    it: auditlog's own takes the first X-Forwarded-For entry, which the client writes."""

    @staticmethod
    def _get_remote_addr(request):
        return adresse_client(request)

    @staticmethod
    def _get_remote_port(request):
        return None


NUL = "\x00"


class NullCharacterMiddleware:
    """400, with a French page, for a path or query string holding a NUL character.

    No page of the site takes one, and PostgreSQL refuses it in any text value: left through,
    it ended as a 500 wherever a query parameter reaches the database (the commune search, the
    admin's search, list filters and autocompletes). Refusing it here covers every view, the
    admin and third-party ones included. Posted forms need no such guard: Django's form fields
    refuse NUL characters with a field error of their own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or any(
            NUL in cle or any(NUL in valeur for valeur in valeurs)
            for cle, valeurs in request.GET.lists()
        ):
            return render(request, "mentorat/requete_refusee.html", status=400)
        return self.get_response(request)


def _compte_de_la_session(request):
    """The signed-in account as ``django.contrib.auth.get_user`` finds it, without reading it
    again when the session's own query brought it (``mentorat.sessions.SessionStore``).

    Only the ordinary case is answered here: the session names this account and a configured
    backend, the account may log in and the session's hash matches its current one. Anything
    else (no account, another one, a rotated secret, a changed password) goes through Django's
    own ``get_user``, which reads the account and decides as always.
    """
    session = request.session
    try:
        user_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return auth.get_user(request)
    compte = getattr(session, "compte_lu", None)
    if (
        compte is not None
        and str(compte.pk) == str(user_id)
        and backend_path in settings.AUTHENTICATION_BACKENDS
        and auth.load_backend(backend_path).user_can_authenticate(compte)
        and constant_time_compare(
            session.get(HASH_SESSION_KEY) or "", compte.get_session_auth_hash()
        )
    ):
        return compte
    return auth.get_user(request)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the account read together with the session (one query, not two)."""

    def process_request(self, request):
        super().process_request(request)

        def user():
            if not hasattr(request, "_cached_user"):
                request._cached_user = _compte_de_la_session(request)
            return request._cached_user

        request.user = SimpleLazyObject(user)
