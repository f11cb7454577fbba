"""Erasing an account, as the core sees it.

The account is the core's, but what names a person lives in the apps above it (profiles,
pairs, referrals…), which the core never imports. The app that knows every place a person is
(parrainages, ``compte_effacer``) registers its erasure here in its ``AppConfig.ready()``,
with the models whose rows go with an account although their admin never deletes one by
hand; the core's admin erases accounts through it.
"""

from django.core.exceptions import ImproperlyConfigured

_enregistre = {"service": None, "suivent_le_compte": frozenset()}


def effacement_enregistrer(service, *, suivent_le_compte=()) -> None:
    """``service(*, user, notifier)`` erases an account; ``suivent_le_compte``: models."""
    _enregistre["service"] = service
    _enregistre["suivent_le_compte"] = frozenset(suivent_le_compte)


def compte_effacer(*, user, notifier: bool = True) -> None:
    service = _enregistre["service"]
    if service is None:
        raise ImproperlyConfigured("Aucun service d'effacement des comptes n'est enregistré.")
    service(user=user, notifier=notifier)


def suivent_le_compte() -> frozenset:
    """Models whose rows an erasure deletes with the account, never by hand in the admin."""
    return _enregistre["suivent_le_compte"]
