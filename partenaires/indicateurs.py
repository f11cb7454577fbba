"""Convention indicators: the one place where they are defined, attributed and counted.

Every figure a partner sees (portal, report PDF, CSV/XLSX, staff comparison) comes from
``lignes()``: for an indicator, a convention (its partner and its programmes) and a period, the
queryset of the rows that count. Counting is set-based: one uncorrelated subquery per figure
(an indicator over a period), or one grouped subquery per monthly series (``par_mois``), every
figure a page needs read in one SQL statement (``Releve``) that computes the partner's pairs
once at its head (``binomes_du_partenaire``: driven by the partner's own rows).
``DEFINITIONS`` holds the French text shown in the portal and the PDF, and
``docs/indicateurs.md`` explains the same rules at more length.

Attribution to the partner goes through people:

- a mentee is the partner's for a programme when the partner is the prescriber of their
  application to it (``Candidature.prescripteur``, recorded from the partner's invitation);
- a mentor is the partner's when staff recorded that the partner brought them
  (``ParrainApporte``);
- a pair, its meetings and its outcomes are the partner's when the mentee or the mentor is;
- an immersion is the partner's when its pair is, or when the partner prescribed it;
- an event is the partner's when one of its mentors runs it, and a programme-team event (no
  mentor organiser) counts for every convention of the programme.

A period runs from its first to its last day included, in Paris time; a row counts in the
period that holds its date (``DATES``), so an outcome recorded after the period counts in a
later one. Only the convention's programmes are looked at.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth

from mentorat.horaires import debut_du_jour
from mentorat.perimetre import DansLesCles
from parrainages.models import (
    BilanImmersion,
    Candidature,
    Immersion,
    ObjectifBinome,
    Parrain,
    Parrainage,
    PointEtape,
    Rencontre,
    Sortie,
    add_months,
    invitations_tenues,
    membre_de_cohorte,
)
from programmes.models import Evenement, Inscription

from . import publics
from .models import Convention, Objectif, ParrainApporte

IND = Objectif.Indicateur


@dataclass(frozen=True)
class Definition:
    libelle: str
    definition: str
    date: str
    attribution: str


SORTIE_POSITIVE = (
    "Une sortie positive est un CDI, un CDD ou une mission d'intérim de six mois ou plus, un "
    "contrat en alternance (apprentissage, professionnalisation) ou une formation qualifiante. "
    "Une situation déclarée par le parrain ne compte qu'une fois confirmée par la personne "
    "elle-même, dans sa réponse au questionnaire."
)
BINOME_ATTRIBUE = (
    "le binôme est attribué au partenaire quand il a orienté le filleul vers ce programme ou "
    "apporté le parrain"
)
IMMERSION_ATTRIBUEE = (
    "l'immersion est attribuée au partenaire quand il a orienté le filleul vers ce programme, "
    "apporté le parrain, ou prescrit la convention d'immersion"
)

DEFINITIONS = {
    IND.FILLEULS_ORIENTES: Definition(
        libelle=IND.FILLEULS_ORIENTES.label,
        definition=(
            "Candidatures déposées dans un programme de la convention par des personnes que le "
            "partenaire a orientées. Une personne orientée vers deux programmes de la "
            "convention compte deux fois ; une invitation pas encore suivie d'une candidature "
            "ne compte pas."
        ),
        date="date de dépôt de la candidature",
        attribution="le partenaire est le prescripteur de la candidature",
    ),
    IND.PARRAINS_APPORTES: Definition(
        libelle=IND.PARRAINS_APPORTES.label,
        definition=(
            "Parrains et marraines que le partenaire a mobilisés, inscrits dans un programme de "
            "la convention et validés par l'équipe."
        ),
        date="date de validation du parrain",
        attribution="l'équipe a rattaché le parrain au partenaire (parrains apportés)",
    ),
    IND.BINOMES_FORMES: Definition(
        libelle=IND.BINOMES_FORMES.label,
        definition=(
            "Binômes acceptés par le parrain dans un programme de la convention, qu'ils soient "
            "en cours, terminés ou interrompus : un binôme interrompu avant son terme a bien "
            "été formé."
        ),
        date="date de début du binôme",
        attribution=BINOME_ATTRIBUE,
    ),
    IND.RENCONTRES_TENUES: Definition(
        libelle=IND.RENCONTRES_TENUES.label,
        definition=(
            "Rencontres consignées comme tenues par les binômes du partenaire, y compris celles "
            "d'un binôme interrompu depuis ; les rencontres proposées, prévues ou annulées ne "
            "comptent pas."
        ),
        date="date de la rencontre",
        attribution=BINOME_ATTRIBUE,
    ),
    IND.SORTIES_POSITIVES_6_MOIS: Definition(
        libelle=IND.SORTIES_POSITIVES_6_MOIS.label,
        definition=(
            "Situations relevées six mois après la fin du parrainage qui sont des sorties "
            "positives. Dans un programme qui sélectionne par une semaine de sélection "
            "(sorties comptées sur la cohorte), comptent aussi celles des membres de la cohorte "
            "sans binôme (retenus mais jamais appariés, ou partis après la semaine), relevées "
            "six mois après la fin qu'aurait eue un parrainage ; une personne qui a une sortie "
            "de binôme et une sortie de candidature compte une fois (celle du binôme). "
            f"{SORTIE_POSITIVE}"
        ),
        date="date de la situation relevée (une sortie relevée après la période compte dans "
        "une période suivante)",
        attribution=(
            f"{BINOME_ATTRIBUE} ; une personne de la cohorte sans binôme est attribuée au "
            "partenaire prescripteur de sa candidature"
        ),
    ),
    IND.EVENEMENTS_ORGANISES: Definition(
        libelle=IND.EVENEMENTS_ORGANISES.label,
        definition=(
            "Événements des programmes de la convention qui ont eu lieu (marqués terminés ; "
            "les événements annulés ne comptent pas)."
        ),
        date="date de début de l'événement",
        attribution=(
            "l'événement est animé par un parrain apporté par le partenaire ; un événement de "
            "l'équipe du programme (sans parrain organisateur) compte pour chaque convention "
            "du programme"
        ),
    ),
    IND.PARTICIPATION: Definition(
        libelle=IND.PARTICIPATION.label,
        definition=(
            "Présences constatées aux événements des programmes de la convention (une "
            "inscription marquée « présent » ; une personne présente à trois événements compte "
            "trois fois)."
        ),
        date="date de l'événement",
        attribution=(
            "le participant est un filleul orienté par le partenaire vers le programme de "
            "l'événement, ou l'événement est animé par un parrain apporté par le partenaire"
        ),
    ),
    IND.IMMERSIONS_REALISEES: Definition(
        libelle=IND.IMMERSIONS_REALISEES.label,
        definition=(
            "Immersions (PMSMP ou séquences d'observation) des programmes de la convention "
            "dont le bilan du tuteur compte au moins un jour de présence ; une convention "
            "annulée, ou dont le bilan n'est pas encore rempli, ne compte pas."
        ),
        date="dernier jour de l'immersion",
        attribution=IMMERSION_ATTRIBUEE,
    ),
    IND.IMMERSIONS_EMBAUCHE: Definition(
        libelle=IND.IMMERSIONS_EMBAUCHE.label,
        definition=(
            "Immersions réalisées dont le bilan du tuteur indique qu'une embauche est "
            "envisagée dans l'entreprise d'accueil."
        ),
        date="dernier jour de l'immersion",
        attribution=IMMERSION_ATTRIBUEE,
    ),
    IND.SATISFACTION: Definition(
        libelle=IND.SATISFACTION.label,
        definition=(
            "Note moyenne donnée par les parrains, marraines et filleuls aux points d'étape de "
            "leur parrainage (à 30 jours, puis tous les 60 jours), de 1 à 5, exprimée en "
            "pourcentage de la note maximale : une moyenne de 4,2 sur 5 vaut 84 %. Chaque "
            "réponse compte une fois ; sans réponse sur la période, l'indicateur vaut 0."
        ),
        date="date de la réponse au point d'étape",
        attribution=BINOME_ATTRIBUE,
    ),
    IND.OBJECTIFS_ATTEINTS: Definition(
        libelle=IND.OBJECTIFS_ATTEINTS.label,
        definition=(
            "Part des objectifs que les binômes se sont fixés (un à trois par binôme) notés "
            "« atteint » à la dernière rencontre consignée, en pourcentage ; sans objectif fixé "
            "sur la période, l'indicateur vaut 0."
        ),
        date="date à laquelle le binôme a écrit l'objectif",
        attribution=BINOME_ATTRIBUE,
    ),
}

# Indicators that are a share in percent of their rows (the mean of ``valeur`` over them),
# not a count: their objective is a percentage to reach.
PARTS = {
    IND.SATISFACTION: Case(
        *[When(satisfaction=n, then=Value(n * 20)) for n in range(1, 6)],
        output_field=IntegerField(),
    ),
    IND.OBJECTIFS_ATTEINTS: Case(
        When(avancement="atteint", then=Value(100)), default=Value(0), output_field=IntegerField()
    ),
}

# The date that places a counted row in a period.
DATES = {
    IND.FILLEULS_ORIENTES: "created_at",
    IND.PARRAINS_APPORTES: "valide_le",
    IND.BINOMES_FORMES: "date_debut",
    IND.RENCONTRES_TENUES: "debut",
    IND.SORTIES_POSITIVES_6_MOIS: "date",
    IND.EVENEMENTS_ORGANISES: "debut",
    IND.PARTICIPATION: "evenement__debut",
    IND.IMMERSIONS_REALISEES: "date_fin",
    IND.IMMERSIONS_EMBAUCHE: "date_fin",
    IND.SATISFACTION: "repondu_le",
    IND.OBJECTIFS_ATTEINTS: "created_at",
}

MOIS_PAR_PERIODE = {
    Objectif.Periode.ANNEE: 12,
    Objectif.Periode.TRIMESTRE: 3,
    Objectif.Periode.MOIS: 1,
}


# --- Periods ------------------------------------------------------------------------------------


def bornes(debut: dt.date, fin: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant of ``debut``, first instant after ``fin``) in the current time zone."""
    return debut_du_jour(debut), debut_du_jour(fin + dt.timedelta(days=1))


