"""Reads of the selection step: who may be invited, the cohort sheet (attendance, average
scores, decisions) and the cohort's later path (pairs, outcomes)."""

from django.db.models import Avg, Count, Q

from .models import (
    Candidature,
    CritereEvaluation,
    Evaluation,
    Note,
    Parrainage,
    ParticipationSelection,
    Presence,
    Sortie,
)

INVITABLES = (
    Candidature.Statut.DEPOSEE,
    Candidature.Statut.EN_ETUDE,
    Candidature.Statut.LISTE_ATTENTE,
)


def candidatures_invitables(session, *, prescripteurs=None):
    """The programme's applications that may be invited to ``session`` (deposited, under
    review or waiting), not yet in it; only those ``prescripteurs`` referred when given."""
    qs = (
        Candidature.objects.filter(programme=session.programme_id, statut__in=INVITABLES)
        .exclude(participations_selection__session=session)
        .select_related("filleul__user")
        .order_by("filleul__user__last_name", "pk")
    )
    if prescripteurs is not None:
        qs = qs.filter(prescripteur__in=prescripteurs)
    return qs


def nom_membre(participation) -> str:
    user = participation.candidature.filleul.user
    return user.get_full_name() if user else "Personne anonymisée"


def grille_cohorte(session) -> dict:
    """The cohort as its facilitator follows it: one row per member with their attendance,
    average score per criterion and number of grids, the jury's decision on the member
    (``participation``). Three queries whatever the cohort's size; what became of the members
    (pairs, outcomes) is the cohort sheet's (``fiche_cohorte``), which the partner's page does
    not show and need not read."""
    criteres = list(CritereEvaluation.objects.filter(programme=session.programme_id))
    participations = list(
        session.participations.select_related(
            "candidature__filleul__user", "candidature__prescripteur", "motif"
        )
        .annotate(
            presents=Count(
                "presences", filter=Q(presences__etat=Presence.Etat.PRESENT), distinct=True
            ),
            absents=Count(
                "presences", filter=Q(presences__etat=Presence.Etat.ABSENT), distinct=True
            ),
            excuses=Count(
                "presences", filter=Q(presences__etat=Presence.Etat.EXCUSE), distinct=True
            ),
            evaluations_n=Count("evaluations", distinct=True),
        )
        .order_by("pk")
    )
    moyennes = {
        (r["evaluation__participation_id"], r["critere_id"]): r["moyenne"]
        for r in Note.objects.filter(evaluation__participation__session=session)
        .values("evaluation__participation_id", "critere_id")
        .annotate(moyenne=Avg("valeur"))
    }
    lignes = [
        {
            "participation": p,
            "nom": nom_membre(p),
            "prescripteur": p.candidature.prescripteur,
            "statut_candidature": p.candidature.get_statut_display(),
            "presents": p.presents,
            "absents": p.absents,
            "excuses": p.excuses,
            "moyennes": [moyennes.get((p.pk, c.pk)) for c in criteres],
            "evaluations": p.evaluations_n,
        }
        for p in participations
    ]
    return {"session": session, "criteres": criteres, "lignes": lignes}


def fiche_cohorte(session) -> dict:
    """One row per member: attendance, average score per criterion, jury decision, and what
    became of them (formed pair and its status, end and six-month outcomes: the pair's, else
    the one recorded on the application of a person without a pair). A fixed number of
    queries whatever the cohort's size."""
    grille = grille_cohorte(session)
    lignes = grille["lignes"]
    participations = [ligne["participation"] for ligne in lignes]
    filleuls = {p.candidature.filleul_id for p in participations}
    binomes = {}
    # Formed pairs only: a proposal refused or dropped is no pair of the person's.
    for binome in (
        Parrainage.objects.filter(
            filleul__in=filleuls,
            programme=session.programme_id,
            statut__in=Parrainage.STATUTS_FORMES,
        )
        .select_related("parrain__user")
        .order_by("propose_le", "pk")
    ):
        binomes[binome.filleul_id] = binome  # the latest one wins
    # The pair's outcomes, and those recorded on the application of a person without a pair
    # (one query); a person counts once: the pair's outcome first.
    sorties = {}
    for sortie in Sortie.objects.filter(
        Q(parrainage__in=[b.pk for b in binomes.values()])
        | Q(candidature__in=[p.candidature_id for p in participations])
    ):
        cle = ("b", sortie.parrainage_id) if sortie.parrainage_id else ("c", sortie.candidature_id)
        sorties[(*cle, sortie.moment)] = sortie
    demi_journees = session.demi_journees.count()
    for ligne in lignes:
        p = ligne["participation"]
        binome = binomes.get(p.candidature.filleul_id)

        def sortie(moment, binome=binome, p=p):
            du_binome = sorties.get(("b", binome.pk, moment)) if binome else None
            return du_binome or sorties.get(("c", p.candidature_id, moment))

        ligne["binome"] = binome
        ligne["sortie_fin"] = sortie(Sortie.Moment.FIN)
        ligne["sortie_six_mois"] = sortie(Sortie.Moment.SIX_MOIS)
    decisions = dict.fromkeys(ParticipationSelection.Decision.values, 0)
    for p in participations:
        if p.decision:
            decisions[p.decision] += 1
    return {
        **grille,
        "demi_journees_n": demi_journees,
        "decisions": [
            (label, decisions[value]) for value, label in ParticipationSelection.Decision.choices
        ],
        # Members still awaiting the jury (one who withdrew meanwhile awaits nothing).
        "sans_decision": sum(
            1
            for p in participations
            if not p.decision and p.candidature.statut == Candidature.Statut.INVITEE_SELECTION
        ),
    }


def evaluations_du_membre(participation):
    """Every evaluation of a member, with its scores (the facilitator and staff read them)."""
    return (
        Evaluation.objects.filter(participation=participation)
        .select_related("evaluateur", "evaluateur_invite")
        .prefetch_related("notes__critere")
        .order_by("created_at", "pk")
    )
