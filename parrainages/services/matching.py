"""Matching runs: read a programme's mentees and mentors, run the engine, write the proposals.

Reads take a constant number of queries whatever the programme's size (six); writes too
on PostgreSQL, where the proposals and their audit entries go in by COPY (two statements
each), and one query per batch of proposals (and per batch of their audit entries) on
SQLite. The engine itself (``parrainages.matching``) never touches the database.

A run covers its launcher's territory: a national programme's regional team matches only the
mentees and mentors placed in its region (by their commune's département), a Mission locale
only those of its communes; the national team and the Administrateur match the whole
programme. A run only adds proposals: it never withdraws another run's, so a region's run
leaves the other regions' proposals as they are.
"""

import copy
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import DEFERRED, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from mentorat.audit import journal_creations, journal_modifications
from mentorat.insertion import inserer_en_masse
from mentorat.taches import tache_apres_validation
from mentorat.territoires import departement_of
from mentorat.travaux import battement, prendre
from programmes.models import AvisFilleul, Disponibilite, Programme, Secteur

from ..matching import (
    FilleulFeatures,
    Labels,
    Limits,
    MatchingResult,
    ParrainFeatures,
    ProgrammeRules,
    Weights,
    match,
)
from ..models import (
    AGE_MAJORITE,
    Candidature,
    Filleul,
    MatchingRun,
    Parrain,
    Parrainage,
    age_on,
)
from ..models.appariement import RUN_STALE_AFTER
from .avis_filleul import propositions_filleuls_notifier
from .capacite import parrains_verrouiller
from .mineurs import honorabilite_manquante

logger = logging.getLogger(__name__)

TAILLE_LOT = 1000
# A mentee with one of these pairs in the programme is not matched again: they have a pair
# under way, or had one. Declined, expired or discarded proposals do not count (they only
# exclude that very mentor).
STATUTS_DEJA_APPARIE = (*Parrainage.STATUTS_OUVERTS, *Parrainage.STATUTS_FORMES)
STATUTS_EXCLUANT_LE_PARRAIN = (
    Parrainage.Statut.DECLINE,
    # The mentee refused this mentor, or chose another of their options.
    Parrainage.Statut.REFUSE_FILLEUL,
    Parrainage.Statut.NON_CHOISI,
    Parrainage.Statut.EXPIRE,
    Parrainage.Statut.ANNULE,
)
PLACES_PRISES_ENTRE_TEMPS = "parrain complet ou indisponible depuis le début du calcul"
APPARIE_ENTRE_TEMPS = "binôme formé pendant le calcul"


class AppariementRefuse(Exception):
    """A run cannot be launched (another one is under way)."""


# Reading -----------------------------------------------------------------------------------


def dans_le_territoire(lieu: str, territoire) -> Q:
    """Rows whose ``lieu`` (a path to a ``Commune``) lies in ``territoire`` — (départements,
    communes' INSEE codes), ``None`` for everywhere. A person without a commune lies in no
    territory: only a national run reads them."""
    if territoire is None:
        return Q()
    departements, communes = territoire
    condition = Q(pk__in=[])
    if departements:
        condition |= Q(**{f"{lieu}__departement__in": sorted(departements)})
    if communes:
        condition |= Q(**{f"{lieu}__code_insee__in": sorted(communes)})
    return condition


def candidatures_a_apparier(programme, territoire=None):
    """Retained applications of the programme whose mentee has no pair there yet (and lives
    in ``territoire``, when the run is a regional team's or a Mission locale's)."""
    deja = Parrainage.objects.filter(
        programme=programme,
        filleul_id=OuterRef("filleul_id"),
        statut__in=STATUTS_DEJA_APPARIE,
    )
    return (
        Candidature.objects.filter(
            programme=programme,
            statut=Candidature.Statut.RETENUE,
            filleul__anonymise_le__isnull=True,
        )
        .filter(dans_le_territoire("filleul__commune", territoire))
        .filter(~Exists(deja))
    )


def parrains_disponibles(programme, territoire=None):
    """Active mentors of the programme with places left (open pairs of every programme count),
    placed in ``territoire`` when the run is limited to one."""
    return (
        Parrain.objects.actifs()
        .filter(programmes=programme)
        .filter(dans_le_territoire("commune", territoire))
        .avec_places()
        .filter(places_restantes__gt=0)
    )