def mois_entre(debut: dt.date, fin: dt.date) -> list[dt.date]:
    """The first day of every month from ``debut``'s month to ``fin``'s month."""
    mois, dernier = debut.replace(day=1), fin.replace(day=1)
    resultat = []
    while mois <= dernier:
        resultat.append(mois)
        mois = add_months(mois, 1)
    return resultat


def fenetre_objectif(objectif: Objectif, reference: dt.date) -> tuple[dt.date, dt.date]:
    """The window an objective is measured on at ``reference``.

    The whole convention, or the year, quarter or month of the convention (counted from its
    start date) that holds ``reference`` — clamped to the convention's dates.
    """
    convention = objectif.convention
    debut, fin = convention.date_debut, convention.date_fin
    if objectif.periode == Objectif.Periode.CONVENTION:
        return debut, fin
    pas = MOIS_PAR_PERIODE[objectif.periode]
    jour = min(max(reference, debut), fin)
    rang = 0
    while add_months(debut, (rang + 1) * pas) <= jour:
        rang += 1
    return add_months(debut, rang * pas), min(
        add_months(debut, (rang + 1) * pas) - dt.timedelta(days=1), fin
    )


# --- What counts --------------------------------------------------------------------------------


def oriente_par(partenaire, *, filleul: str, programme: str):
    """The mentee at ``filleul`` was referred to the programme at ``programme`` by the partner."""
    return Exists(
        Candidature.objects.filter(
            filleul=OuterRef(filleul),
            programme=OuterRef(programme),
            prescripteur=partenaire,
        )
    )


def apporte_par(partenaire, *, parrain: str):
    """The mentor at ``parrain`` was brought by the partner."""
    return Exists(ParrainApporte.objects.filter(parrain=OuterRef(parrain), partenaire=partenaire))


