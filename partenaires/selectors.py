"""Reads of the partenaires app: what a partner member may see, and the content of reports.

Every object a portal page shows is fetched here, scoped to the partners the signed-in user
is an active member of: another partner's convention or report answers 404.
"""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from mentorat.cache import calculer_une_fois
from parrainages.models import (
    Candidature,
    EvenementCandidature,
    Parrainage,
    Rencontre,
    Sortie,
    invitations_tenues,
)
from programmes.models import Evenement, Inscription

from . import indicateurs, publics
from .indicateurs import DEFINITIONS, IND, Demande
from .models import Convention, Membre, Objectif, Partenaire, Prescription, Rapport

logger = logging.getLogger(__name__)

# --- Access -------------------------------------------------------------------------------------


def partenaires_du_membre(user) -> list[Partenaire]:
    """The user's partners, each with ``ecriture``: whether their role there writes (referring,
    codes, invitations, grids) or only reads — in the same query."""
    if not user.is_authenticated:
        return []
    ecrit = Membre.objects.filter(
        partenaire=OuterRef("pk"),
        user=user,
        actif=True,
        role__in=[Membre.Role.REFERENT, Membre.Role.CONSEILLER],
    )
    return list(Partenaire.objects.du_membre(user).annotate(ecriture=Exists(ecrit)).order_by("nom"))


def convention_du_membre(user, pk) -> Convention:
    """A convention of one of the user's partners, or 404."""
    convention = (
        Convention.objects.du_membre(user)
        .select_related("partenaire")
        .prefetch_related("programmes")
        .filter(pk=pk)
        .first()
    )
    if convention is None:
        raise Http404
    return convention


