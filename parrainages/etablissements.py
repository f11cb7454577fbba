"""Schools, as pupils choose theirs: partners of type school (``partenaires.Partenaire``),
reached through the mentee's relation to them (parrainages never imports partenaires)."""

import re

from django.db.models import Q

from .models import Filleul

TYPE_ETABLISSEMENT = "etablissement_scolaire"
UAI = re.compile(r"^[0-9]{7}[A-Z]$")
UAI_EN_FIN = re.compile(r"\(([0-9]{7}[A-Za-z])\)\s*$")


def etablissements():
    """The active schools a pupil may choose."""
    modele = Filleul._meta.get_field("etablissement").related_model
    return modele.objects.filter(type=TYPE_ETABLISSEMENT, actif=True).select_related("commune")


def etablissement_libelle(etablissement) -> str:
    """How a school is shown and typed: « Collège Jean Jaurès — Clermont-Ferrand (0631234Z) »."""
    commune = f" — {etablissement.commune.nom}" if etablissement.commune_id else ""
    uai = f" ({etablissement.uai})" if etablissement.uai else ""
    return f"{etablissement.nom}{commune}{uai}"


def etablissements_recherche(terme: str):
    """Schools whose name, commune or UAI code matches ``terme``."""
    terme = terme.strip()
    uai = UAI_EN_FIN.search(terme)
    if uai:
        return etablissements().filter(uai=uai.group(1).upper())
    if UAI.match(terme.upper()):
        return etablissements().filter(uai=terme.upper())
    nom, tiret, commune = terme.partition(" — ")
    if tiret:
        return etablissements().filter(
            nom__iexact=nom.strip(), commune__nom__iexact=commune.strip()
        )
    return etablissements().filter(
        Q(nom__icontains=terme) | Q(commune__nom__icontains=terme) | Q(uai__istartswith=terme)
    )