def binomes_du_partenaire(partenaire, convention):
    """The ids of the partner's pairs in the convention's programmes: those whose mentee the
    partner referred to the pair's programme, or whose mentor it brought.

    A union of two reads, each driven by the partner's own rows through an index: the pairs
    of the mentees it referred (its applications), then those of the mentors it brought. The
    same test written as ``EXISTS … OR EXISTS`` on each pair, meeting or outcome cannot be
    turned into a join: the database then reads every row of the programmes (a second for
    the meetings of national data, whatever the partner's size).
    """
    programmes = Convention.programmes.through.objects.filter(convention=convention).values(
        "programme"
    )
    orientes = Parrainage.objects.filter(
        oriente_par(partenaire, filleul="filleul", programme="programme"),
        programme__in=programmes,
    )
    apportes = Parrainage.objects.filter(
        apporte_par(partenaire, parrain="parrain"), programme__in=programmes
    )
    return orientes.order_by().values("pk").union(apportes.order_by().values("pk"))


def invitee_a_la_selection(candidature: str = "pk") -> Q:
    """The application at ``candidature`` is a member of the cohort: the one definition
    (``parrainages.models.membre_de_cohorte``: an invitation not followed by a return to
    study, or still invited)."""
    return membre_de_cohorte(candidature)


def sorties_de_la_cohorte(*, partenaire, convention):
    """The outcomes of people without a pair counted over a cohort: recorded on an application
    to a cohort programme of the convention (``Programme.sorties_sur_la_cohorte``), that went to
    the selection week and that the partner prescribed; and only when the person has no pair
    outcome for the same moment in that programme (the pair's counts: one per person)."""
    du_binome = Sortie.objects.filter(
        parrainage__filleul=OuterRef("candidature__filleul"),
        parrainage__programme=OuterRef("candidature__programme"),
        moment=OuterRef("moment"),
    )
    return Sortie.objects.filter(
        invitee_a_la_selection("candidature"),
        ~Exists(du_binome),
        candidature__prescripteur=partenaire,
        candidature__programme__conventions=convention,
        candidature__programme__sorties_sur_la_cohorte=True,
    )


def _parmi(colonne: str, binomes) -> Q:
    """The rows whose ``colonne`` is one of the partner's pairs ``binomes``.

    The pairs computed once at the head of the statement (``Releve``) are tested as
    ``colonne = ANY(ARRAY(SELECT id FROM …))`` on PostgreSQL (``DansLesCles``), not ``IN
    (SELECT id FROM …)``: the database knows nothing of how many rows the head holds, guessed
    200 and looked each of a national partner's 71,000 pairs up twice, one index probe at a
    time (a convention page on a cache miss 1.2 s on national data, 0.7 s so)."""
    if isinstance(binomes, RawSQL):
        return Q(DansLesCles(colonne, binomes))
    return Q(**{f"{colonne}__in": binomes})


def sorties(*, partenaire, convention, debut: dt.date, fin: dt.date, binomes=None):
    """The outcomes counted for the partner in the convention's programmes, dated in the
    period: its pairs' (every programme), and in the cohort programmes, those of the cohort's
    people it prescribed who had no pair (``sorties_de_la_cohorte``)."""
    if binomes is None:
        binomes = binomes_du_partenaire(partenaire, convention)
    des_binomes = Sortie.objects.filter(_parmi("parrainage", binomes))
    sans_binome = sorties_de_la_cohorte(partenaire=partenaire, convention=convention)
    return Sortie.objects.filter(
        Q(pk__in=des_binomes.values("pk")) | Q(pk__in=sans_binome.values("pk")),
        date__gte=debut,
        date__lte=fin,
    )


def lignes(indicateur: str, *, partenaire, convention, debut: dt.date, fin: dt.date, binomes=None):
    """The rows ``indicateur`` counts for the partner's convention over [debut, fin].

    ``partenaire`` and ``convention`` are primary keys: kept as constants, they let the
    database turn the attribution tests into semi-joins. ``binomes``: the partner's pairs
    (``binomes_du_partenaire``), when the statement computed them once already
    (``binomes_calcules``).
    """
    t1, t2 = bornes(debut, fin)
    if binomes is None:
        binomes = binomes_du_partenaire(partenaire, convention)
    if indicateur == IND.FILLEULS_ORIENTES:
        return Candidature.objects.filter(
            prescripteur=partenaire,
            programme__conventions=convention,
            created_at__gte=t1,
            created_at__lt=t2,
        )
    if indicateur == IND.PARRAINS_APPORTES:
        return Parrain.objects.filter(
            apporte_par(partenaire, parrain="pk"),
            Exists(
                Parrain.programmes.through.objects.filter(
                    parrain=OuterRef("pk"), programme__conventions=convention
                )
            ),
            valide_le__gte=t1,
            valide_le__lt=t2,
        )
    if indicateur == IND.BINOMES_FORMES:
        return Parrainage.objects.filter(
            _parmi("pk", binomes),
            statut__in=Parrainage.STATUTS_FORMES,
            date_debut__gte=debut,
            date_debut__lte=fin,
        )
    if indicateur == IND.RENCONTRES_TENUES:
        return Rencontre.objects.filter(
            _parmi("parrainage", binomes),
            statut=Rencontre.Statut.TENUE,
            debut__gte=t1,
            debut__lt=t2,
        )
    if indicateur == IND.SORTIES_POSITIVES_6_MOIS:
        return sorties(
            partenaire=partenaire, convention=convention, debut=debut, fin=fin, binomes=binomes
        ).filter(Sortie.compte_positive(), moment=Sortie.Moment.SIX_MOIS)
    if indicateur == IND.EVENEMENTS_ORGANISES:
        return Evenement.objects.filter(
            Q(organisateur__isnull=True) | Q(apporte_par(partenaire, parrain="organisateur")),
            statut=Evenement.Statut.TERMINE,
            programme__conventions=convention,
            debut__gte=t1,
            debut__lt=t2,
        )
    if indicateur == IND.PARTICIPATION:
        return Inscription.objects.filter(
            Q(oriente_par(partenaire, filleul="filleul", programme="evenement__programme"))
            | Q(apporte_par(partenaire, parrain="evenement__organisateur")),
            statut=Inscription.Statut.PRESENT,
            evenement__programme__conventions=convention,
            evenement__debut__gte=t1,
            evenement__debut__lt=t2,
        ).exclude(evenement__statut=Evenement.Statut.ANNULE)
    if indicateur in (IND.IMMERSIONS_REALISEES, IND.IMMERSIONS_EMBAUCHE):
        realisees = Immersion.objects.filter(
            _parmi("parrainage", binomes) | Q(prescripteur=partenaire),
            parrainage__programme__conventions=convention,
            bilan__jours_presence__gt=0,
            date_fin__gte=debut,
            date_fin__lte=fin,
        )
        if indicateur == IND.IMMERSIONS_EMBAUCHE:
            return realisees.filter(bilan__issue=BilanImmersion.Issue.EMBAUCHE)
        return realisees
    if indicateur == IND.SATISFACTION:
        return PointEtape.objects.filter(
            _parmi("parrainage", binomes),
            repondu_le__gte=t1,
            repondu_le__lt=t2,
        )
    if indicateur == IND.OBJECTIFS_ATTEINTS:
        return ObjectifBinome.objects.filter(
            _parmi("parrainage", binomes),
            created_at__gte=t1,
            created_at__lt=t2,
        )
    raise ValueError(f"Indicateur inconnu : {indicateur}")


