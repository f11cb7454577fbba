"""Why: the reasons of each proposed pair, and why a mentee is left without a mentor."""

import numpy as np

from .arrays import REMOTE_FORMS, Mentees, Mentors
from .candidates import (
    CandidateGraph,
    SearchSpace,
    minors_need_checked_mentors,
    nearest,
    pair_rules,
    remote_capable,
)
from .features import FilleulFeatures, Labels, ParrainFeatures, ProgrammeRules, Reason, Weights
from .scoring import SLOTS_FOR_FULL_POINTS, expected_years

AUCUN_PARRAIN = "aucun parrain disponible dans ce programme"
FORME = "aucun parrain n'offre la forme demandée"
DISTANCE = "aucun parrain à moins de {km} km"
TERRITOIRE = "aucun parrain sur le territoire du programme"
SANS_COORDONNEES = "commune sans coordonnées : distance aux parrains inconnue"
DECLINES = "les parrains à proximité ont déjà été déclinés"
HONORABILITE = (
    "filleul mineur : aucun parrain à portée n'a de contrôle d'honorabilité enregistré "
    "(exigé par le programme pour les parrains de mineurs)"
)
COMPLETS = "tous les parrains compatibles sont complets"
PLACES_PRISES = (
    "tous les parrains compatibles sont complets (places attribuées à d'autres filleuls)"
)
NON_TROUVE = "aucun parrain compatible parmi les plus proches"

# How many nearby mentors are examined to explain why nobody fits.
DIAGNOSTIC_NEIGHBOURS = 16
MAX_LISTED = 3

NIVEAUX = {
    0: "sans diplôme",
    1: "sans diplôme",
    2: "brevet",
    3: "CAP-BEP",
    4: "bac",
    5: "bac+2",
    6: "bac+3/4",
    7: "bac+5",
    8: "doctorat",
}


def pair_reasons(
    graph: CandidateGraph,
    k: int,
    filleul: FilleulFeatures,
    parrain: ParrainFeatures,
    weights: Weights,
    labels: Labels,
) -> tuple[Reason, ...]:
    """The reasons of edge ``k``: one per weighted component, with the points it scored, in a
    sentence and in short words."""
    km, remote = float(graph.distance_km[k]), bool(graph.remote[k])
    texts = {
        "secteur": lambda: (_secteur(filleul, parrain, labels), _secteur_bref(filleul, parrain)),
        "distance": lambda: (_distance(km, remote), _distance_bref(km, remote)),
        "disponibilites": lambda: (
            _disponibilites(filleul, parrain, labels),
            _disponibilites_bref(filleul, parrain),
        ),
        "niveau": lambda: (_niveau(filleul, parrain), _niveau_bref(filleul, parrain)),
        "attente": lambda: (_attente(filleul.attente_jours), _attente_bref(filleul.attente_jours)),
    }
    reasons = []
    for name, text in texts.items():
        if getattr(weights, name) > 0:
            libelle, bref = text()
            reasons.append(Reason(libelle, int(graph.points[name][k]), composante=name, bref=bref))
    return tuple(reasons)


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" et {len(items) - MAX_LISTED} autre(s)" if len(items) > MAX_LISTED else "")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _secteur(filleul, parrain, labels: Labels) -> str:
    shared = sorted(filleul.secteurs & parrain.secteurs)
    if not shared:
        return "aucun secteur souhaité en commun" if filleul.secteurs else "pas de secteur souhaité"
    names = [labels.secteurs.get(code, code) for code in shared]
    return ("même secteur : " if len(names) == 1 else "mêmes secteurs : ") + _listed(names)


def _distance(km: float, remote: bool) -> str:
    if remote:
        return "rencontres à distance" + ("" if np.isnan(km) else f" (à {round(km)} km)")
    if np.isnan(km):
        return "distance inconnue"
    return "même commune" if km < 0.5 else f"{round(km)} km"


def _disponibilites(filleul, parrain, labels: Labels) -> str:
    shared = filleul.disponibilites & parrain.disponibilites
    if not shared:
        return "aucune disponibilité commune"
    known = [code for code in labels.disponibilites if code in shared]
    ordered = known + sorted(shared - set(known))
    names = [_lower_first(labels.disponibilites.get(code, code)) for code in ordered]
    return "disponibilités communes : " + _listed(names)


def _niveau(filleul, parrain) -> str:
    years = parrain.annees_experience
    unit = "an" if years <= 1 else "ans"
    level = NIVEAUX.get(filleul.niveau_diplome, f"niveau {filleul.niveau_diplome}")
    return f"{years} {unit} d'expérience pour un niveau {level}"


