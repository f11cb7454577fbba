"""Outcome surveys answered from the e-mail: a signed, expiring link to a one-question form."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "mentorat.enquete"
DUREE_JOURS = 60


class LienInvalide(Exception):
    """Expired, tampered with or unknown (message in French)."""


def lien_enquete(
    *, moment: str, user_id: int, parrainage_id: int | None = None, candidature_id=None
) -> str:
    """The link of a survey about a pair (``p``) or, for a person without a pair, about their
    application (``c``): exactly one of the two. Links issued before applications had
    surveys carry ``p`` and keep working."""
    if (parrainage_id is None) == (candidature_id is None):
        raise ValueError("Une enquête porte sur un parrainage ou sur une candidature.")
    objet = {"p": parrainage_id} if parrainage_id is not None else {"c": candidature_id}
    jeton = signing.dumps({**objet, "m": moment, "u": user_id}, salt=SALT)
    return f"{settings.SITE_URL}{reverse('enquete', kwargs={'jeton': jeton})}"


def _lire(jeton: str) -> dict:
    try:
        return signing.loads(jeton, salt=SALT, max_age=DUREE_JOURS * 24 * 3600)
    except signing.SignatureExpired:
        raise LienInvalide(
            "Ce lien a expiré. Vous pouvez indiquer votre situation à l'équipe du programme."
        ) from None
    except signing.BadSignature:
        raise LienInvalide(INVALIDE) from None


INVALIDE = "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."


def lire_jeton(jeton: str) -> dict:
    """What a survey link is about: ``{"parrainage": id or None, "candidature": id or None,
    "moment": …, "user": …}``."""
    donnees = _lire(jeton)
    parrainage, candidature = donnees.get("p"), donnees.get("c")
    if (parrainage is None) == (candidature is None) or "m" not in donnees or "u" not in donnees:
        raise LienInvalide(INVALIDE)
    return {
        "parrainage": parrainage,
        "candidature": candidature,
        "moment": donnees["m"],
        "user": donnees["u"],
    }


# --- Check-ins (« points d'étape », docs/suivi-qualite.md) ---------------------------------------

SALT_POINT_ETAPE = "mentorat.point_etape"
# A round's link works until the next round's is sent.
DUREE_POINT_ETAPE_JOURS = 60


def lien_point_etape(*, parrainage_id: int, role: str, tour: int, user_id: int) -> str:
    """The link of one person's check-in of a round: who (the party's role and account), which
    pair, which round. No login: the signed link says it all, and expires."""
    jeton = signing.dumps(
        {"p": parrainage_id, "r": role, "t": tour, "u": user_id}, salt=SALT_POINT_ETAPE
    )
    return f"{settings.SITE_URL}{reverse('point_etape', kwargs={'jeton': jeton})}"


def lire_point_etape(jeton: str) -> dict:
    """``{"parrainage", "role", "tour", "user"}`` of a check-in link, or ``LienInvalide``."""
    try:
        donnees = signing.loads(
            jeton, salt=SALT_POINT_ETAPE, max_age=DUREE_POINT_ETAPE_JOURS * 24 * 3600
        )
    except signing.SignatureExpired:
        raise LienInvalide(
            "Ce lien a expiré : le prochain point d'étape vous parviendra par e-mail. Vous "
            "pouvez aussi écrire à l'équipe du programme."
        ) from None
    except signing.BadSignature:
        raise LienInvalide(INVALIDE) from None
    if not isinstance(donnees, dict) or set(donnees) != {"p", "r", "t", "u"}:
        raise LienInvalide(INVALIDE)
    return {
        "parrainage": donnees["p"],
        "role": donnees["r"],
        "tour": donnees["t"],
        "user": donnees["u"],
    }