# --- Counting -----------------------------------------------------------------------------------


class _Compte(Subquery):
    """``COUNT(*)`` of a subquery's rows, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS lignes_comptees)"
    output_field = IntegerField()


class _Part(Subquery):
    """The rounded mean of a subquery's ``valeur`` column (0 without rows), as a scalar
    subquery: the figure of an indicator of ``PARTS``."""

    template = (
        "(SELECT COALESCE(CAST(ROUND(AVG(lignes_comptees.valeur)) AS INTEGER), 0) "
        "FROM (%(subquery)s) AS lignes_comptees)"
    )
    output_field = IntegerField()


def _figure(indicateur: str, rows):
    """The scalar subquery of one figure: a count, or a share for the indicators of PARTS."""
    if indicateur in PARTS:
        return _Part(rows.order_by().annotate(valeur=PARTS[indicateur]).values("valeur"))
    # A constant, not the key: the rows can then be counted from an index alone (the held
    # meetings of a national partner's pairs from ``rencontre_tenue_idx``, without reading
    # the 180,000 rows: 0.29 s then 0.06 s on national data).
    return _Compte(rows.order_by().values(ligne=Value(1)))


@dataclass(frozen=True)
class Demande:
    """One figure to count: an indicator over a period, for a public and a sector when given
    (``partenaires.publics``)."""

    indicateur: str
    debut: dt.date
    fin: dt.date
    public: str = ""
    secteur: int | None = None


def lignes_demandees(demande: Demande, *, partenaire, convention, binomes=None):
    """The rows a ``Demande`` counts: ``lignes`` narrowed to its public and sector."""
    rows = lignes(
        demande.indicateur,
        partenaire=partenaire,
        convention=convention,
        debut=demande.debut,
        fin=demande.fin,
        binomes=binomes,
    )
    q = publics.cible(demande.indicateur, public=demande.public, secteur=demande.secteur)
    return rows if q is None else rows.filter(q)


class _ParMois(Subquery):
    """A subquery's ``(mois, n)`` rows as one text, ``mois=n`` joined by commas (``NULL``
    without rows), as a scalar subquery: a monthly series read in the same statement as the
    other figures."""

    template = (
        "(SELECT STRING_AGG(CAST(lignes_comptees.mois AS TEXT) || '=' || "
        "CAST(lignes_comptees.n AS TEXT), ',') FROM (%(subquery)s) AS lignes_comptees)"
    )
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        template = (
            "(SELECT GROUP_CONCAT(lignes_comptees.mois || '=' || lignes_comptees.n, ',') "
            "FROM (%(subquery)s) AS lignes_comptees)"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


class Releve:
    """Figures read together in one SQL statement.

    Each figure is an uncorrelated scalar subquery (partner and convention are constants in
    it). Each convention's partner's pairs (``binomes_du_partenaire``), which most figures
    read, are computed once at the head of the statement (``WITH … AS MATERIALIZED``) rather
    than once per figure. JIT compilation, which made a large statement cost seconds of
    compilation, is off on the project's connections (``mentorat/settings.py``).
    """

    def __init__(self):
        self.figures: dict[str, object] = {}
        self.conventions: dict[int, int] = {}  # convention -> partner

    def ajouter(self, expression) -> str:
        nom = f"f{len(self.figures)}"
        self.figures[nom] = expression
        return nom

    def binomes(self, *, partenaire, convention) -> RawSQL:
        """The partner's pairs of the convention, as computed at the head of the statement."""
        self.conventions[int(convention)] = int(partenaire)
        return RawSQL(f'SELECT id FROM "binomes_convention_{int(convention)}"', [])

    def tetes(self) -> tuple[list[str], list]:
        """The head of the statement: each convention's partner's pairs asked for
        (``binomes``), as ``name (id) AS MATERIALIZED (…)`` clauses, and their parameters."""
        tetes, parametres = [], []
        for convention, partenaire in self.conventions.items():
            union = binomes_du_partenaire(partenaire, convention)
            sql, params = union.query.sql_with_params()
            tetes.append(f'"binomes_convention_{convention}" (id) AS MATERIALIZED ({sql})')
            parametres.extend(params)
        return tetes, parametres

    def lire(self) -> dict[str, object]:
        """Every figure added (one statement; none without figures)."""
        if not self.figures:
            return {}
        tetes, parametres = self.tetes()
        requete = Convention.objects.order_by().values(**self.figures)[:1]
        sql, params = requete.query.sql_with_params()
        if not tetes:
            return requete.get()
        with connection.cursor() as curseur:
            curseur.execute(f"WITH {', '.join(tetes)} {sql}", (*parametres, *params))
            ligne = curseur.fetchone()
        return dict(zip(self.figures, ligne, strict=True))


