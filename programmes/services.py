"""Writes of the programmes app."""

from django.db import transaction
from django.db.models import Max

from mentorat.perimetre import perimetre_de

from .models import Affectation, ModeleCharte, Programme, Structure


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
def programme_rattacher(*, programme: Programme, par) -> list[Structure]:
    """A programme a staff member creates is run by the structures where they are
    coordinator: without it they would lose it from sight as soon as it is saved (what staff
    see follows from their structures' programmes, ``mentorat/perimetre.py``). Nothing for an
    Administrateur, who sees every programme (they give it to a structure on the structure's
    page). Returns the structures it was added to."""
    if par is None or perimetre_de(par).tout:
        return []
    structures = list(
        Structure.objects.filter(
            affectations__user=par, affectations__role=Affectation.Role.COORDINATEUR
        ).distinct()
    )
    for structure in structures:
        structure.programmes.add(programme)
    return structures
