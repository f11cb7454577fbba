"""A mentor's capacity holds across programmes, concurrent accepts, concurrent matching runs
and the admin: every write that gives a mentor one more pair locks the mentor's row first,
then counts. Two writers for the same mentor therefore take turns, and the second one counts
what the first one committed.

Lock order, everywhere: the pair (when there is one), then mentors by increasing id.
"""

from django.core.exceptions import ValidationError
from django.db.models import Count

from ..models import Parrain, Parrainage


def parrains_verrouiller(ids) -> dict[int, Parrain]:
    """Lock the mentors ``ids`` until the end of the transaction (by increasing id)."""
    return {p.pk: p for p in Parrain.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def binomes_comptes(parrain_id: int, *, statuts=None, sauf=None) -> int:
    """How many of the mentor's pairs, in every programme, have one of ``statuts`` (``None``:
    those holding one of their places — open, options still to choose from excepted)."""
    qs = Parrainage.objects.filter(parrain_id=parrain_id)
    qs = qs.prenant_une_place() if statuts is None else qs.filter(statut__in=statuts)
    if sauf is not None:
        qs = qs.exclude(pk=sauf)
    return qs.count()


def binomes_ouverts_par_parrain(ids) -> dict[int, int]:
    """For each mentor of ``ids``, their pairs holding a place in every programme (one
    query)."""
    rows = (
        Parrainage.objects.filter(parrain_id__in=ids)
        .prenant_une_place()
        .order_by()
        .values("parrain_id")
        .annotate(n=Count("pk"))
        .values_list("parrain_id", "n")
    )
    return dict(rows)


def place_exiger(*, parrain_id: int, sauf=None, statuts=None, message: str = "") -> None:
    """Lock the mentor and refuse (ValidationError in French) when ``statuts`` pairs already
    fill their capacity. Call inside the transaction that writes the new pair."""
    parrain = parrains_verrouiller([parrain_id])[parrain_id]
    n = binomes_comptes(parrain_id, statuts=statuts, sauf=sauf)
    if n >= parrain.capacite:
        raise ValidationError(
            message
            or f"{parrain} suit ou a en attente {n} binôme(s) pour une capacité de "
            f"{parrain.capacite} : plus de place."
        )
