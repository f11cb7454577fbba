"""Reads of pairs across programmes, as plain data for pages."""

from django.db.models import Count, Q

from programmes.models import Programme

from .models import Parrainage, Sortie


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
                filter=Q(parrainages__sorties__type__in=Sortie.TYPES_POSITIFS)
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