def demander_comptes(releve: Releve, convention: Convention, demandes) -> dict[Demande, str]:
    """Add each requested figure of the convention to ``releve``: demand -> its name."""
    binomes = releve.binomes(partenaire=convention.partenaire_id, convention=convention.pk)
    return {
        demande: releve.ajouter(
            _figure(
                demande.indicateur,
                lignes_demandees(
                    demande,
                    partenaire=convention.partenaire_id,
                    convention=convention.pk,
                    binomes=binomes,
                ),
            )
        )
        for demande in dict.fromkeys(demandes)
    }


def compter_pour(plan: dict[Convention, list[Demande]]) -> dict[int, dict[Demande, int]]:
    """Count every requested figure of several conventions (one statement: ``Releve``)."""
    releve = Releve()
    noms = {
        convention.pk: demander_comptes(releve, convention, d) for convention, d in plan.items()
    }
    valeurs = releve.lire()
    return {
        convention_id: {demande: valeurs[nom] for demande, nom in par_demande.items()}
        for convention_id, par_demande in noms.items()
    }


def compter(convention: Convention, demandes: list[Demande]) -> dict[Demande, int]:
    """Count every requested figure of one convention (one statement)."""
    return compter_pour({convention: demandes})[convention.pk]


def compter_conventions(conventions, debut: dt.date, fin: dt.date) -> list[Convention]:
    """The conventions, each with every indicator over the period as an attribute (one query
    for the conventions, one for the figures)."""
    conventions = list(conventions)
    if not conventions:
        return []
    demandes = [Demande(ind, debut, fin) for ind in IND.values]
    valeurs = compter_pour(dict.fromkeys(conventions, demandes))
    for convention in conventions:
        for demande in demandes:
            setattr(convention, demande.indicateur, valeurs[convention.pk][demande])
    return conventions


def demander_par_mois(
    releve: Releve, indicateur: str, *, convention: Convention, debut: dt.date, fin: dt.date
):
    """Add the monthly counts of ``indicateur`` over [debut, fin] to ``releve``; what it
    returns turns the figures read into the series, every month listed."""
    rows = (
        lignes(
            indicateur,
            partenaire=convention.partenaire_id,
            convention=convention.pk,
            debut=debut,
            fin=fin,
            binomes=releve.binomes(partenaire=convention.partenaire_id, convention=convention.pk),
        )
        .order_by()
        .annotate(mois=TruncMonth(DATES[indicateur]))
        .values("mois")
        .annotate(n=Count("pk"))
        .values("mois", "n")
    )
    nom = releve.ajouter(_ParMois(rows))

    def serie(valeurs) -> list[tuple[dt.date, int]]:
        comptes = {}
        for paire in filter(None, (valeurs[nom] or "").split(",")):
            # The month as the database writes it: its local first day, then a time or not.
            mois, n = paire.rsplit("=", 1)
            mois = dt.date.fromisoformat(mois[:10])
            comptes[mois] = comptes.get(mois, 0) + int(n)
        return [(mois, comptes.get(mois, 0)) for mois in mois_entre(debut, fin)]

    return serie


def par_mois(
    indicateur: str, *, convention: Convention, debut: dt.date, fin: dt.date
) -> list[tuple[dt.date, int]]:
    """Monthly counts of ``indicateur`` over [debut, fin], every month listed (one query)."""
    releve = Releve()
    serie = demander_par_mois(releve, indicateur, convention=convention, debut=debut, fin=fin)
    return serie(releve.lire())


# The outcomes a mentor declared positive that the mentee has not confirmed yet, counted apart
# from their type in the breakdown (``Sortie.compte_positive``): never read as positive.
A_CONFIRMER = "a_confirmer"


def sorties_par_type(
    convention: Convention, debut: dt.date, fin: dt.date
) -> dict[tuple[str, str], int]:
    """Outcomes of the partner's pairs dated in the period, by (moment, type) (one query); a
    positive situation declared by the mentor and not yet confirmed by the mentee is counted
    under ``A_CONFIRMER``, not under its type."""
    rows = (
        sorties(partenaire=convention.partenaire_id, convention=convention.pk, debut=debut, fin=fin)
        .order_by()
        .annotate(
            situation=Case(
                When(
                    Q(type__in=Sortie.TYPES_POSITIFS) & ~Sortie.compte_positive(),
                    then=Value(A_CONFIRMER),
                ),
                default=F("type"),
            )
        )
        .values("moment", "situation")
        .annotate(n=Count("pk"))
    )
    return {(r["moment"], r["situation"]): r["n"] for r in rows}


# --- The cohort (programmes counted over their selection week) ---------------------------------


@dataclass(frozen=True)
class Cohorte:
    """The partner's members of the cohorts of a convention's cohort programmes, up to a day:
    the denominator of the outcomes counted over the cohort, and each member's 6-month
    outcome counted once (the pair's when there is one, else the application's)."""

    jusqu_au: dt.date
    membres: int
    avec_binome: int
    retenus_sans_binome: int
    partis_apres_selection: int
    en_liste_attente: int
    reponses_six_mois: int
    positives_six_mois: int

    @property
    def en_attente_de_decision(self) -> int:
        return (
            self.membres
            - self.avec_binome
            - self.retenus_sans_binome
            - self.partis_apres_selection
            - self.en_liste_attente
        )

    @property
    def taux(self) -> int | None:
        """Positive 6-month outcomes over every member (answered or not), in %."""
        return round(100 * self.positives_six_mois / self.membres) if self.membres else None