def _attente(days: int) -> str:
    if days <= 0:
        return "retenu aujourd'hui"
    return f"attend depuis {days} jour" + ("s" if days > 1 else "")


# The same reasons in two or three words, for the list of proposals staff confirm.
A_DISTANCE = "à distance"


def _secteur_bref(filleul, parrain) -> str:
    if filleul.secteurs & parrain.secteurs:
        return "secteur ✓"
    return "secteur ✗" if filleul.secteurs else "sans secteur souhaité"


def _distance_bref(km: float, remote: bool) -> str:
    if remote:
        return A_DISTANCE
    if np.isnan(km):
        return "distance inconnue"
    return "même commune" if km < 0.5 else f"{round(km)} km"


def _disponibilites_bref(filleul, parrain) -> str:
    shared = min(len(filleul.disponibilites & parrain.disponibilites), SLOTS_FOR_FULL_POINTS)
    return f"disponibilités {shared}/{SLOTS_FOR_FULL_POINTS}"


def _niveau_bref(filleul, parrain) -> str:
    expected = int(expected_years(np.array([filleul.niveau_diplome]))[0])
    years = parrain.annees_experience
    return "expérience ✓" if years >= expected else f"expérience {years}/{expected} ans"


def _attente_bref(days: int) -> str:
    return "retenu ce jour" if days <= 0 else f"attente {days} j"


def unmatched_reasons(
    todo: np.ndarray,
    mentees: Mentees,
    mentors: Mentors,
    space: SearchSpace,
    rules: ProgrammeRules,
    declined: np.ndarray,
    has_candidates: np.ndarray,
) -> dict[int, str]:
    """For each mentee index in ``todo`` (left unmatched), the first rule that stopped it.

    The rules are checked in order among the nearest mentors offering a form the mentee can
    take: reach (distance, territory, or remote meetings), past declines, places left.
    """
    if not len(mentors):
        return dict.fromkeys(todo.tolist(), AUCUN_PARRAIN)
    reasons = dict.fromkeys(todo[has_candidates[todo]].tolist(), PLACES_PRISES)
    rest = todo[~has_candidates[todo]]
    for forms in np.unique(mentees.forms[rest]).tolist():
        group = rest[mentees.forms[rest] == forms]
        offering = np.flatnonzero((mentors.forms & forms) != 0)
        if not len(offering):
            reasons.update(dict.fromkeys(group.tolist(), FORME))
            continue
        reasons.update(_diagnose(group, offering, forms, mentees, mentors, space, rules, declined))
    return reasons


def _diagnose(group, offering, forms, mentees, mentors, space, rules, declined) -> dict[int, str]:
    found = [nearest(space.mentors, offering, group, space.mentees[group], DIAGNOSTIC_NEIGHBOURS)]
    far_pool = offering[remote_capable(mentors)[offering] & ((forms & REMOTE_FORMS) != 0)]
    willing = group[mentees.remote[group]]
    found.append(
        nearest(space.mentors, far_pool, willing, space.mentees[willing], DIAGNOSTIC_NEIGHBOURS)
    )
    if minors_need_checked_mentors(mentees, rules):
        # Minors are also examined against the nearest checked mentors, as they were searched.
        minors = group[mentees.minor[group]]
        for pool in (offering, far_pool):
            checked_pool = pool[mentors.checked[pool]]
            found.append(
                nearest(
                    space.mentors,
                    checked_pool,
                    minors,
                    space.mentees[minors],
                    DIAGNOSTIC_NEIGHBOURS,
                )
            )
    mi = np.concatenate([f[0] for f in found])
    pj = np.concatenate([f[1] for f in found])
    checked = pair_rules(mentees, mentors, mi, pj, rules, declined)
    reach = checked.in_person | checked.remote_only
    free = reach & ~checked.declined
    allowed = free & ~checked.unchecked
    stage = reach.astype(np.int8) + free + allowed + (allowed & (mentors.places[pj] > 0))
    best = np.zeros(len(mentees), dtype=np.int8)
    np.maximum.at(best, mi, stage)
    by_stage = {1: DECLINES, 2: HONORABILITE, 3: COMPLETS, 4: NON_TROUVE}
    return {
        int(i): by_stage.get(int(best[i])) or _out_of_reach(mentees, int(i), rules) for i in group
    }


def _out_of_reach(mentees: Mentees, i: int, rules: ProgrammeRules) -> str:
    if rules.distance_max_km is not None:
        if np.isnan(mentees.lat[i]):
            return SANS_COORDONNEES
        return DISTANCE.format(km=f"{rules.distance_max_km:g}")
    return TERRITOIRE
