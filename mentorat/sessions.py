"""Sessions in the database, each with the account it belongs to (``SESSION_ENGINE``).

Django's database sessions keep their data encoded: finding a person's sessions would mean
decoding every one. This engine writes the account's id next to the data at each save, so
that erasing an account deletes all its sessions at once (``sessions_supprimer``).
"""

import logging

from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
from allauth.account.internal.stagekit import LOGIN_SESSION_KEY
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone


def compte_de_la_session(donnees: dict) -> int | None:
    """The id of the account a session's data belongs to, if any.

    Signed in (Django's key), or part-way through allauth's login: the password given and the
    second factor pending (allauth's record of the authentication steps), or an e-mail code
    awaited (allauth's login in progress).
    """
    connexion = donnees.get(LOGIN_SESSION_KEY)
    candidats = (
        donnees.get(SESSION_KEY),
        donnees.get(_AUTHENTICATION_METHODS_USER_SESSION_KEY),
        connexion.get("user_pk") if isinstance(connexion, dict) else None,
    )
    for valeur in candidats:
        valeur = str(valeur) if isinstance(valeur, int | str) else ""
        if valeur.isascii() and valeur.isdigit() and len(valeur) < 19:
            return int(valeur)
    return None


# What the apps above add to the account read with the session: their profiles of the account
# (``"filleul__commune"``…), which a page of their space would read at once otherwise.
RELATIONS_DU_COMPTE: list[str] = []


def relations_du_compte_enregistrer(*relations: str) -> None:
    """Read ``relations`` of the account (paths from ``User``) in the session's query."""
    RELATIONS_DU_COMPTE.extend(r for r in relations if r not in RELATIONS_DU_COMPTE)


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, the account read in the same query as the session.

    ``compte_lu`` is the account the row names (``None`` when none, or not read yet), with the
    relations the apps registered (``relations_du_compte_enregistrer``): the authentication
    middleware (``mentorat.middleware.AuthenticationMiddleware``) takes it instead of reading
    the account again, once it has checked that the session's data names the same account.
    """

    compte_lu = None

    @classmethod
    def get_model_class(cls):
        from .models import Session

        return Session

    def _get_session_from_db(self):
        try:
            session = self.model.objects.select_related(
                "user", *(f"user__{r}" for r in RELATIONS_DU_COMPTE)
            ).get(session_key=self.session_key, expire_date__gt=timezone.now())
        except (self.model.DoesNotExist, SuspiciousOperation) as e:
            if isinstance(e, SuspiciousOperation):
                logger = logging.getLogger(f"django.security.{e.__class__.__name__}")
                logger.warning(str(e))
            self._session_key = None
            return None
        self.compte_lu = session.user
        return session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = compte_de_la_session(data)
        return session


def sessions_supprimer(*, user) -> int:
    """Delete every session of ``user`` (all their browsers are signed out)."""
    from .models import Session

    return Session.objects.filter(user_id=user.pk).delete()[0]
