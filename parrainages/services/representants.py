"""Who of a minor's legal guardians is written to, and the outbox keys of their messages
(used by the services that tell guardians: ``mineurs``, ``decisions``, ``parrain``)."""

import datetime as dt

from ..models import RepresentantLegal


def representants_a_informer(filleul, *, jour: dt.date | None = None) -> list[RepresentantLegal]:
    """The guardians to tell of what happens in a minor's pairs (none for an adult)."""
    if filleul.date_naissance is None or not filleul.est_mineur(jour):
        return []
    return list(filleul.representants_legaux.all())


def cle_representant(prefixe: str, representant_id: int) -> str:
    """The outbox key of a message to a guardian, ``<rule>:<object>…:rl<guardian>``: the
    erasure finds them by these keys (a guardian has no account to tie them to)."""
    return f"{prefixe}:rl{representant_id}"
