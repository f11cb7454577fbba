"""Reads of pairs across programmes, as plain data for pages."""

from django.db.models import Count, Q
from django.utils import timezone

from mentorat.perimetre import Portee
from mentorat.territoires import REGION_DE_DEPARTEMENT, REGION_NOMS, departement_of
from programmes.models import Programme

from .models import Candidature, Parrainage, Sortie


def tableau_de_bord_programmes(programmes=None, parrainages=None):
    """Per programme: pairs formed vs target, active pairs, positive outcomes (three queries).

    ``programmes`` and ``parrainages``: the rows a staff member sees (their perimeter,
    ``mentorat/perimetre.py``); every programme and every pair when not given. The pairs are
    counted by one grouped read of the rows seen (the perimeter's condition applied once), not
    by a count per programme filtered on the perimeter's ids (2 s for a regional team on
    national data)."""
    programmes = Programme.objects.all() if programmes is None else programmes
    parrainages = Parrainage.objects.all() if parrainages is None else parrainages
    lignes = list(programmes.exclude(statut=Programme.Statut.BROUILLON).order_by("nom"))
    ids = [p.pk for p in lignes]
    chiffres = {
        ligne["programme"]: ligne
        for ligne in parrainages.filter(programme__in=ids)
        .order_by()
        .values("programme")
        .annotate(
            formes=Count("pk", filter=Q(statut__in=Parrainage.STATUTS_FORMES)),
            actifs=Count("pk", filter=Q(statut=Parrainage.Statut.ACTIF)),
        )
    }
    positives = dict(
        parrainages.filter(
            Sortie.compte_positive("sorties__"),
            programme__in=ids,
            sorties__moment=Sortie.Moment.FIN,
        )
        .order_by()
        .values("programme")
        .annotate(n=Count("pk", distinct=True))
        .values_list("programme", "n")
    )
    resultat = []
    for p in lignes:
        formes = chiffres.get(p.pk, {}).get("formes", 0)
        taux = round(100 * formes / p.cible_binomes) if p.cible_binomes else None
        resultat.append(
            {
                "programme": p,
                "binomes_formes": formes,
                "cible": p.cible_binomes,
                "taux": min(taux, 100) if taux is not None else None,
                "taux_reel": taux,
                "binomes_actifs": chiffres.get(p.pk, {}).get("actifs", 0),
                "sorties_positives": positives.get(p.pk, 0),
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


def resume_programme(programme, *, candidatures, parrainages, sessions, maintenant=None) -> dict:
    """A programme's summary for its staff: pairs formed against the target, the funnel from
    application to positive outcome, and what comes next (events, selection sessions).

    ``candidatures``, ``parrainages`` and ``sessions`` (selection sessions): the rows the staff
    member sees (their perimeter: a session belongs to its place's territory); five queries
    whatever the programme's size."""
    from programmes.models import Evenement

    from .models import Candidature, SessionSelection

    maintenant = maintenant or timezone.now()
    S, P = Candidature.Statut, Parrainage.Statut
    c = candidatures.filter(programme=programme).aggregate(
        recues=Count("pk", filter=~Q(statut=S.ATTENTE_AUTORISATION)),
        retenues=Count("pk", filter=Q(statut=S.RETENUE)),
    )
    b = parrainages.filter(programme=programme).aggregate(
        # Distinct: the outcomes' join repeats a pair once per outcome.
        formes=Count("pk", filter=Q(statut__in=Parrainage.STATUTS_FORMES), distinct=True),
        actifs=Count("pk", filter=Q(statut=P.ACTIF), distinct=True),
        termines=Count("pk", filter=Q(statut__in=[P.TERMINE, P.INTERROMPU]), distinct=True),
        positives=Count(
            "sorties",
            filter=Sortie.compte_positive("sorties__") & Q(sorties__moment=Sortie.Moment.FIN),
            distinct=True,
        ),
    )
    entonnoir = [
        ("Candidatures reçues", c["recues"]),
        ("Candidatures retenues", c["retenues"]),
        ("Binômes formés", b["formes"]),
        ("Binômes en cours", b["actifs"]),
        ("Binômes terminés", b["termines"]),
        ("Sorties positives en fin de parcours", b["positives"]),
    ]
    cible = programme.cible_binomes
    return {
        "entonnoir": entonnoir,
        "cible": cible,
        "formes": b["formes"],
        "taux": round(100 * b["formes"] / cible) if cible else None,
        "evenements": list(
            Evenement.objects.filter(programme=programme, debut__gte=maintenant)
            .exclude(statut=Evenement.Statut.ANNULE)
            .order_by("debut", "pk")[:5]
        ),
        "sessions": list(
            sessions.filter(
                programme=programme,
                statut__in=[SessionSelection.Statut.PREVUE, SessionSelection.Statut.EN_COURS],
                date_fin__gte=timezone.localdate(maintenant),
            ).order_by("date_debut", "pk")[:3]
        ),
    }
