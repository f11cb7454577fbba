"""Reads of pairs across programmes, as plain data for pages."""

from django.db.models import Count, Q

from mentorat.perimetre import Portee
from mentorat.territoires import REGION_DE_DEPARTEMENT, REGION_NOMS, departement_of
from programmes.models import Programme

from .models import Candidature, Parrainage, Sortie


def tableau_de_bord_programmes(programmes=None, parrainages=None):
    """Per programme: pairs formed vs target, active pairs, positive outcomes (one query).

    ``programmes`` and ``parrainages``: the rows a staff member sees (their perimeter,
    ``mentorat/perimetre.py``); every programme and every pair when not given."""
    programmes = Programme.objects.all() if programmes is None else programmes
    dans = Q() if parrainages is None else Q(parrainages__in=parrainages.values("pk"))
    formes = Q(parrainages__statut__in=Parrainage.STATUTS_FORMES) & dans
    lignes = (
        programmes.exclude(statut=Programme.Statut.BROUILLON)
        .annotate(
            binomes_formes=Count("parrainages", filter=formes, distinct=True),
            binomes_actifs=Count(
                "parrainages",
                filter=Q(parrainages__statut=Parrainage.Statut.ACTIF) & dans,
                distinct=True,
            ),
            sorties_positives=Count(
                "parrainages__sorties",
                filter=Sortie.compte_positive("parrainages__sorties__")
                & Q(parrainages__sorties__moment=Sortie.Moment.FIN)
                & dans,
                distinct=True,
            ),
        )
        .order_by("nom")
    )
    resultat = []
    for p in lignes:
        taux = round(100 * p.binomes_formes / p.cible_binomes) if p.cible_binomes else None
        resultat.append(
            {
                "programme": p,
                "binomes_formes": p.binomes_formes,
                "cible": p.cible_binomes,
                "taux": min(taux, 100) if taux is not None else None,
                "taux_reel": taux,
                "binomes_actifs": p.binomes_actifs,
                "sorties_positives": p.sorties_positives,
            }
        )
    return resultat


def immersions_avec_parties(immersions) -> list:
    """The conventions, each with ``parties_liste`` (its parties in signing order) and
    ``restent`` (those still to sign): one query for every convention's parties."""
    from django.contrib.contenttypes.models import ContentType

    from mentorat.models import Partie

    from .models import Immersion

    immersions = list(immersions)
    par_document: dict[int, list] = {i.pk: [] for i in immersions}
    if immersions:
        contenu = ContentType.objects.get_for_model(Immersion, for_concrete_model=False)
        for partie in Partie.objects.filter(
            document_type=contenu, document_id__in=list(par_document)
        ).order_by("ordre", "pk"):
            par_document[partie.document_id].append(partie)
    for immersion in immersions:
        immersion.parties_liste = par_document[immersion.pk]
        immersion.restent = [
            p for p in immersion.parties_liste if p.signee_le is None and p.refusee_le is None
        ]
    return immersions


# A programme's key figures, region by region (by the mentee's commune), rolled up to the
# national total: what a national team follows and each regional team reports.
CHIFFRES_REGIONAUX = ("candidatures", "retenues", "binomes_actifs", "sorties_positives")
HORS_REGION = ""
HORS_REGION_LIBELLE = "Hors région (commune d'aucune des 18 régions)"


def chiffres_par_region(programme, perimetre) -> dict:
    """``programme``'s applications, retained applications, active pairs and positive outcomes
    (at the end of the pair) per region of the mentee's commune, as ``perimetre`` sees them.

    Three queries whatever the programme's size. Returns ``{"lignes": [...], "total": {...} or
    None}``: one line per region with a figure (and the regions of a limited perimeter, even
    empty), then « hors région » for mentees whose commune lies in none of the 18 regions
    (Saint-Pierre-et-Miquelon, a commune without département); the national total, for those
    who see the whole programme only, is the sum of the lines.
    """
    par_lieu = Portee("programme", "filleul__commune")
    lignes: dict[str, dict[str, int]] = {}

    def compter(colonne, queryset, departement):
        rangees = queryset.values_list(departement).annotate(n=Count("pk")).order_by()
        for dep, n in rangees:
            region = REGION_DE_DEPARTEMENT.get(dep or "", HORS_REGION)
            ligne = lignes.setdefault(region, dict.fromkeys(CHIFFRES_REGIONAUX, 0))
            ligne[colonne] += n

    candidatures = perimetre.filtrer(Candidature.objects.filter(programme=programme), par_lieu)
    rangees = (
        candidatures.values_list("filleul__commune__departement", "statut")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for dep, statut, n in rangees:
        region = REGION_DE_DEPARTEMENT.get(dep or "", HORS_REGION)
        ligne = lignes.setdefault(region, dict.fromkeys(CHIFFRES_REGIONAUX, 0))
        ligne["candidatures"] += n
        if statut == Candidature.Statut.RETENUE:
            ligne["retenues"] += n
    compter(
        "binomes_actifs",
        perimetre.filtrer(
            Parrainage.objects.filter(programme=programme, statut=Parrainage.Statut.ACTIF),
            par_lieu,
        ),
        "filleul__commune__departement",
    )
    compter(
        "sorties_positives",
        perimetre.filtrer(
            Sortie.objects.filter(
                Sortie.compte_positive(),
                parrainage__programme=programme,
                moment=Sortie.Moment.FIN,
            ),
            Portee("parrainage__programme", "parrainage__filleul__commune"),
        ),
        "parrainage__filleul__commune__departement",
    )
    national = perimetre.national(programme.pk)
    if not national:
        # A regional team's own regions show even before their first figure.
        deps, communes = perimetre.territoire(programme.pk)
        for dep in {*deps, *(departement_of(c) for c in communes)}:
            if dep in REGION_DE_DEPARTEMENT:
                lignes.setdefault(REGION_DE_DEPARTEMENT[dep], dict.fromkeys(CHIFFRES_REGIONAUX, 0))
    resultat = [
        {"code": code, "nom": REGION_NOMS[code], **lignes[code]}
        for code in sorted((c for c in lignes if c != HORS_REGION), key=REGION_NOMS.get)
    ]
    if HORS_REGION in lignes:
        resultat.append({"code": HORS_REGION, "nom": HORS_REGION_LIBELLE, **lignes[HORS_REGION]})
    total = None
    if national:
        total = {c: sum(ligne[c] for ligne in resultat) for c in CHIFFRES_REGIONAUX}
    return {"lignes": resultat, "total": total}