def cohorte_compter(convention: Convention, fin: dt.date) -> Cohorte | None:
    """The cohort figures of the convention at ``fin`` (one query), or None when none of its
    programmes counts its outcomes over the cohort.

    A member is an application to a cohort programme of the convention that the partner
    prescribed and that was invited to the selection week by ``fin`` (first invitation of its
    history that still holds: ``membre_de_cohorte``); the outcomes are those dated by ``fin``.
    "Partis après la semaine" are those not retained or who withdrew; the waiting list is its
    own bucket (they may still get a place).
    """
    # Read from the programmes when the page prefetched them (the portal does).
    if not any(p.sorties_sur_la_cohorte for p in convention.programmes.all()):
        return None
    _t1, t2 = bornes(fin, fin)
    invitation = invitations_tenues("pk").order_by("le", "pk")
    six_mois = (
        Sortie.objects.filter(moment=Sortie.Moment.SIX_MOIS, date__lte=fin)
        .annotate(positive=ExpressionWrapper(Sortie.compte_positive(), BooleanField()))
        .order_by("-date", "-pk")
    )
    du_binome = six_mois.filter(
        parrainage__filleul=OuterRef("filleul"), parrainage__programme=OuterRef("programme")
    )
    de_la_candidature = six_mois.filter(candidature=OuterRef("pk"))
    binome = Parrainage.objects.filter(
        filleul=OuterRef("filleul"),
        programme=OuterRef("programme"),
        statut__in=Parrainage.STATUTS_FORMES,
        date_debut__lte=fin,
    )
    membres = (
        Candidature.objects.filter(
            invitee_a_la_selection(),
            prescripteur=convention.partenaire_id,
            programme__conventions=convention.pk,
            programme__sorties_sur_la_cohorte=True,
        )
        .annotate(
            invitee_le=Coalesce(Subquery(invitation.values("le")[:1]), "decidee_le", "created_at"),
            six_mois=Coalesce(
                Subquery(du_binome.values("type")[:1]),
                Subquery(de_la_candidature.values("type")[:1]),
            ),
            six_mois_positive=Coalesce(
                Subquery(du_binome.values("positive")[:1]),
                Subquery(de_la_candidature.values("positive")[:1]),
            ),
            a_un_binome=Exists(binome),
        )
        .filter(invitee_le__lt=t2)
    )
    partis = (Candidature.Statut.REFUSEE, Candidature.Statut.DESISTEE)
    chiffres = membres.aggregate(
        membres=Count("pk"),
        avec_binome=Count("pk", filter=Q(a_un_binome=True)),
        retenus_sans_binome=Count(
            "pk", filter=Q(a_un_binome=False, statut=Candidature.Statut.RETENUE)
        ),
        partis_apres_selection=Count("pk", filter=Q(a_un_binome=False, statut__in=partis)),
        en_liste_attente=Count(
            "pk", filter=Q(a_un_binome=False, statut=Candidature.Statut.LISTE_ATTENTE)
        ),
        reponses_six_mois=Count("pk", filter=Q(six_mois__isnull=False)),
        positives_six_mois=Count("pk", filter=Q(six_mois_positive=True)),
    )
    return Cohorte(jusqu_au=fin, **chiffres)


# --- Objectives ---------------------------------------------------------------------------------


@dataclass
class Avancement:
    """Where an objective stands: the value counted on its window up to a day."""

    objectif: Objectif
    debut: dt.date
    fin: dt.date
    jusqu_au: dt.date
    valeur: int

    @property
    def cible(self) -> int:
        return self.objectif.valeur_cible

    @property
    def taux(self) -> int | None:
        return round(100 * self.valeur / self.cible) if self.cible else None

    @property
    def taux_jauge(self) -> int:
        """The value for a gauge: never past the target."""
        return min(self.valeur, self.cible)

    @property
    def atteint(self) -> bool:
        return self.valeur >= self.cible

    @property
    def libelle(self) -> str:
        return DEFINITIONS[self.objectif.indicateur].libelle + self.objectif.cible_libelle

    @property
    def cible_publique(self) -> bool:
        """The objective targets a public or a sector: its value is a breakdown figure."""
        return bool(self.objectif.public or self.objectif.secteur_id)

    @property
    def libelle_fenetre(self) -> str:
        du, au = f"{self.debut:%d/%m/%Y}", f"{self.fin:%d/%m/%Y}"
        nom = {
            Objectif.Periode.CONVENTION: "durée de la convention",
            Objectif.Periode.ANNEE: "année de convention",
            Objectif.Periode.TRIMESTRE: "trimestre de convention",
            Objectif.Periode.MOIS: "mois de convention",
        }[self.objectif.periode]
        return f"{nom}, du {du} au {au}"


def demande_objectif(objectif: Objectif, debut: dt.date, fin: dt.date) -> Demande:
    """What an objective counts on a window: its indicator, for its public and sector."""
    return Demande(objectif.indicateur, debut, fin, objectif.public, objectif.secteur_id)


def demander_avancements(releve: Releve, convention: Convention, objectifs, reference: dt.date):
    """Add each objective's value on its window at ``reference``, counted up to that day, to
    ``releve``; what it returns turns the figures read into the ``Avancement`` list."""
    plan = []
    for objectif in objectifs:
        debut, fin = fenetre_objectif(objectif, reference)
        jusqu_au = min(reference, fin)
        plan.append((objectif, debut, fin, jusqu_au, demande_objectif(objectif, debut, jusqu_au)))
    noms = demander_comptes(releve, convention, [p[-1] for p in plan])

    def lire(valeurs) -> list[Avancement]:
        return [
            Avancement(objectif=o, debut=d, fin=f, jusqu_au=j, valeur=valeurs[noms[demande]])
            for o, d, f, j, demande in plan
        ]

    return lire


def avancements(convention: Convention, objectifs, reference: dt.date) -> list[Avancement]:
    """Each objective's value on its window at ``reference``, counted up to that day (one
    statement)."""
    releve = Releve()
    lire = demander_avancements(releve, convention, list(objectifs), reference)
    return lire(releve.lire())


# --- Breakdown by public and sector (partenaires.publics) ---------------------------------------


@dataclass
class LigneVentilee:
    """One group (a public or a sector) with each broken-down indicator's count."""

    axe: str  # "public" or "secteur"
    code: str
    libelle: str
    valeurs: dict  # indicator -> count

    @property
    def axe_libelle(self) -> str:
        return "Public" if self.axe == "public" else "Secteur"