def rapport_du_membre(user, pk) -> Rapport:
    """A report on a convention one of the user's partners is a party to, or 404;
    ``nominatif``: whether the user is a member of its lead partner (the files naming the
    people it referred are its only)."""
    rapport = (
        Rapport.objects.du_membre(user)
        .select_related("convention__partenaire")
        .annotate(
            nominatif=ExpressionWrapper(
                Q(convention__partenaire__in=Partenaire.objects.du_membre(user)),
                output_field=BooleanField(),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if rapport is None:
        raise Http404
    return rapport


# --- Portal lists -------------------------------------------------------------------------------


def conventions_des_partenaires(partenaires):
    """The conventions one of ``partenaires`` is a party to."""
    return (
        Convention.objects.des_partenaires(partenaires)
        .select_related("partenaire")
        .annotate(nb_objectifs=Count("objectifs"))
        .order_by("-date_debut", "reference")
    )


def rapports_des_partenaires(partenaires):
    return (
        Rapport.objects.filter(convention__in=Convention.objects.des_partenaires(partenaires))
        .select_related("convention__partenaire")
        # The files naming people (CSV, XLSX): the lead partner's, who referred them.
        .annotate(
            nominatif=ExpressionWrapper(
                Q(convention__partenaire__in=partenaires), output_field=BooleanField()
            )
        )
        .order_by("-created_at", "-pk")
    )


def invitations_des_partenaires(partenaires):
    """The partners' own referrals, each with the status of the application that followed
    (whoever is credited with it): never another structure's referral."""
    candidature = Candidature.objects.filter(
        filleul=OuterRef("filleul_id"), programme=OuterRef("programme_id")
    )
    return (
        Prescription.objects.filter(partenaire__in=partenaires)
        .select_related("programme", "partenaire", "conseiller", "filleul__user")
        .prefetch_related("filleul__user__emailaddress_set")  # Prescription.a_reclamer
        .annotate(candidature_statut=Subquery(candidature.values("statut")[:1]))
        .order_by("-created_at")
    )


def libeller_orientations(prescriptions) -> list:
    """``candidature_libelle``: the annotated application status, labelled (no query)."""
    libelles = dict(Candidature.Statut.choices)
    prescriptions = list(prescriptions)
    for p in prescriptions:
        p.candidature_libelle = libelles.get(p.candidature_statut, "")
    return prescriptions


def prescription_du_membre(user, pk) -> Prescription:
    """One of the user's partners' referrals, or 404 (another structure's too)."""
    prescription = (
        Prescription.objects.filter(partenaire__in=Partenaire.objects.du_membre(user), pk=pk)
        .select_related("programme", "partenaire", "conseiller", "filleul__user", "lot")
        .first()
    )
    if prescription is None:
        raise Http404
    return prescription


def lot_du_membre(user, pk):
    from .models import ImportPrescriptions

    lot = (
        ImportPrescriptions.objects.filter(partenaire__in=Partenaire.objects.du_membre(user), pk=pk)
        .select_related("partenaire", "programme")
        .first()
    )
    if lot is None:
        raise Http404
    return lot


def _orientees(partenaires):
    """Applications credited to one of the partners, or that followed one of their own
    referrals (credited to another structure: shown, never named)."""
    return Q(prescripteur__in=partenaires) | Exists(
        Prescription.objects.filter(
            partenaire__in=partenaires,
            filleul=OuterRef("filleul_id"),
            programme=OuterRef("programme_id"),
        )
    )


def _dernier_binome():
    """The mentee's latest pair; among options proposed together, the one chosen."""
    return (
        Parrainage.objects.filter(
            filleul=OuterRef("filleul_id"), programme=OuterRef("programme_id")
        )
        .annotate(rang_a_montrer=Parrainage.rang_a_montrer())
        .order_by("-propose_le", "rang_a_montrer", "-pk")
    )


def filleuls_orientes(partenaires):
    """The applications the partners' referred people filed, with where each one stands.

    Only the partners' own people: applications whose prescriber is one of them.
    """
    binome = _dernier_binome()
    # The pair's outcome, or a person without a pair's on the application (a person has one or
    # the other: an outcome without a pair is refused to whoever has a pair in the programme).
    # Two subqueries, each on its own index, not one under an OR that the database can only
    # answer by reading every outcome for each row (2.7 s for a page of 50 on national data).
    sortie_du_binome = Sortie.objects.filter(
        parrainage__filleul=OuterRef("filleul_id"),
        parrainage__programme=OuterRef("programme_id"),
    ).order_by("-date", "-pk")
    sortie_sans_binome = Sortie.objects.filter(candidature=OuterRef("pk")).order_by("-date", "-pk")
    # The reason of the refusal and staff's free text, for the prescriber.
    refus = EvenementCandidature.objects.filter(
        candidature=OuterRef("pk"), statut=Candidature.Statut.REFUSEE
    ).order_by("-le", "-pk")
    # The member's own structure that referred the person (never another's name).
    orientant = Prescription.objects.filter(
        partenaire__in=partenaires,
        filleul=OuterRef("filleul_id"),
        programme=OuterRef("programme_id"),
    ).order_by("created_at", "pk")
    return (
        Candidature.objects.filter(_orientees(partenaires))
        .select_related("filleul__user", "programme", "prescripteur")
        .annotate(
            orientee_par=Subquery(orientant.values("partenaire__nom")[:1]),
            refus_motif=Subquery(refus.values("motif__libelle")[:1]),
            refus_precision=Subquery(refus.values("precision")[:1]),
            binome_statut=Subquery(binome.values("statut")[:1]),
            binome_debut=Subquery(binome.values("date_debut")[:1]),
            sortie_type=Coalesce(
                Subquery(sortie_du_binome.values("type")[:1]),
                Subquery(sortie_sans_binome.values("type")[:1]),
            ),
            sortie_moment=Coalesce(
                Subquery(sortie_du_binome.values("moment")[:1]),
                Subquery(sortie_sans_binome.values("moment")[:1]),
            ),
        )
        .order_by("-created_at", "-pk")
    )


def page_de_filleuls(partenaires, numero, *, par_page: int = 50):
    """A page of ``filleuls_orientes``: the ids are paged first, then only that page's rows
    get their pair and outcome looked up (deep pages stay fast)."""
    from django.core.paginator import Paginator

    ids = (
        Candidature.objects.filter(_orientees(partenaires))
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    page = Paginator(ids, par_page).get_page(numero)
    rangs = {pk: i for i, pk in enumerate(page.object_list)}
    lignes = filleuls_orientes(partenaires).filter(pk__in=list(rangs))
    page.object_list = libeller_situations(sorted(lignes, key=lambda c: rangs[c.pk]))
    return page


def libeller_situations(candidatures):
    """Labels of the annotated statuses (no query): ``binome_libelle``, ``sortie_libelle``."""
    binomes, types, moments = (
        dict(Parrainage.Statut.choices),
        dict(Sortie.Type.choices),
        dict(Sortie.Moment.choices),
    )
    for c in candidatures:
        c.binome_libelle = binomes.get(c.binome_statut, "")
        c.sortie_libelle = (
            f"{types[c.sortie_type]} ({moments[c.sortie_moment].lower()})" if c.sortie_type else ""
        )
    return candidatures


def nom_filleul(filleul_id, prenom, nom) -> tuple[str, str]:
    if prenom or nom:
        return prenom or "", nom or ""
    return "Filleul anonymisé", f"n° {filleul_id}"


# --- A convention's figures ---------------------------------------------------------------------


@dataclass
class Serie:
    libelle: str
    points: list[tuple[dt.date, int]]  # (month, count in that month)

    @property
    def cumul(self) -> list[tuple[dt.date, int]]:
        total, resultat = 0, []
        for mois, n in self.points:
            total += n
            resultat.append((mois, total))
        return resultat

    @property
    def total(self) -> int:
        return sum(n for _, n in self.points)


def demander_series(releve, convention, debut: dt.date, fin: dt.date):
    """Add the monthly referrals and pairs formed over [debut, fin] to ``releve``; what it
    returns turns the figures read into the two ``Serie``."""
    series = [
        (
            DEFINITIONS[ind].libelle,
            indicateurs.demander_par_mois(releve, ind, convention=convention, debut=debut, fin=fin),
        )
        for ind in (IND.FILLEULS_ORIENTES, IND.BINOMES_FORMES)
    ]
    return lambda valeurs: [Serie(libelle, serie(valeurs)) for libelle, serie in series]


def series_dans_le_temps(convention, debut: dt.date, fin: dt.date) -> list[Serie]:
    """Monthly referrals and pairs formed over [debut, fin] (one query)."""
    releve = indicateurs.Releve()
    lire = demander_series(releve, convention, debut, fin)
    return lire(releve.lire())


@dataclass
class LigneIndicateur:
    indicateur: str
    libelle: str
    valeur: int  # over the period
    cumul: int  # since the convention's start, up to the period's end
    avancements: list


def tableau_indicateurs(convention, objectifs, debut: dt.date, fin: dt.date):
    """Every indicator over the period and since the start, and each objective (one query)."""
    releve = indicateurs.Releve()
    lire = demander_tableau(releve, convention, objectifs, debut, fin)
    return lire(releve.lire())


def demander_tableau(releve, convention, objectifs, debut: dt.date, fin: dt.date):
    """Add every indicator over the period and since the start, and each objective, to
    ``releve``; what it returns turns the figures read into ``LigneIndicateur`` rows."""
    depart = min(convention.date_debut, debut)
    objectifs = list(objectifs)
    plan = []
    for objectif in objectifs:
        f_debut, f_fin = indicateurs.fenetre_objectif(objectif, fin)
        plan.append((objectif, f_debut, f_fin, min(fin, f_fin)))
    demandes = [Demande(ind, debut, fin) for ind in IND.values]
    demandes += [Demande(ind, depart, fin) for ind in IND.values]
    demandes += [indicateurs.demande_objectif(o, d, j) for o, d, _f, j in plan]
    noms = indicateurs.demander_comptes(releve, convention, demandes)
    return lambda lues: _lignes_tableau(
        {demande: lues[nom] for demande, nom in noms.items()}, plan, debut, fin, depart
    )


def _lignes_tableau(valeurs, plan, debut, fin, depart) -> list["LigneIndicateur"]:
    par_indicateur = {ind: [] for ind in IND.values}
    for objectif, f_debut, f_fin, jusqu_au in plan:
        par_indicateur[objectif.indicateur].append(
            indicateurs.Avancement(
                objectif=objectif,
                debut=f_debut,
                fin=f_fin,
                jusqu_au=jusqu_au,
                valeur=valeurs[indicateurs.demande_objectif(objectif, f_debut, jusqu_au)],
            )
        )
    return [
        LigneIndicateur(
            indicateur=ind,
            libelle=DEFINITIONS[ind].libelle,
            valeur=valeurs[Demande(ind, debut, fin)],
            cumul=valeurs[Demande(ind, depart, fin)],
            avancements=par_indicateur[ind],
        )
        for ind in IND.values
    ]


# The portal's figures count every pair and meeting of the convention since its start: up to
# a second for a national partner (hundreds of thousands of meetings). They are kept this long
# in the cache, keyed on everything they depend on but the rows counted; reports count afresh.
DUREE_TABLEAU_EN_CACHE = 10 * 60


def _cle_tableau(convention, objectifs, reference: dt.date) -> str:
    dependances = (
        convention.pk,
        convention.date_debut,
        convention.date_fin,
        sorted((p.pk, p.sorties_sur_la_cohorte) for p in convention.programmes.all()),
        reference,
        [
            (o.pk, o.indicateur, o.periode, o.valeur_cible, o.public, o.secteur_id)
            for o in objectifs
        ],
    )
    empreinte = hashlib.sha256(repr(dependances).encode()).hexdigest()[:32]
    return f"partenaires:tableau-convention:{empreinte}"


def _dernier_tableau(convention_pk: int) -> str:
    return f"partenaires:tableau-dernier:{convention_pk}"


# The last figures counted for a convention, whatever they depended on: what a visit shows,
# marked as being counted again, when nothing is kept under its own key (an objective changed,
# the day turned, the copies expired with the workers stopped). Kept a week.
DUREE_DERNIER_TABLEAU = 7 * 24 * 3600


def _garder_tableau(convention, cle: str, valeur: dict) -> None:
    cache.set(cle, (valeur,), DUREE_TABLEAU_EN_CACHE)
    cache.set(_dernier_tableau(convention.pk), (valeur,), DUREE_DERNIER_TABLEAU)


def tableau_de_bord_convention(convention, *, aujourd_hui: dt.date | None = None) -> dict:
    """The portal's view of a convention: objectives today and the curves since its start.

    Counted at most every ``DUREE_TABLEAU_EN_CACHE`` seconds, and ahead of the visits by
    ``tableaux_recompter``. A visit that finds nothing kept under its key gets the last
    figures counted for the convention with ``a_jour`` false (the page says they are being
    counted again, and the view asks for it: ``services.tableau_faire_recompter``), so that a
    national partner never waits a second for its page; only a convention never counted (or
    whose last figures are a week old) is counted during the visit, by one process when
    several miss them together (``calculer_une_fois``). ``calcule_le`` says when.
    """
    aujourd_hui = aujourd_hui or timezone.localdate()
    reference = min(max(aujourd_hui, convention.date_debut), convention.date_fin)
    objectifs = list(convention.objectifs.select_related("secteur"))
    if DUREE_TABLEAU_EN_CACHE <= 0:  # kept nowhere: every visit counts
        return {**_compter_tableau(convention, objectifs, reference), "a_jour": True}
    cle = _cle_tableau(convention, objectifs, reference)
    gardee = cache.get(cle)
    if gardee is not None:
        return {**gardee[0], "a_jour": True}
    dernier = cache.get(_dernier_tableau(convention.pk))
    if dernier is not None:
        return {**dernier[0], "a_jour": False}

    def compter():
        valeur = _compter_tableau(convention, objectifs, reference)
        cache.set(_dernier_tableau(convention.pk), (valeur,), DUREE_DERNIER_TABLEAU)
        return valeur

    return {**calculer_une_fois(cle, compter, DUREE_TABLEAU_EN_CACHE), "a_jour": True}


# The conventions whose figures ``tableaux_recompter`` keeps ready: those followed (signed at
# some point) and not ended more than this many days ago (the last report's month).
TABLEAUX_TENUS_APRES_LA_FIN = 31


def conventions_tenues(aujourd_hui: dt.date):
    """The conventions whose figures are counted ahead: followed (signed at some point), not
    ended more than ``TABLEAUX_TENUS_APRES_LA_FIN`` days ago."""
    return Convention.objects.suivies().filter(
        date_fin__gte=aujourd_hui - dt.timedelta(days=TABLEAUX_TENUS_APRES_LA_FIN)
    )


def tableau_recompter(convention, *, aujourd_hui: dt.date | None = None) -> None:
    """Count the portal's figures of one convention and keep them under the key a visit
    reads (and as its last figures)."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    reference = min(max(aujourd_hui, convention.date_debut), convention.date_fin)
    objectifs = list(convention.objectifs.select_related("secteur"))
    valeur = _compter_tableau(convention, objectifs, reference)
    _garder_tableau(convention, _cle_tableau(convention, objectifs, reference), valeur)


def tableau_recompter_par_id(convention_id: int) -> bool:
    """``tableau_recompter`` for the convention ``convention_id`` if its figures are counted
    ahead (``conventions_tenues``); False otherwise (gone, a draft, long ended)."""
    aujourd_hui = timezone.localdate()
    convention = (
        conventions_tenues(aujourd_hui)
        .prefetch_related("programmes")
        .filter(pk=convention_id)
        .first()
    )
    if convention is None:
        return False
    tableau_recompter(convention, aujourd_hui=aujourd_hui)
    return True


def tableaux_recompter(*, aujourd_hui: dt.date | None = None) -> int:
    """Count again the portal's figures of every followed convention (``conventions_tenues``)
    and keep them in the cache under the key a visit reads, before the visits' copies
    expire. Run every five minutes (``mentorat/planification.py``) for figures kept ten
    (``DUREE_TABLEAU_EN_CACHE``): a visit finds them counted and never waits for a count
    (0.5–1.6 s for a national partner's convention on national data). A convention whose
    count fails is logged and left to its visits; the others are counted. Returns the number
    of conventions counted."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    conventions = conventions_tenues(aujourd_hui).prefetch_related("programmes").order_by("pk")
    comptees = 0
    for convention in conventions:
        try:
            tableau_recompter(convention, aujourd_hui=aujourd_hui)
        except Exception:
            logger.exception("Chiffres de la convention %s non recomptés", convention.pk)
            continue
        comptees += 1
    return comptees


def _compter_tableau(convention, objectifs, reference: dt.date) -> dict:
    """The figures of ``tableau_de_bord_convention``: one statement, and one more for the
    cohort when a programme counts its outcomes over its selection cohort."""
    releve = indicateurs.Releve()
    avancements = indicateurs.demander_avancements(releve, convention, objectifs, reference)
    series = demander_series(releve, convention, convention.date_debut, reference)
    participants = demander_participants(releve, convention, convention.date_debut, reference)
    valeurs = releve.lire()
    return {
        "reference": reference,
        "avancements": avancements(valeurs),
        "series": series(valeurs),
        # Programmes that count outcomes over their selection cohort: its figures.
        "cohorte": indicateurs.cohorte_compter(convention, reference),
        "participants": participants(valeurs),
        "calcule_le": timezone.now(),
    }


# --- A report's content -------------------------------------------------------------------------


@dataclass
class LigneSortie:
    type: str
    libelle: str
    positive: bool
    fin: int
    six_mois: int


def repartition_sorties(convention, debut: dt.date, fin: dt.date) -> list[LigneSortie]:
    """One line per situation; then, when there are any, the positive situations declared by
    mentors that the mentees have not confirmed yet (not positive until they do)."""
    comptes = indicateurs.sorties_par_type(convention, debut, fin)
    types = [(t.value, t.label, t in Sortie.TYPES_POSITIFS) for t in Sortie.Type]
    a_confirmer = indicateurs.A_CONFIRMER
    if comptes.get((Sortie.Moment.FIN, a_confirmer)) or comptes.get(
        (Sortie.Moment.SIX_MOIS, a_confirmer)
    ):
        types.append((a_confirmer, A_CONFIRMER_LIBELLE, False))
    return [
        LigneSortie(
            type=code,
            libelle=libelle,
            positive=positive,
            fin=comptes.get((Sortie.Moment.FIN, code), 0),
            six_mois=comptes.get((Sortie.Moment.SIX_MOIS, code), 0),
        )
        for code, libelle, positive in types
    ]


A_CONFIRMER_LIBELLE = "Emploi ou formation déclaré par le parrain, à confirmer par la personne"


def evenements_du_rapport(convention, debut: dt.date, fin: dt.date) -> list[Evenement]:
    """Events counted for the partner in the period, or where one of its people was present.

    Each with its registrations, attendance, and the attendance counted for the partner
    (``presences_attribuees``) — figures only, never other partners' people (two queries).
    """
    p, c = convention.partenaire_id, convention.pk
    organises = indicateurs.lignes(
        IND.EVENEMENTS_ORGANISES, partenaire=p, convention=c, debut=debut, fin=fin
    )
    presences = indicateurs.lignes(
        IND.PARTICIPATION, partenaire=p, convention=c, debut=debut, fin=fin
    )
    attribuees = dict(
        presences.order_by()
        .values("evenement_id")
        .annotate(n=Count("pk"))
        .values_list("evenement_id", "n")
    )
    evenements = list(
        Evenement.objects.filter(Q(pk__in=organises.values("pk")) | Q(pk__in=attribuees.keys()))
        .select_related("programme")
        .annotate(
            inscrits=Count(
                "inscriptions", filter=~Q(inscriptions__statut=Inscription.Statut.ANNULE)
            ),
            presents=Count(
                "inscriptions", filter=Q(inscriptions__statut=Inscription.Statut.PRESENT)
            ),
        )
        .order_by("debut", "pk")
    )
    ids_organises = set(organises.values_list("pk", flat=True))
    for evenement in evenements:
        evenement.presences_attribuees = attribuees.get(evenement.pk, 0)
        evenement.compte = evenement.pk in ids_organises
    return evenements


@dataclass
class LigneParticipants:
    public: str
    libelle: str
    inscrits: int
    presents: int


def demander_participants(releve, convention, debut: dt.date, fin: dt.date):
    """Add the people registered to and present at the events of the convention's programmes
    to ``releve``; what it returns turns the figures read into one line per audience, then
    the total (``indicateurs.demander_participants``)."""
    lire = indicateurs.demander_participants(releve, convention, debut, fin)
    return lambda valeurs: _lignes_participants(lire(valeurs))


def participants_par_public(convention, debut: dt.date, fin: dt.date) -> list[LigneParticipants]:
    """The people registered to and present at the events of the convention's programmes,
    by audience, then the total (``indicateurs.participants_aux_evenements``, one query)."""
    return _lignes_participants(indicateurs.participants_aux_evenements(convention, debut, fin))


def _lignes_participants(comptes) -> list[LigneParticipants]:
    lignes = [
        LigneParticipants(p.value, p.label, comptes[p]["inscrits"], comptes[p]["presents"])
        for p in Evenement.Public
    ]
    lignes.append(
        LigneParticipants(
            "total",
            "Total",
            sum(ligne.inscrits for ligne in lignes),
            sum(ligne.presents for ligne in lignes),
        )
    )
    return lignes


def contenu_rapport(convention, debut: dt.date, fin: dt.date) -> dict:
    """Everything a report shows for a convention and a period."""
    objectifs = list(convention.objectifs.select_related("secteur"))
    depart = min(convention.date_debut, debut)
    # The indicators, the curves and the events' participants in one statement: the
    # partner's pairs computed once for them all.
    releve = indicateurs.Releve()
    tableau = demander_tableau(releve, convention, objectifs, debut, fin)
    series = demander_series(releve, convention, depart, fin)
    participants = demander_participants(releve, convention, debut, fin)
    valeurs = releve.lire()
    lignes = tableau(valeurs)
    sorties = repartition_sorties(convention, debut, fin)
    evenements = evenements_du_rapport(convention, debut, fin)
    return {
        "convention": convention,
        "partenaire": convention.partenaire,
        "programmes": list(convention.programmes.all()),
        "debut": debut,
        "fin": fin,
        "lignes": lignes,
        "avancements": [a for ligne in lignes for a in ligne.avancements],
        "series": series(valeurs),
        "sorties": sorties,
        "sorties_total": sum(s.fin + s.six_mois for s in sorties),
        "cohorte": indicateurs.cohorte_compter(convention, fin),
        "evenements": evenements,
        "participants": participants(valeurs),
        "definition_participants": indicateurs.PARTICIPANTS_AUX_EVENEMENTS,
        "evenements_comptes": sum(1 for e in evenements if e.compte),
        "presences_attribuees": sum(e.presences_attribuees for e in evenements),
        "definitions": [DEFINITIONS[ind] for ind in IND.values],
        "sortie_positive": indicateurs.SORTIE_POSITIVE,
        "produit_le": timezone.now(),
        "parties": parties_de_convention(convention),
        "actions": actions_de_convention(convention),
        # Exact counts: the documents a partner downloads suppress those under 5.
        "ventilation": indicateurs.ventiler(convention, debut, fin),
        "ventilables": [(ind, DEFINITIONS[ind].libelle) for ind in publics.VENTILABLES],
        "definitions_publics": [(p.label, publics.DEFINITIONS[p]) for p in publics.Public],
    }


def parties_de_convention(convention) -> list:
    return list(
        convention.parties.select_related("partenaire", "signataire").order_by("ordre", "pk")
    )


def actions_de_convention(convention) -> list:
    return list(
        convention.actions.select_related("responsable__partenaire").order_by(
            "echeance", "ordre", "pk"
        )
    )


# --- A report's rows (CSV, XLSX) ---------------------------------------------------------------

COLONNES_FILLEULS = [
    "Prénom",
    "Nom",
    "Programme",
    "Orienté(e) le",
    "Orienté(e) pendant la période",
    "Candidature",
    "Invité(e) à la semaine de sélection",
    "Binôme",
    "Début du binôme",
    "Fin du binôme",
    "Rencontres tenues pendant la période",
    "Sortie à la fin du parrainage",
    "Sortie à six mois",
]


def lignes_filleuls(convention, debut: dt.date, fin: dt.date):
    """One row per application the partner referred to the convention's programmes, filed by
    the period's end: the partner's own people, nothing about anyone else (four queries).

    The pair shown is the latest proposed by the period's end, with its status today;
    meetings are those held in the period; outcomes those dated by the period's end: the
    pair's, or for a person without a pair (retained but never paired, or gone after the
    selection week) the one recorded on the application.
    """
    p, c = convention.partenaire_id, convention.pk
    t1, t2 = indicateurs.bornes(debut, fin)
    candidatures = (
        Candidature.objects.filter(prescripteur=p, programme__conventions=c, created_at__lt=t2)
        .annotate(selection=Exists(invitations_tenues("pk")))
        .order_by("created_at", "pk")
        .values_list(
            "pk",
            "selection",
            "filleul_id",
            "programme_id",
            "programme__nom",
            "created_at",
            "statut",
            "filleul__user__first_name",
            "filleul__user__last_name",
        )
    )
    oriente = indicateurs.oriente_par(p, filleul="filleul", programme="programme")
    binomes = {}
    for pk, filleul_id, programme_id, statut, date_debut, date_fin in (
        Parrainage.objects.filter(oriente, programme__conventions=c, propose_le__lt=t2)
        # The last one read wins: among options proposed together, the one chosen.
        .annotate(rang_a_montrer=Parrainage.rang_a_montrer())
        .order_by("propose_le", "-rang_a_montrer", "pk")
        .values_list("pk", "filleul_id", "programme_id", "statut", "date_debut", "date_fin")
    ):
        binomes[(filleul_id, programme_id)] = (pk, statut, date_debut, date_fin)
    oriente_binome = indicateurs.oriente_par(
        p, filleul="parrainage__filleul", programme="parrainage__programme"
    )
    rencontres = dict(
        Rencontre.objects.filter(
            oriente_binome,
            statut=Rencontre.Statut.TENUE,
            parrainage__programme__conventions=c,
            debut__gte=t1,
            debut__lt=t2,
        )
        .order_by()
        .values("parrainage_id")
        # COUNT(*): counted from the index of held meetings alone (``Count("pk")`` read
        # every meeting's row for its key).
        .annotate(n=Count("*"))
        .values_list("parrainage_id", "n")
    )
    sorties = {
        (parrainage_id or f"c{candidature_id}", moment): type_
        for parrainage_id, candidature_id, moment, type_ in Sortie.objects.filter(
            Q(oriente_binome, parrainage__programme__conventions=c)
            | Q(
                pk__in=Sortie.objects.filter(
                    candidature__prescripteur=p, candidature__programme__conventions=c
                ).values("pk")
            ),
            date__lte=fin,
        ).values_list("parrainage_id", "candidature_id", "moment", "type")
    }
    statuts_c, statuts_b, types = (
        dict(Candidature.Statut.choices),
        dict(Parrainage.Statut.choices),
        dict(Sortie.Type.choices),
    )
    # Read once, not once per row: 50,000 rows spent 0.4 s in ``timezone.localtime`` (the
    # current time zone looked up each time) and 0.1 s iterating the moments' enumeration.
    fuseau = timezone.get_current_timezone()
    a_la_fin, a_six_mois = Sortie.Moment.FIN.value, Sortie.Moment.SIX_MOIS.value
    invitee = Candidature.Statut.INVITEE_SELECTION.value
    # Read at once, not through a server-side cursor (``iterator``): its plan cannot use
    # parallel workers (0.7 s for 50,000 rows on national data, 0.5 s so); the callers keep
    # every row anyway.
    lignes = list(candidatures)
    for pk, selection, filleul_id, programme_id, programme, cree, statut, prenom, nom in lignes:
        binome = binomes.get((filleul_id, programme_id))
        b_pk, b_statut, b_debut, b_fin = binome or (None, "", None, None)
        prenom, nom = nom_filleul(filleul_id, prenom, nom)
        # The pair's outcome, else the application's (a person counts once).
        de_la_candidature = f"c{pk}"
        fin_du_parrainage = sorties.get((b_pk, a_la_fin)) or sorties.get(
            (de_la_candidature, a_la_fin)
        )
        six_mois = sorties.get((b_pk, a_six_mois)) or sorties.get((de_la_candidature, a_six_mois))
        yield (
            prenom,
            nom,
            programme,
            cree.astimezone(fuseau).date(),
            "oui" if cree >= t1 else "non",
            statuts_c.get(statut, statut),
            "oui" if selection or statut == invitee else "non",
            statuts_b.get(b_statut, ""),
            b_debut,
            b_fin,
            rencontres.get(b_pk, 0),
            types.get(fin_du_parrainage, ""),
            types.get(six_mois, ""),
        )


def rapports_nommant(filleul) -> list[int]:
    """The reports whose rows (``lignes_filleuls``) list ``filleul``: for each application a
    partner referred, the reports of that partner's conventions on its programme whose period
    ends on or after the day it was filed."""
    rapports = Q(pk__in=[])
    for partenaire_id, programme_id, cree in Candidature.objects.filter(
        filleul=filleul, prescripteur__isnull=False
    ).values_list("prescripteur_id", "programme_id", "created_at"):
        rapports |= Q(
            convention__partenaire_id=partenaire_id,
            convention__programmes=programme_id,
            periode_fin__gte=timezone.localdate(cree),
        )
    return sorted(set(Rapport.objects.filter(rapports).values_list("pk", flat=True)))


# --- Staff: every partner side by side ----------------------------------------------------------

PERIODES_COURTES = {
    Objectif.Periode.CONVENTION: "sur la convention",
    Objectif.Periode.ANNEE: "par an",
    Objectif.Periode.TRIMESTRE: "par trimestre",
    Objectif.Periode.MOIS: "par mois",
}


def comparatif_conventions(debut: dt.date, fin: dt.date, conventions=None):
    """Every followed convention with each indicator over the period, and its objectives
    (three queries). ``conventions``: those the staff member sees (all when not given)."""
    conventions = Convention.objects.all() if conventions is None else conventions
    conventions = indicateurs.compter_conventions(
        conventions.suivies()
        .select_related("partenaire")
        .prefetch_related("objectifs")
        .order_by("partenaire__nom", "reference"),
        debut,
        fin,
    )
    for convention in conventions:
        cibles = {}
        for objectif in convention.objectifs.all():
            cibles.setdefault(objectif.indicateur, []).append(objectif)
        convention.cellules = [
            {
                "valeur": getattr(convention, ind),
                "objectifs": [
                    f"objectif {o.valeur_cible} {PERIODES_COURTES[o.periode]}"
                    for o in cibles.get(ind, [])
                ],
            }
            for ind in IND.values
        ]
    return conventions


# --- Selection sessions (the selection step, parrainages.models.selection) ----------------------


def programmes_des_partenaires(partenaires) -> set[int]:
    """The programmes the partners work with: by a convention, or by referring people to
    them (two queries)."""
    ids = [p.pk for p in partenaires]
    return {
        pk
        for pk in Convention.objects.des_partenaires(ids).values_list("programmes", flat=True)
        if pk is not None
    } | set(Candidature.objects.filter(prescripteur__in=ids).values_list("programme_id", flat=True))


def sessions_des_partenaires(partenaires):
    """The selection sessions a member sees: those their partner facilitates, and those of
    the programmes their partner refers people to (by a convention or a referral)."""
    from parrainages.models import SessionSelection

    ids = [p.pk for p in partenaires]
    # The programmes of ``programmes_des_partenaires``, as subqueries of this one query.
    par_convention = Convention.objects.des_partenaires(ids).values("programmes")
    par_orientation = Candidature.objects.filter(prescripteur__in=ids).values("programme_id")
    return (
        SessionSelection.objects.filter(
            Q(animateur__in=ids)
            | Q(programme__in=par_convention)
            | Q(programme__in=par_orientation)
        )
        .select_related("programme", "animateur", "commune")
        .annotate(nb_invites=Count("participations"))
        .order_by("-date_debut", "-pk")
    )


def session_du_membre(partenaires, pk):
    """A session the member sees, or 404; ``animee``: whether their partner facilitates it."""
    session = sessions_des_partenaires(partenaires).filter(pk=pk).first()
    if session is None:
        raise Http404
    session.animee = session.animateur_id in {p.pk for p in partenaires}
    return session


def session_animee(partenaires, pk):
    """A session the member's partner facilitates, or 404 (attendance, grids)."""
    session = session_du_membre(partenaires, pk)
    if not session.animee:
        raise Http404
    return session