def regles_du_programme(programme) -> ProgrammeRules:
    return ProgrammeRules(
        formes=frozenset(programme.formes),
        distance_max_km=programme.distance_max_km,
        departements=frozenset(programme.departements or ()),
        controle_honorabilite=programme.controle_honorabilite_requis,
    )


def poids_du_programme(programme) -> Weights:
    return Weights(
        secteur=programme.poids_secteur,
        distance=programme.poids_distance,
        disponibilites=programme.poids_disponibilites,
        niveau=programme.poids_niveau,
        attente=programme.poids_attente,
    )


def _secteurs_par_personne(through, cle, personnes) -> dict[int, frozenset[str]]:
    secteurs = defaultdict(set)
    rows = through.objects.filter(**{f"{cle}__in": personnes}).values_list(cle, "secteur__code")
    for personne_id, code in rows:
        secteurs[personne_id].add(code)
    return {pk: frozenset(codes) for pk, codes in secteurs.items()}


def donnees_charger(programme, *, maintenant=None, territoire=None):
    """The engine's input for ``programme`` (in ``territoire``, ``None`` for all of it):
    (mentees, mentors, candidature of each mentee)."""
    aujourdhui = timezone.localdate(maintenant or timezone.now())
    candidatures = candidatures_a_apparier(programme, territoire)
    filleul_ids = candidatures.values("filleul_id")
    rows = candidatures.annotate(retenue_le=Coalesce("decidee_le", "created_at")).values_list(
        "pk",
        "filleul_id",
        "retenue_le",
        "filleul__commune__latitude",
        "filleul__commune__longitude",
        "filleul__commune__departement",
        "filleul__niveau_diplome",
        "filleul__disponibilites",
        "filleul__date_naissance",
    )
    rows = list(rows)
    secteurs = _secteurs_par_personne(Filleul.secteurs_souhaites.through, "filleul_id", filleul_ids)
    exclus = defaultdict(set)
    refus = (
        Parrainage.objects.filter(
            programme=programme, statut__in=STATUTS_EXCLUANT_LE_PARRAIN, filleul_id__in=filleul_ids
        )
        # A proposal that expired before its mentor was asked is the mentee's silence, maybe
        # never reached: not a refusal of that mentor.
        .exclude(statut=Parrainage.Statut.EXPIRE, envoye_le__isnull=True)
        .values_list("filleul_id", "parrain_id")
    )
    for filleul_id, parrain_id in refus:
        exclus[filleul_id].add(parrain_id)

    filleuls, candidature_de = [], {}
    for cand_id, fid, retenue_le, lat, lon, dep, niveau, dispo, naissance in rows:
        candidature_de[fid] = cand_id
        attente = (aujourdhui - timezone.localdate(retenue_le)).days
        filleuls.append(
            FilleulFeatures(
                id=fid,
                latitude=lat,
                longitude=lon,
                departement=dep or "",
                secteurs=secteurs.get(fid, frozenset()),
                disponibilites=frozenset(dispo or ()),
                niveau_diplome=niveau or 0,
                attente_jours=max(0, attente),
                parrains_exclus=frozenset(exclus.get(fid, ())),
                # A minor on the day of the run (Code civil, art. 388).
                mineur=age_on(naissance, aujourdhui) < AGE_MAJORITE,
            )
        )

    parrains_qs = parrains_disponibles(programme, territoire)
    secteurs_parrains = _secteurs_par_personne(
        Parrain.secteurs.through, "parrain_id", parrains_qs.values("pk")
    )
    parrains = [
        ParrainFeatures(
            id=pid,
            latitude=lat,
            longitude=lon,
            departement=dep or "",
            secteurs=secteurs_parrains.get(pid, frozenset()),
            disponibilites=frozenset(dispo or ()),
            annees_experience=annees,
            places=places,
            distanciel_accepte=distanciel,
            honorabilite_verifiee=verifiee_le is not None,
            formes=frozenset(
                forme
                for forme, offerte in (
                    ("regulier", reguliere),
                    ("ponctuel", ponctuelle),
                    ("immersion", immersion),
                )
                if offerte
            ),
        )
        for (
            pid,
            lat,
            lon,
            dep,
            dispo,
            annees,
            places,
            distanciel,
            reguliere,
            ponctuelle,
            immersion,
            verifiee_le,
        ) in parrains_qs.values_list(
            "pk",
            "commune__latitude",
            "commune__longitude",
            "commune__departement",
            "disponibilites",
            "annees_experience",
            "places_restantes",
            "distanciel_accepte",
            "offre_reguliere",
            "offre_ponctuelle",
            "offre_immersion",
            "honorabilite_verifiee_le",
        )
    ]
    return filleuls, parrains, candidature_de


