"""Sessions in the database, each with the account it belongs to (``SESSION_ENGINE``).

Django's database sessions keep their data encoded: finding a person's sessions would mean
decoding every one. This engine writes the account's id next to the data at each save, so
that erasing an account deletes all its sessions at once (``sessions_supprimer``).
"""

from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
from allauth.account.internal.stagekit import LOGIN_SESSION_KEY
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


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


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from .models import Session

        return Session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = compte_de_la_session(data)
        return session


def sessions_supprimer(*, user) -> int:
    """Delete every session of ``user`` (all their browsers are signed out)."""
    from .models import Session

    return Session.objects.filter(user_id=user.pk).delete()[0]
