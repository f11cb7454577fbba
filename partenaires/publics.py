"""The publics a convention's objectives may target and its indicators are broken down by.

One place for them: each public is a named predicate over fields of the mentee's profile
(``parrainages.Filleul``), read in the database (``filleuls_du_public``). The sectors are the
14 ROME domains (``programmes.Secteur``): a mentee belongs to the sectors they wish to work in
(``Filleul.secteurs_souhaites``), possibly several, so the sector figures of an indicator may
add up to more than its total (and to less: a person who named none is in none).

A public is read at sign-up: the age and the length of registration at France Travail are
counted on the day the profile was created (the first application); the neighbourhood, the
diploma, the school and the single-parent answer as they stand today. A person may belong to
several publics, or none.

Counts under ``SEUIL_SECRET`` (1 to 4) are shown as « < 5 » in what a partner downloads
(``masquer``): a breakdown by public crossed with the list of the partner's referred people
could otherwise tell a named person's situation. Staff pages show the exact figures. Only the
cells under the threshold are suppressed (no secondary suppression: a suppressed cell may
sometimes be worked out from a total and the other cells); see docs/indicateurs.md.
"""

from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThanOrEqual, LessThan

SEUIL_SECRET = 5
MASQUE = "< 5"

AGE_JEUNE = 26  # under 26: the usual bound of youth employment schemes (Missions locales)
AGE_SENIOR = 50
MOIS_LONGUE_DUREE = 12  # registered for a year or more


class Public(models.TextChoices):
    JEUNE = "moins_26_ans", "Moins de 26 ans"
    AGE_26_49 = "26_49_ans", "26 à 49 ans"
    SENIOR = "50_ans_et_plus", "50 ans et plus"
    QPV = "qpv", "Résidant en quartier prioritaire (QPV)"
    LONGUE_DUREE = "chomage_longue_duree", "Demandeur d'emploi de longue durée"
    SANS_DIPLOME = "sans_diplome", "Sans diplôme (ou brevet seul)"
    INFRA_BAC = "infra_bac", "Diplôme inférieur au bac"
    ELEVE_REP = "eleve_rep", "Élève d'un établissement REP ou REP+"
    PARENT_ISOLE = "parent_isole", "Parent isolé (déclaré)"


DEFINITIONS = {
    Public.JEUNE: "moins de 26 ans le jour de l'inscription sur la plateforme",
    Public.AGE_26_49: "de 26 à 49 ans le jour de l'inscription",
    Public.SENIOR: "50 ans ou plus le jour de l'inscription",
    Public.QPV: (
        "adresse dans un quartier prioritaire de la politique de la ville selon l'adresse (ou la "
        "décision de l'équipe) ; à défaut de résultat, la déclaration de la personne"
    ),
    Public.LONGUE_DUREE: (
        "inscrit à France Travail depuis 12 mois ou plus le jour de l'inscription sur la plateforme"
    ),
    Public.SANS_DIPLOME: "aucun diplôme, ou le brevet des collèges seul",
    Public.INFRA_BAC: "au plus un CAP ou un BEP (niveau 3)",
    Public.ELEVE_REP: "élève d'un établissement scolaire du réseau REP ou REP+",
    Public.PARENT_ISOLE: (
        "la personne a indiqué élever seule un ou des enfants (réponse facultative : qui n'a "
        "pas répondu n'est pas compté)"
    ),
}

# The indicators that count rows of mentees, with the path from the counted row to the mentee
# (several paths: the row is the mentee's through either). The others (mentors brought,
# events held) count no mentee: they are not broken down.
# An indicator added later (e.g. the events' participants) lists its path here to be broken
# down too.
CHEMINS_FILLEUL = {
    "filleuls_orientes": ("filleul",),
    "binomes_formes": ("filleul",),
    "rencontres_tenues": ("parrainage__filleul",),
    "sorties_positives_6_mois": ("parrainage__filleul", "candidature__filleul"),
    "participation": ("filleul",),
    "immersions_realisees": ("parrainage__filleul",),
    "immersions_embauche": ("parrainage__filleul",),
}
VENTILABLES = tuple(CHEMINS_FILLEUL)


