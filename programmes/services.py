"""Writes of the programmes app."""

from django.db import transaction
from django.db.models import Max

from .models import ModeleCharte, Programme


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