def libelles() -> Labels:
    return Labels(
        secteurs=dict(Secteur.objects.values_list("code", "libelle")),
        disponibilites=dict(Disponibilite.choices),
    )


# Launching and running ---------------------------------------------------------------------


def appariement_lancer(
    *,
    programme,
    par=None,
    simulation: bool = False,
    en_tache: bool = True,
    territoire=None,
    structure_id=None,
) -> MatchingRun:
    """Queue a run for ``programme``: the Celery task starts after the commit (``en_tache``),
    or the caller runs ``appariement_executer`` itself (the ``match`` command).

    ``territoire`` — (départements, communes' INSEE codes), ``None`` for the whole programme —
    is the launcher's (``perimetre_de(request).territoire(programme.pk)``): a regional team's
    run reads and writes only the mentees and mentors placed in its region, and leaves the
    other regions' proposals as they are; ``structure_id`` is the team it ran for.

    Refused while another run of the programme is queued or computing, and for a territory
    with no place in it.
    """
    if territoire is not None and not (territoire[0] or territoire[1]):
        raise AppariementRefuse(
            f"Votre structure n'a aucun territoire sur « {programme} » : rien à apparier."
        )
    with transaction.atomic():
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        vivants = MatchingRun.objects.vivants().filter(programme=programme)
        if any(
            territoires_se_recouvrent(territoire, (set(d), set(c)) if d or c else None)
            for d, c in vivants.values_list("departements", "communes")
        ):
            raise AppariementRefuse(
                f"Un appariement de « {programme} » est déjà en cours : attendez qu'il se termine."
            )
        run = MatchingRun.objects.create(
            programme=programme,
            lance_par=par,
            simulation=simulation,
            etape="En file d'attente",
            parametres=_parametres(programme),
            structure_id=structure_id,
            departements=sorted(territoire[0]) if territoire else [],
            communes=sorted(territoire[1]) if territoire else [],
        )
        if en_tache:
            # Robust: with the broker down the run stays queued and, once stale, may be
            # launched again; the page answers instead of failing after the commit.
            tache_apres_validation("parrainages.executer_appariement", run.pk)
    return run


def territoires_se_recouvrent(un, autre) -> bool:
    """Whether two runs' territories share a place (``None``: the whole programme). Two
    regions' runs may compute side by side; a national run waits for every other one."""
    if un is None or autre is None:
        return True
    deps_un, communes_un = un
    deps_autre, communes_autre = autre
    return bool(
        set(deps_un) & set(deps_autre)
        or set(communes_un) & set(communes_autre)
        or {departement_of(c) for c in communes_un} & set(deps_autre)
        or {departement_of(c) for c in communes_autre} & set(deps_un)
    )


def _parametres(programme) -> dict:
    poids = poids_du_programme(programme)
    regles = regles_du_programme(programme)
    limites = Limits()
    return {
        "poids": {
            "secteur": poids.secteur,
            "distance": poids.distance,
            "disponibilites": poids.disponibilites,
            "niveau": poids.niveau,
            "attente": poids.attente,
        },
        "formes": sorted(regles.formes),
        "distance_max_km": regles.distance_max_km,
        "departements": sorted(regles.departements),
        "controle_honorabilite_mineurs": regles.controle_honorabilite,
        "budget_paires": limites.edge_budget,
        "options_par_filleul": options_par_filleul(programme),
    }


class RunRepris(Exception):
    """The run is no longer this worker's: it must write nothing."""


INTERROMPU = (
    "Le calcul s'est interrompu (processus arrêté ou redémarré) : rien n'a été écrit. "
    "Relancez l'appariement."
)