def groupes_de_ventilation(secteurs=None) -> list[tuple[str, str, str, object]]:
    """Every group a figure is broken down by: (axis, code, label, mentees queryset)."""
    from programmes.models import Secteur

    groupes = [
        ("public", p.value, p.label, publics.filleuls_du_public(p.value)) for p in publics.Public
    ]
    secteurs = list(Secteur.objects.order_by("code")) if secteurs is None else secteurs
    groupes += [("secteur", s.code, s.libelle, publics.filleuls_du_secteur(s.pk)) for s in secteurs]
    return groupes


def ventiler(convention: Convention, debut: dt.date, fin: dt.date) -> list[LigneVentilee]:
    """Each indicator that counts mentees, over [debut, fin], for each public and each sector:
    exact counts, for staff; what a partner downloads goes through ``publics.masquer``. Two
    queries: the sectors, then every figure (``_ventiler_par_filleul``)."""
    from programmes.models import Secteur

    secteurs = list(Secteur.objects.order_by("code"))
    groupes = groupes_de_ventilation(secteurs)
    releve = Releve()
    binomes = releve.binomes(partenaire=convention.partenaire_id, convention=convention.pk)
    a_compter = [
        (
            lignes(
                indicateur,
                partenaire=convention.partenaire_id,
                convention=convention.pk,
                debut=debut,
                fin=fin,
                binomes=binomes,
            ).order_by(),
            publics.CHEMINS_FILLEUL[indicateur],
        )
        for indicateur in publics.VENTILABLES
    ]
    comptes = _ventiler_par_filleul(releve, a_compter, groupes, {s.code: s.pk for s in secteurs})
    return [
        LigneVentilee(
            axe=axe,
            code=code,
            libelle=libelle,
            valeurs={
                indicateur: comptes[k][rang] for k, indicateur in enumerate(publics.VENTILABLES)
            },
        )
        for rang, (axe, code, libelle, _f) in enumerate(groupes)
    ]


def _par_filleul(rows, chemins: tuple[str, ...]) -> tuple[str, tuple]:
    """The SQL of ``rows`` counted by mentee at ``chemins`` (``f0[, f1], n``).

    Rows reached through their pair (``parrainage__filleul``: meetings, immersions) are
    counted by pair first, then the pairs joined to their mentee: one join per pair, not per
    row (a national partner's 225,000 meetings of a year looked their pair up one by one).
    Rows are counted with ``COUNT(*)``, not their keys: the meetings from the index of held
    meetings alone."""
    if chemins == ("parrainage__filleul",):
        from parrainages.models import Parrainage

        par_binome = rows.order_by().values(binome=F("parrainage")).annotate(n=Count("*"))
        sql, params = par_binome.query.sql_with_params()
        nom = connection.ops.quote_name
        binomes = nom(Parrainage._meta.db_table)
        return (
            f"SELECT binomes.{nom('filleul_id')}, SUM(par_binome.n) "
            f"FROM ({sql}) par_binome "
            f"INNER JOIN {binomes} binomes ON binomes.{nom('id')} = par_binome.binome "
            f"GROUP BY binomes.{nom('filleul_id')}",
            params,
        )
    par_filleul = rows.order_by().values(*chemins).annotate(n=Count("*")).values_list(*chemins, "n")
    return par_filleul.query.sql_with_params()