def _ecart(qs, debut: str, fin: str, nom: str):
    """Annotate ``nom``: the whole months from the date at ``debut`` to the date at ``fin``
    (portable: read from their year, month and day)."""
    qs = qs.annotate(
        **{
            f"{nom}_ya": ExtractYear(debut),
            f"{nom}_ma": ExtractMonth(debut),
            f"{nom}_da": ExtractDay(debut),
            f"{nom}_yb": ExtractYear(fin),
            f"{nom}_mb": ExtractMonth(fin),
            f"{nom}_db": ExtractDay(fin),
        }
    )
    return qs.annotate(
        **{
            nom: (F(f"{nom}_yb") - F(f"{nom}_ya")) * 12
            + F(f"{nom}_mb")
            - F(f"{nom}_ma")
            - Case(
                When(**{f"{nom}_db__lt": F(f"{nom}_da")}, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        }
    )


def filleuls_du_public(code: str):
    """The mentees of the public ``code`` (a queryset of ``Filleul``); ValueError when no such
    public exists."""
    from parrainages.models import Filleul
    from programmes.models import NiveauDiplome

    public = Public(code)
    qs = Filleul.objects.all()
    if public in (Public.JEUNE, Public.AGE_26_49, Public.SENIOR):
        qs = _ecart(qs, "date_naissance", "created_at", "age_mois")
        if public == Public.JEUNE:
            return qs.filter(age_mois__lt=AGE_JEUNE * 12)
        if public == Public.SENIOR:
            return qs.filter(age_mois__gte=AGE_SENIOR * 12)
        return qs.filter(age_mois__gte=AGE_JEUNE * 12, age_mois__lt=AGE_SENIOR * 12)
    if public == Public.QPV:
        resultat, statut = Filleul.ResultatQPV, Filleul.StatutQPV
        return qs.filter(
            Q(qpv_resultat=resultat.DANS)
            | Q(
                qpv_resultat__in=[resultat.INDETERMINE, resultat.EN_COURS],
                qpv__in=[statut.DECLARE, statut.CONFIRME],
            )
        )
    if public == Public.LONGUE_DUREE:
        qs = _ecart(
            qs.filter(inscrit_france_travail_depuis__isnull=False),
            "inscrit_france_travail_depuis",
            "created_at",
            "inscrit_mois",
        )
        return qs.filter(inscrit_mois__gte=MOIS_LONGUE_DUREE)
    if public == Public.SANS_DIPLOME:
        return qs.filter(niveau_diplome__lte=NiveauDiplome.BREVET)
    if public == Public.INFRA_BAC:
        return qs.filter(niveau_diplome__lt=NiveauDiplome.BAC)
    if public == Public.ELEVE_REP:
        return qs.filter(etablissement__education_prioritaire__in=["rep", "rep_plus"])
    return qs.filter(parent_isole=True)


def _mois_entre(debut: str, fin: str):
    """The whole months from the date at ``debut`` to the date at ``fin``, as ``_ecart``
    counts them, as one expression (no annotation: it is tested on a joined row)."""
    return (
        (ExtractYear(fin) - ExtractYear(debut)) * 12
        + ExtractMonth(fin)
        - ExtractMonth(debut)
        - Case(
            When(LessThan(ExtractDay(fin), ExtractDay(debut)), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def predicat(code: str, chemin: str) -> Q:
    """The public ``code`` tested on the mentee at ``chemin`` of the rows counted
    (``"filleul"``, ``"parrainage__filleul"``…; ``""``: the mentees themselves): the rule of
    ``filleuls_du_public``, read on the row the count joins anyway. As a subquery over every
    mentee (``condition``), each public of each indicator of a report read the 200,000
    mentees of a national database again, ages recomputed row by row (a report took a
    minute)."""
    from parrainages.models import Filleul
    from programmes.models import NiveauDiplome

    public = Public(code)
    p = f"{chemin}__" if chemin else ""  # "": the mentee's own row
    if public in (Public.JEUNE, Public.AGE_26_49, Public.SENIOR):
        age = _mois_entre(f"{p}date_naissance", f"{p}created_at")
        if public == Public.JEUNE:
            return Q(LessThan(age, AGE_JEUNE * 12))
        if public == Public.SENIOR:
            return Q(GreaterThanOrEqual(age, AGE_SENIOR * 12))
        return Q(GreaterThanOrEqual(age, AGE_JEUNE * 12)) & Q(LessThan(age, AGE_SENIOR * 12))
    if public == Public.QPV:
        resultat, statut = Filleul.ResultatQPV, Filleul.StatutQPV
        return Q(**{f"{p}qpv_resultat": resultat.DANS}) | Q(
            **{
                f"{p}qpv_resultat__in": [resultat.INDETERMINE, resultat.EN_COURS],
                f"{p}qpv__in": [statut.DECLARE, statut.CONFIRME],
            }
        )
    if public == Public.LONGUE_DUREE:
        inscrit = _mois_entre(f"{p}inscrit_france_travail_depuis", f"{p}created_at")
        return Q(**{f"{p}inscrit_france_travail_depuis__isnull": False}) & Q(
            GreaterThanOrEqual(inscrit, MOIS_LONGUE_DUREE)
        )
    if public == Public.SANS_DIPLOME:
        return Q(**{f"{p}niveau_diplome__lte": NiveauDiplome.BREVET})
    if public == Public.INFRA_BAC:
        return Q(**{f"{p}niveau_diplome__lt": NiveauDiplome.BAC})
    if public == Public.ELEVE_REP:
        return Q(**{f"{p}etablissement__education_prioritaire__in": ["rep", "rep_plus"]})
    return Q(**{f"{p}parent_isole": True})


def condition_du_public(indicateur: str, code: str) -> Q:
    """The rows of ``indicateur`` whose mentee (through any of its paths) is of the public
    ``code``: ``condition(indicateur, filleuls_du_public(code))``, on the joined rows."""
    q = Q(pk__in=[])
    for chemin in CHEMINS_FILLEUL[indicateur]:
        q |= predicat(code, chemin)
    return q


def filleuls_du_secteur(secteur_id: int):
    from parrainages.models import Filleul

    return Filleul.objects.filter(secteurs_souhaites=secteur_id)


def condition(indicateur: str, filleuls) -> Q:
    """The rows of ``indicateur`` whose mentee is among ``filleuls`` (a queryset)."""
    ids = filleuls.values("pk")
    q = Q(pk__in=[])
    for chemin in CHEMINS_FILLEUL[indicateur]:
        q |= Q(**{f"{chemin}__in": ids})
    return q


def cible(indicateur: str, *, public: str = "", secteur: int | None = None) -> Q | None:
    """The condition an objective's public and sector put on its rows (None: none)."""
    if not public and not secteur:
        return None
    q = Q()
    if public:
        q &= condition(indicateur, filleuls_du_public(public))
    if secteur:
        q &= condition(indicateur, filleuls_du_secteur(secteur))
    return q


def masquer(valeur):
    """A count as a partner downloads it: 1 to 4 become « < 5 » (statistical secrecy, our
    rule: docs/indicateurs.md); 0 and larger counts are shown."""
    if isinstance(valeur, int) and 0 < valeur < SEUIL_SECRET:
        return MASQUE
    return valeur
