"""Django's permissions read in one query instead of two (``AUTHENTICATION_BACKENDS``).

``ModelBackend`` reads a staff member's own permissions, then their groups', in two queries on
the first ``has_perm`` of a request (every admin page, the perimeter's "sees everything"). This
backend, first in the list, reads both in one ``UNION`` and leaves the set where
``ModelBackend`` looks for it (``_perm_cache``): the backends after it answer from it.

It authenticates nobody (the other backends check passwords): its ``get_user`` only serves
sessions opened in its name (``force_login`` in the tests names the first backend).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class PermissionsEnUneRequete(ModelBackend):
    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                lignes = _noms(Permission.objects.all())
            else:
                champ = get_user_model()._meta.get_field
                propres = Permission.objects.filter(
                    **{champ("user_permissions").related_query_name(): user_obj}
                )
                de_ses_groupes = Permission.objects.filter(
                    **{f"group__{champ('groups').related_query_name()}": user_obj}
                )
                lignes = _noms(propres).union(_noms(de_ses_groupes))
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in lignes}
        return user_obj._perm_cache


def _noms(permissions):
    return permissions.values_list("content_type__app_label", "codename").order_by()
