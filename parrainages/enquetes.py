"""Outcome surveys answered from the e-mail: a signed, expiring link to a one-question form."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "mentorat.enquete"
DUREE_JOURS = 60


class LienInvalide(Exception):
    """Expired, tampered with or unknown (message in French)."""


def lien_enquete(*, parrainage_id: int, moment: str, user_id: int) -> str:
    jeton = signing.dumps({"p": parrainage_id, "m": moment, "u": user_id}, salt=SALT)
    return f"{settings.SITE_URL}{reverse('enquete', kwargs={'jeton': jeton})}"


def lire_jeton(jeton: str) -> dict:
    try:
        return signing.loads(jeton, salt=SALT, max_age=DUREE_JOURS * 24 * 3600)
    except signing.SignatureExpired:
        raise LienInvalide(
            "Ce lien a expiré. Vous pouvez indiquer votre situation à l'équipe du programme."
        ) from None
    except signing.BadSignature:
        raise LienInvalide(
            "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."
        ) from None
