"""Writes of the programmes app."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import Evenement, Inscription, ModeleCharte, Programme


@transaction.atomic
def modele_charte_versionner(*, modele: ModeleCharte, par) -> ModeleCharte:
    """Save a new charter text of its programme as the next version (a text once saved is
    never edited: charters issued from it keep pointing to it).

    ``modele``: the unsaved text (programme, title, text). The programme's row is locked while
    the number is chosen: two texts saved at once get two versions, one after the other.
    """
    Programme.objects.select_for_update().filter(pk=modele.programme_id).first()
    derniere = ModeleCharte.objects.filter(programme_id=modele.programme_id).aggregate(
        v=Max("version")
    )["v"]
    modele.version = (derniere or 0) + 1
    modele.created_by = par
    modele.save()
    return modele


@transaction.atomic
def presences_noter(*, inscriptions, statut: str) -> int:
    """Staff record attendance (present or absent) on registrations of events that have
    begun and were not cancelled; cancelled registrations stay so. Returns how many changed."""
    if statut not in (Inscription.Statut.PRESENT, Inscription.Statut.ABSENT):
        raise ValidationError("Une présence est « présent » ou « absent ».")
    ids = [i.pk for i in inscriptions]
    ouvertes = (
        Inscription.objects.select_for_update()
        .filter(pk__in=ids, evenement__debut__lte=timezone.now())
        .exclude(statut=Inscription.Statut.ANNULE)
        .exclude(evenement__statut__in=[Evenement.Statut.ANNULE, Evenement.Statut.PROPOSE])
    )
    return Inscription.objects.filter(pk__in=list(ouvertes.values_list("pk", flat=True))).update(
        statut=statut
    )
