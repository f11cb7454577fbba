"""Short links for text messages: ``/l/<code>/`` leads to a page of the site.

A page's address (a survey's signed link is 150 characters) does not fit in a text message.
The link written in the message is its short form: 8 characters drawn from the message's key
with the site's secret (HMAC), so that the same message sent again carries the same link and
nothing has to be remembered between writing and sending. The table keeps the hash of the code,
the address, and until when it leads there; it only leads to the site's own pages.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .models import LienCourt

ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LONGUEUR = 8
DUREE_JOURS = 60


def _code(cle: str) -> str:
    empreinte = hmac.new(
        settings.SECRET_KEY.encode(), f"lien-court:{cle}".encode(), hashlib.sha256
    ).digest()
    nombre = int.from_bytes(empreinte, "big")
    code = []
    for _ in range(LONGUEUR):
        nombre, reste = divmod(nombre, len(ALPHABET))
        code.append(ALPHABET[reste])
    return "".join(code)


def _empreinte(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def lien_court(*, url: str, cle: str, duree_jours: int = DUREE_JOURS) -> str:
    """The short link of ``url`` for the message ``cle`` (made once, then the same one)."""
    if not url.startswith(settings.SITE_URL + "/"):
        raise ValueError("Un lien court ne mène qu'aux pages du site.")
    code = _code(cle)
    try:
        with transaction.atomic():
            LienCourt.objects.get_or_create(
                cle=cle[:200],
                defaults={
                    "empreinte": _empreinte(code),
                    "url": url,
                    "expire_le": timezone.now() + dt.timedelta(days=duree_jours),
                },
            )
    except IntegrityError:  # written meanwhile by the same message's other attempt
        pass
    return f"{settings.SITE_URL}{reverse('lien_court', kwargs={'code': code})}"


def liens_courts_purger(*, maintenant, dry_run: bool = False) -> int:
    """Delete the short links expired (they lead nowhere any more: the retention run)."""
    expires = LienCourt.objects.filter(expire_le__lte=maintenant)
    if dry_run:
        return expires.count()
    return expires.delete()[0]


def lien_court_suivre(code: str) -> str | None:
    """Where a short link leads, or None (unknown, expired)."""
    if len(code) != LONGUEUR or any(c not in ALPHABET for c in code):
        return None
    ligne = LienCourt.objects.filter(empreinte=_empreinte(code)).first()
    if ligne is None or ligne.expire_le <= timezone.now():
        return None
    return ligne.url