def appariements_balayer(*, enqueue, maintenant=None) -> dict[str, int]:
    """Runs whose heartbeat stopped are failed, with the reason, so that staff see it and may
    launch again; runs still queued past the same delay are enqueued again (their message
    was lost with the broker). Scheduled every minute."""
    maintenant = maintenant or timezone.now()
    limite = maintenant - RUN_STALE_AFTER
    echoues = MatchingRun.objects.filter(
        statut=MatchingRun.Statut.EN_COURS, mis_a_jour_le__lt=limite
    ).update(
        statut=MatchingRun.Statut.ECHOUE,
        erreur=INTERROMPU,
        fin=maintenant,
        mis_a_jour_le=maintenant,
    )
    relances = 0
    for run_id in MatchingRun.objects.filter(
        statut=MatchingRun.Statut.EN_ATTENTE, mis_a_jour_le__lt=limite
    ).values_list("pk", flat=True):
        enqueue(run_id)
        MatchingRun.objects.filter(pk=run_id, statut=MatchingRun.Statut.EN_ATTENTE).update(
            mis_a_jour_le=maintenant
        )
        relances += 1
    return {"echoues": echoues, "relances": relances}


def _prendre(run_id: int):
    """Claim a run for this worker: a queued one, or one a dead worker left behind. Returns
    the run while this claim holds it (its start time is the token), or None."""
    maintenant = timezone.now()
    abandonne = Q(
        statut=MatchingRun.Statut.EN_COURS, mis_a_jour_le__lt=maintenant - RUN_STALE_AFTER
    )
    return prendre(
        MatchingRun.objects.filter(pk=run_id),
        libres=Q(statut=MatchingRun.Statut.EN_ATTENTE) | abandonne,
        jeton={"statut": MatchingRun.Statut.EN_COURS, "debut": maintenant},
        mis_a_jour_le=maintenant,
        progression=0,
        etape="Lecture des filleuls et des parrains",
    )


ETAPES = {
    40: "Affectation optimale",
    80: "Explication des paires",
    100: "Enregistrement du résultat",
}


def appariement_executer(*, run_id: int, suivi=None) -> MatchingRun | None:
    """Compute a queued run and write its proposals (a simulation writes none).

    ``suivi(progression, etape)`` is told each step besides the run's row. Returns None when
    the run was not this worker's to take (already done, or under way elsewhere).
    """
    a_moi = _prendre(run_id)
    if a_moi is None:
        return None
    run = MatchingRun.objects.select_related("programme").get(pk=run_id)

    def avancer(progression, etape):
        a_moi.update(progression=progression, etape=etape, mis_a_jour_le=timezone.now())
        if suivi:
            suivi(progression, etape)

    try:
        with battement(lambda: a_moi.update(mis_a_jour_le=timezone.now())):
            resultat, candidature_de, mesures = _calculer(run, avancer)
            _enregistrer(run, a_moi, resultat, candidature_de, mesures)
    except RunRepris:
        logger.warning("Appariement %s repris ou arrêté entre-temps : rien n'est écrit", run_id)
        return None
    except Exception as exc:
        logger.exception("Appariement %s en échec", run_id)
        a_moi.update(
            statut=MatchingRun.Statut.ECHOUE,
            erreur=f"{type(exc).__name__} : {exc}",
            fin=timezone.now(),
            mis_a_jour_le=timezone.now(),
        )
        raise
    run.refresh_from_db()
    return run


# Where the mentee chooses their mentor: up to this many options each.
OPTIONS_AU_CHOIX = 3


def options_par_filleul(programme) -> int:
    return OPTIONS_AU_CHOIX if programme.avis_filleul == AvisFilleul.CHOISIR else 1


