"""Daily limits on what one person or one organisation may ask for (issue #13, abuse).

Where each request leaves a row (a referral, a report), the limit counts those rows in the
database: exact, and still counting while Redis is down. Where it leaves none (the password
re-checks of the account-deletion form), it counts in the cache over a fixed window, the
local day, keyed by the user's id. A refusal is a ``LimiteAtteinte``, a ValidationError with a
French message that the views show like any other: the request writes nothing.

The limits themselves are settings (``LIMITE_…_JOUR``, see the README).
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from .horaires import debut_du_jour

# The cache counter outlives its day a little, whatever the clock skew between processes.
DUREE_COMPTEUR = 25 * 3600


class LimiteAtteinte(ValidationError):
    """A daily limit reached: the request is refused, nothing is written."""

    def __init__(self, message: str):
        super().__init__(message, code="limite_atteinte")


def limite_du_jour_verifier(
    lignes: QuerySet, *, limite: int, message: str, champ: str = "created_at"
) -> None:
    """Refuse when ``lignes`` already holds ``limite`` rows created since midnight.

    Called inside the transaction that then creates the
    row, after locking what the counted rows share, so that simultaneous requests are counted
    one after the other.
    """
    if lignes.filter(**{f"{champ}__gte": debut_du_jour(timezone.localdate())}).count() >= limite:
        raise LimiteAtteinte(message)


def limite_du_jour_consommer(nom: str, *, limite: int, message: str) -> None:
    """Count one more attempt under ``nom`` (e.g. ``suppression-compte:<user id>``) for today,
    in the cache; refuse the attempts beyond ``limite``.

    While Redis is down the cache remembers nothing (``mentorat.cache``): the attempts are
    then not limited, as allauth's login limits are not.
    """
    cle = f"limite:{nom}:{timezone.localdate():%Y-%m-%d}"
    cache.add(cle, 0, timeout=DUREE_COMPTEUR)
    try:
        essais = cache.incr(cle)
    except ValueError:  # evicted between add() and incr()
        cache.set(cle, 1, timeout=DUREE_COMPTEUR)
        essais = 1
    if essais > limite:
        raise LimiteAtteinte(message)