def _ventiler_par_filleul(releve: "Releve", a_compter, groupes, secteurs: dict) -> list[list[int]]:
    """For each ``(rows, chemins)`` of ``a_compter``, the rows counted for each group of
    ``groupes``, their mentees at ``chemins`` (a row is of a group when one of them is; of a
    sector, ``secteurs``: code -> id, when one of them wishes it): one statement for them all.

    Each indicator's rows are first counted by mentee (``par_filleul_<k> (f0, n)``; by pair
    of mentees for an outcome, its pair's and its application's: ``_par_filleul``). The
    partner's pairs, which most indicators read, are computed once at the head of the
    statement (``Releve.tetes``); each mentee of any indicator is marked once (``marques``:
    0 or 1 for each public, then for each sector it wishes), then each indicator's counts are
    sums over its mentees' marks. On national data, a 50,000-mentee partner's breakdown took
    one statement per indicator, each computing the partner's pairs, testing the publics of
    its 38,000 mentees and joining their 100,000 wishes again (2.1 s in all). The publics'
    rules stay ``publics.predicat``'s, read on the mentee's own row."""
    from parrainages.models import Filleul

    nom = connection.ops.quote_name
    des_publics = [(r, code) for r, (axe, code, _l, _f) in enumerate(groupes) if axe == "public"]
    des_secteurs = [
        (r, secteurs[code]) for r, (axe, code, _l, _f) in enumerate(groupes) if axe == "secteur"
    ]
    tetes, params = releve.tetes()
    cles_par_indicateur = []
    for k, (rows, chemins) in enumerate(a_compter):
        sql, p = _par_filleul(rows, chemins)
        cles = [f"f{i}" for i in range(len(chemins))]
        tetes.append(f"par_filleul_{k} ({', '.join(cles)}, n) AS MATERIALIZED ({sql})")
        params.extend(p)
        cles_par_indicateur.append(cles)
    # Every mentee of a counted row, once.
    lus = " UNION ".join(
        f"SELECT {c} FROM par_filleul_{k}"
        for k, cles in enumerate(cles_par_indicateur)
        for c in cles
    )
    tetes.append(f"filleuls_lus (id) AS MATERIALIZED ({lus})")
    # The sectors each of them wishes, as 0 or 1 for each sector.
    souhaits = Filleul.secteurs_souhaites.through._meta
    de_filleul = nom(souhaits.get_field("filleul").column)
    de_secteur = nom(souhaits.get_field("secteur").column)
    souhaite = ", ".join(
        f"MAX(CASE WHEN {de_secteur} = %s THEN 1 ELSE 0 END) AS s{r}" for r, _id in des_secteurs
    )
    if des_secteurs:
        tetes.append(
            f"souhaits_lus AS MATERIALIZED (SELECT {de_filleul} AS filleul, {souhaite} "
            f"FROM {nom(souhaits.db_table)} WHERE {de_filleul} IN (SELECT id FROM filleuls_lus) "
            f"GROUP BY {de_filleul})"
        )
        params.extend(pk for _r, pk in des_secteurs)
    # Each public as 0 or 1 on the row of each mentee counted (with its joins: the school).
    marques = (
        Filleul.objects.order_by()
        .filter(pk__in=RawSQL("SELECT id FROM filleuls_lus", []))
        .annotate(
            **{
                f"p{r}": Case(
                    When(publics.predicat(code, ""), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
                for r, code in des_publics
            }
        )
        .values(*(f"p{r}" for r, _c in des_publics), filleul=F("pk"))
    )
    sql, p = marques.query.sql_with_params()
    colonnes = [f"p{r}" for r, _c in des_publics] + [f"s{r}" for r, _id in des_secteurs]
    choisies = ["publics.filleul"] + [f"publics.p{r}" for r, _c in des_publics]
    choisies += [f"COALESCE(souhaits_lus.s{r}, 0)" for r, _id in des_secteurs]
    jointure = (
        " LEFT JOIN souhaits_lus ON souhaits_lus.filleul = publics.filleul" if des_secteurs else ""
    )
    tetes.append(
        f"marques (filleul, {', '.join(colonnes)}) AS MATERIALIZED "
        f"(SELECT {', '.join(choisies)} FROM ({sql}) publics{jointure})"
    )
    params.extend(p)
    selects = []
    # The indicators whose rows have one mentee each: their mentees' counts put together and
    # joined to the marks once, summed by indicator.
    simples = [k for k, cles in enumerate(cles_par_indicateur) if len(cles) == 1]
    if simples:
        sommes = ", ".join(
            f"SUM(CASE WHEN COALESCE(m.{colonne}, 0) = 1 THEN comptes.n ELSE 0 END)"
            for colonne in colonnes
        )
        comptes = " UNION ALL ".join(
            f"SELECT {k} AS k, f0, n FROM par_filleul_{k}" for k in simples
        )
        selects.append(
            f"SELECT comptes.k, {sommes} FROM ({comptes}) comptes "
            "LEFT JOIN marques m ON m.filleul = comptes.f0 GROUP BY comptes.k"
        )
    for k, cles in enumerate(cles_par_indicateur):
        if k in simples:
            continue
        # A row of a group when one of its mentees is (absent mentee: in none).
        sommes = ", ".join(
            "SUM(CASE WHEN "
            + " OR ".join(f"COALESCE(m{i}.{colonne}, 0) = 1" for i in range(len(cles)))
            + f" THEN par_filleul_{k}.n ELSE 0 END)"
            for colonne in colonnes
        )
        jointures = " ".join(
            f"LEFT JOIN marques m{i} ON m{i}.filleul = par_filleul_{k}.{cle}"
            for i, cle in enumerate(cles)
        )
        selects.append(f"SELECT {k}, {sommes} FROM par_filleul_{k} {jointures}")
    sql = f"WITH {', '.join(tetes)} {' UNION ALL '.join(selects)}"
    with connection.cursor() as curseur:
        curseur.execute(sql, params)
        lues = curseur.fetchall()
    rangs = [r for r, _c in des_publics] + [r for r, _id in des_secteurs]
    comptes = [[0] * len(groupes) for _ in a_compter]
    for ligne in lues:
        for r, valeur in zip(rangs, ligne[1:], strict=True):
            comptes[ligne[0]][r] = int(valeur or 0)
    return comptes


# --- Participants in the events, by audience ----------------------------------------------------

PARTICIPANTS_AUX_EVENEMENTS = Definition(
    libelle="Participants aux événements",
    definition=(
        "Personnes inscrites puis présentes aux événements des programmes de la convention "
        "(tables rondes, rencontres d'entreprise…), par public : filleuls, parrains et "
        "marraines, membres des partenaires. Chaque partenaire de la convention voit les mêmes "
        "chiffres ; une inscription annulée, ou un événement annulé, ne compte pas ; une "
        "personne présente à trois événements compte trois fois."
    ),
    date="date de début de l'événement, dans les dates de la convention",
    attribution="tous les événements des programmes de la convention",
)


def demander_participants(releve: Releve, convention: Convention, debut: dt.date, fin: dt.date):
    """Add the registered and present people at the events of the convention's programmes
    that began in [debut, fin] within the convention's dates, by audience
    (``Evenement.Public``), to ``releve``; what it returns turns the figures read into
    ``{public: {"inscrits": n, "presents": n}}``, every audience listed."""
    debut, fin = max(debut, convention.date_debut), min(fin, convention.date_fin)
    if fin < debut:
        return lambda valeurs: {p: {"inscrits": 0, "presents": 0} for p in Evenement.Public.values}
    t1, t2 = bornes(debut, fin)
    rows = (
        Inscription.objects.filter(
            evenement__programme__conventions=convention.pk,
            evenement__debut__gte=t1,
            evenement__debut__lt=t2,
        )
        .exclude(statut=Inscription.Statut.ANNULE)
        .exclude(evenement__statut=Evenement.Statut.ANNULE)
        .order_by()
    )
    noms = {
        p: {
            "inscrits": releve.ajouter(_Compte(rows.filter(public=p).values("pk"))),
            "presents": releve.ajouter(
                _Compte(rows.filter(public=p, statut=Inscription.Statut.PRESENT).values("pk"))
            ),
        }
        for p in Evenement.Public.values
    }
    return lambda valeurs: {
        p: {quoi: valeurs[nom] for quoi, nom in par_public.items()}
        for p, par_public in noms.items()
    }


def participants_aux_evenements(
    convention: Convention, debut: dt.date, fin: dt.date
) -> dict[str, dict[str, int]]:
    """``demander_participants`` read alone (one query, none when the period is outside the
    convention's dates)."""
    releve = Releve()
    lire = demander_participants(releve, convention, debut, fin)
    return lire(releve.lire())