def _calculer(run, avancer):
    debut = time.perf_counter()
    programme = run.programme
    filleuls, parrains, candidature_de = donnees_charger(programme, territoire=run.territoire)
    mesures = {"lecture_s": round(time.perf_counter() - debut, 3)}
    avancer(10, "Recherche des paires candidates")
    resultat = match(
        filleuls,
        parrains,
        regles_du_programme(programme),
        poids_du_programme(programme),
        libelles(),
        progress=lambda pct: avancer(10 + pct * 8 // 10, ETAPES.get(pct, "")),
        options=options_par_filleul(programme),
    )
    mesures.update({k: round(v, 3) for k, v in resultat.stats.items() if k.endswith("_s")})
    mesures["paires_candidates"] = resultat.stats.get("paires_candidates", 0)
    # Pairs the duals priced in beyond the candidates (``Problem.assign_exact``).
    # Places left free after the capped candidates' assignment, then taken
    # (``Problem.fill_free_places``).
    for cle in (
        "exacte",
        "tours_de_tarification",
        "paires_ajoutees",
        "paires_examinees",
        "places_comblees",
    ):
        if cle in resultat.stats:
            mesures[cle] = resultat.stats[cle]
    return resultat, candidature_de, mesures


def _enregistrer(run, a_moi, resultat: MatchingResult, candidature_de, mesures):
    debut = time.perf_counter()
    non_apparies = [[u.filleul_id, u.reason] for u in resultat.unmatched]
    propositions = resultat.proposals
    with transaction.atomic():
        # One writer per programme at a time; pairs formed by hand meanwhile are respected.
        Programme.objects.select_for_update().filter(pk=run.programme_id).first()
        if not a_moi.select_for_update().exists():
            # Failed by the sweeper, or taken over, while this worker was away.
            raise RunRepris
        if not run.simulation:
            propositions, ecartees = _encore_possibles(run.programme_id, propositions)
            non_apparies += ecartees
            now = timezone.now()
            objets = [
                Parrainage(
                    programme_id=run.programme_id,
                    parrain_id=p.parrain_id,
                    filleul_id=p.filleul_id,
                    candidature_id=candidature_de.get(p.filleul_id),
                    forme=p.forme,
                    statut=Parrainage.Statut.PROPOSITION,
                    score=p.score,
                    raisons=[str(reason) for reason in p.reasons],
                    raisons_breves={r.composante: r.bref for r in p.reasons if r.composante},
                    distance_km=p.distance_km,
                    option=p.rang > 0,
                    propose_le=now,
                    created_at=now,
                    matching_run_id=run.pk,
                )
                for p in propositions
            ]
            # COPY on PostgreSQL, batches of TAILLE_LOT elsewhere (``mentorat.insertion``).
            inserer_en_masse(objets, taille_lot=TAILLE_LOT)
            if objets:
                _libelles_charger(objets, run.programme)
                journal_creations(objets)
        # A mentee's options are one proposal to staff: counted once, averaged on her first.
        premieres = [p for p in propositions if p.rang <= 1]
        total = sum(p.score for p in premieres)
        mesures["ecriture_s"] = round(time.perf_counter() - debut, 3)
        fin = timezone.now()
        a_moi.update(
            statut=MatchingRun.Statut.TERMINE,
            progression=100,
            etape="Terminé",
            filleuls=resultat.stats.get("filleuls", 0),
            parrains=resultat.stats.get("parrains", 0),
            places=resultat.stats.get("places", 0),
            propositions=len(premieres),
            score_total=total,
            score_moyen=round(total / len(premieres), 1) if premieres else None,
            non_apparies=sorted(non_apparies),
            mesures=mesures,
            fin=fin,
            mis_a_jour_le=fin,
        )


def _lus_en_partie(modele, lignes, alias) -> dict:
    """``{pk: instance}`` of ``modele`` built as a query builds its rows (``from_db``) from
    ``lignes`` (``{attname: value}``, one more ``"compte"`` dict for the account), every other
    field deferred: what a label reads, without the whole rows. A field read later that is not
    here costs a query, never a wrong value."""
    from mentorat.models import User

    colonnes = [f.attname for f in modele._meta.concrete_fields]
    colonnes_compte = [f.attname for f in User._meta.concrete_fields]
    instances = {}
    for ligne in lignes:
        instance = modele.from_db(alias, colonnes, [ligne.get(c, DEFERRED) for c in colonnes])
        valeurs = ligne.get("compte")
        if valeurs is not None:
            instance.user = User.from_db(
                alias, colonnes_compte, [valeurs.get(c, DEFERRED) for c in colonnes_compte]
            )
        instances[instance.pk] = instance
    return instances


def _libelles_charger(parrainages, programme):
    """Give new pairs what their label reads (for their audit entries): the mentors' and the
    mentees' names and companies, one query each, built into partial rows (a national run
    labels 133,000 proposals: whole rows of the people and their accounts took 11 s)."""
    alias = router.db_for_read(Parrain)
    nom = ("user__first_name", "user__last_name", "user__email")

    def lignes(modele, ids, *champs):
        for pk, user_id, *reste in modele.objects.filter(pk__in=ids).values_list(
            "pk", "user_id", *champs, *nom
        ):
            propres = dict(zip(champs, reste[: len(champs)], strict=True))
            prenom, nom_, email = reste[len(champs) :]
            compte = (
                {"id": user_id, "first_name": prenom, "last_name": nom_, "email": email}
                if user_id is not None
                else None
            )
            yield {"id": pk, "user_id": user_id, **propres, "compte": compte}

    parrains = _lus_en_partie(
        Parrain, lignes(Parrain, {p.parrain_id for p in parrainages}, "entreprise"), alias
    )
    filleuls = _lus_en_partie(Filleul, lignes(Filleul, {p.filleul_id for p in parrainages}), alias)
    for parrainage in parrainages:
        parrainage.programme = programme
        parrainage.parrain = parrains[parrainage.parrain_id]
        parrainage.filleul = filleuls[parrainage.filleul_id]


def _encore_possibles(programme_id, propositions):
    """Drop proposals that pairs formed during the computation made impossible.

    Three queries: the chosen mentors locked, mentees paired meanwhile, and the places the
    chosen mentors have left now (in every programme). A mentee's further options (rank 2
    and more) reserve nothing: kept while their own first option is and their mentor has a
    place left now.
    """
    if not propositions:
        return propositions, []
    # The chosen mentors are locked before their places are counted: a run on another
    # programme sharing them, or an accept, waits here and then counts what this one wrote.
    parrains_verrouiller({p.parrain_id for p in propositions})
    deja = set(
        Parrainage.objects.filter(
            programme_id=programme_id,
            filleul_id__in={p.filleul_id for p in propositions},
            statut__in=STATUTS_DEJA_APPARIE,
        ).values_list("filleul_id", flat=True)
    )
    places = dict(
        Parrain.objects.actifs()
        .filter(pk__in={p.parrain_id for p in propositions})
        .avec_places()
        .values_list("pk", "places_restantes")
    )
    libres_au_depart = dict(places)
    gardees, ecartees, premiers = [], [], set()
    for p in sorted(propositions, key=lambda p: p.rang > 1):
        if p.rang > 1:
            if p.filleul_id in premiers and libres_au_depart.get(p.parrain_id, 0) > 0:
                gardees.append(p)
        elif p.filleul_id in deja:
            ecartees.append([p.filleul_id, APPARIE_ENTRE_TEMPS])
        elif places.get(p.parrain_id, 0) <= 0:
            ecartees.append([p.filleul_id, PLACES_PRISES_ENTRE_TEMPS])
        else:
            places[p.parrain_id] -= 1
            premiers.add(p.filleul_id)
            gardees.append(p)
    return gardees, ecartees


# Confirming --------------------------------------------------------------------------------


@dataclass
class Confirmation:
    """What ``propositions_confirmer`` did: the proposals sent, and those left as they were
    with the reason (no longer a proposal: discarded, or confirmed meanwhile)."""

    confirmees: list[Parrainage] = field(default_factory=list)
    refusees: list[tuple[Parrainage, str]] = field(default_factory=list)


@transaction.atomic
def propositions_confirmer(*, ids, par=None) -> Confirmation:
    """Send proposals to their mentors (the admin's list action, and one by one its decision)
    — or first to their mentees, in a programme that gives them a say (``avis_filleul``).

    A constant number of queries whatever the selection: the proposals locked and read, their
    statuses written, their audit entries written, the e-mails written to the outbox.
    """
    lignes = list(
        Parrainage.objects.avec_libelle()
        .select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
    )
    resultat = Confirmation()
    avant = {}
    maintenant = timezone.now()
    aujourdhui = timezone.localdate()
    deja_en_binome, avec_options = _autour(lignes)
    for parrainage in lignes:
        ancien = copy.copy(parrainage)
        cle = (parrainage.filleul_id, parrainage.programme_id)
        if parrainage.statut == Parrainage.Statut.PROPOSITION and cle in deja_en_binome:
            resultat.refusees.append((parrainage, DEJA_EN_BINOME))
            continue
        # A minor is never sent to a mentor without the background check the programme
        # requires (recorded since the run, or withdrawn since: checked again here).
        motif = honorabilite_manquante(
            programme=parrainage.programme,
            filleul=parrainage.filleul,
            parrain=parrainage.parrain,
            jour=aujourdhui,
        )
        if motif:
            resultat.refusees.append((parrainage, motif))
            continue
        try:
            parrainage.confirmer(au_filleul=cle in avec_options)
        except ValidationError as exc:
            resultat.refusees.append((parrainage, " ".join(exc.messages)))
            continue
        avant[parrainage.pk] = ancien
        resultat.confirmees.append(parrainage)
    aux_parrains = [p for p in resultat.confirmees if p.statut == Parrainage.Statut.ATTENTE_PARRAIN]
    aux_filleuls = [p for p in resultat.confirmees if p.statut == Parrainage.Statut.ATTENTE_FILLEUL]
    if aux_parrains:
        for parrainage in aux_parrains:
            parrainage.envoye_le = maintenant
        Parrainage.objects.filter(pk__in=[p.pk for p in aux_parrains]).update(
            statut=Parrainage.Statut.ATTENTE_PARRAIN, envoye_le=maintenant
        )
        journal_modifications(aux_parrains, avant=avant, champs=["statut", "envoye_le"], acteur=par)
        propositions_notifier(ids=[p.pk for p in aux_parrains])
    if aux_filleuls:
        for parrainage in aux_filleuls:
            parrainage.soumis_au_filleul_le = maintenant
        Parrainage.objects.filter(pk__in=[p.pk for p in aux_filleuls]).update(
            statut=Parrainage.Statut.ATTENTE_FILLEUL, soumis_au_filleul_le=maintenant
        )
        journal_modifications(
            aux_filleuls, avant=avant, champs=["statut", "soumis_au_filleul_le"], acteur=par
        )
        propositions_filleuls_notifier(ids=[p.pk for p in aux_filleuls])
    return resultat


DEJA_EN_BINOME = (
    "Ce filleul a déjà choisi son parrain ou sa marraine dans ce programme (binôme en attente "
    "de réponse ou en cours) : cette option ne peut plus lui être soumise, écartez-la."
)


def _autour(lignes) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """For the proposals ``lignes``, the (mentee, programme) where the mentee has a pair waiting
    for its mentor or active (her choice is made: her other options are moot), and those
    where she has options open (all her proposals there go through her choice)."""
    filleuls = {p.filleul_id for p in lignes}
    if not filleuls:
        return set(), set()
    autour = Parrainage.objects.filter(
        filleul_id__in=filleuls, programme_id__in={p.programme_id for p in lignes}
    ).filter(
        Q(statut__in=[Parrainage.Statut.ATTENTE_PARRAIN, Parrainage.Statut.ACTIF])
        | Q(
            option=True,
            statut__in=[Parrainage.Statut.PROPOSITION, Parrainage.Statut.ATTENTE_FILLEUL],
        )
    )
    deja, avec_options = set(), set()
    for filleul_id, programme_id, statut in autour.values_list(
        "filleul_id", "programme_id", "statut"
    ):
        cle = (filleul_id, programme_id)
        if statut in (Parrainage.Statut.ATTENTE_PARRAIN, Parrainage.Statut.ACTIF):
            deja.add(cle)
        else:
            avec_options.add(cle)
    return deja, avec_options


def proposition_confirmer(*, parrainage, par=None) -> Parrainage:
    """Send one proposal to its mentor (the change form's decision); refused with the reason
    when it is no longer a proposal."""
    resultat = propositions_confirmer(ids=[parrainage.pk], par=par)
    if not resultat.confirmees:
        raise ValidationError(
            resultat.refusees[0][1] if resultat.refusees else "Cette proposition n'existe plus."
        )
    return resultat.confirmees[0]


@transaction.atomic
def proposition_ecarter(*, parrainage) -> Parrainage:
    """Staff discard a proposal: the mentee is free for the next matching run."""
    parrainage = Parrainage.objects.select_for_update().get(pk=parrainage.pk)
    parrainage.ecarter()
    parrainage.save(update_fields=["statut"])
    return parrainage


def propositions_notifier(*, ids) -> int:
    """E-mail each mentor the proposals ``ids`` just sent them, through the exactly-once
    outbox, sent right after the commit (and by the five-minute outbox run should that
    message be lost). Returns how many e-mails are new."""
    from mentorat.envois import envois_creer, expedier_apres_commit

    from ..relances import propositions_nouvelles

    nouveaux = envois_creer(propositions_nouvelles(ids))
    if nouveaux:
        # Robust: with the broker down the rows wait in the outbox for its five-minute run.
        expedier_apres_commit()
    return nouveaux
