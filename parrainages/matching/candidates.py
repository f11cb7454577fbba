"""Candidate pairs, without a dense mentees × mentors matrix.

Mentors who can take nobody (no place left, no form of the programme, outside its territory
without remote meetings) are left out first. The others are put in k-d trees over their
places on the unit sphere: one for all of them, one per sector (a mentee also searches among
mentors of the sectors they wish), one for mentors who meet remotely (they may be far away).
Each mentee thus gets a bounded number of nearby and relevant mentors; the hard rules are
then checked pair by pair, the pairs scored, and each mentee keeps its best candidates.
"""

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from . import geo
from .arrays import REMOTE_FORMS, Mentees, Mentors
from .features import Limits, ProgrammeRules, Weights
from .scoring import COMPONENTS, component_points, total

MENTEE_SALT, MENTOR_SALT = 0x5EED, 0xB0A7


@dataclass
class CandidateGraph:
    """Valid, scored pairs sorted by mentee then mentor (indices in the canonical order)."""

    mentee: np.ndarray
    mentor: np.ndarray
    forme: np.ndarray  # index in FORMES
    remote: np.ndarray  # True: only valid as remote meetings (beyond reach in person)
    distance_km: np.ndarray  # NaN where a place is unknown
    points: dict[str, np.ndarray]
    score: np.ndarray
    per_mentee: int

    def __len__(self):
        return len(self.mentee)

    def take(self, keep: np.ndarray) -> "CandidateGraph":
        return CandidateGraph(
            mentee=self.mentee[keep],
            mentor=self.mentor[keep],
            forme=self.forme[keep],
            remote=self.remote[keep],
            distance_km=self.distance_km[keep],
            points={name: self.points[name][keep] for name in COMPONENTS},
            score=self.score[keep],
            per_mentee=self.per_mentee,
        )


@dataclass
class SearchSpace:
    """Where each side is searched from (unit vectors), computed once per run."""

    mentees: np.ndarray
    mentors: np.ndarray


def search_space(mentees: Mentees, mentors: Mentors) -> SearchSpace:
    departements = np.concatenate([mentees.departement, mentors.departement])
    lat = np.concatenate([mentees.lat, mentors.lat])
    lon = np.concatenate([mentees.lon, mentors.lon])
    known = geo.centroids(departements, lat, lon)
    return SearchSpace(
        mentees=geo.search_points(
            mentees.ids, mentees.lat, mentees.lon, mentees.departement, known, MENTEE_SALT
        ),
        mentors=geo.search_points(
            mentors.ids, mentors.lat, mentors.lon, mentors.departement, known, MENTOR_SALT
        ),
    )


def geography_is_limited(rules: ProgrammeRules) -> bool:
    return rules.distance_max_km is not None or bool(rules.departements)


def remote_capable(mentors: Mentors) -> np.ndarray:
    return mentors.remote & ((mentors.forms & REMOTE_FORMS) != 0)


def takes_mentees(mentors: Mentors, rules: ProgrammeRules) -> np.ndarray:
    """Mentors who could take someone: places left, a form of the programme, in reach."""
    reachable = mentors.in_territory | remote_capable(mentors)
    return (mentors.places > 0) & (mentors.forms != 0) & reachable


def nearest(
    mentor_points: np.ndarray,
    pool: np.ndarray,
    rows: np.ndarray,
    row_points: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` mentors of ``pool`` nearest to each mentee of ``rows``, as edge arrays."""
    if not len(pool) or not len(rows) or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    k = min(k, len(pool))
    tree = cKDTree(mentor_points[pool], balanced_tree=False, compact_nodes=False)
    _, found = tree.query(row_points, k=range(1, k + 1), workers=-1)
    found = found.ravel()
    ok = found < len(pool)
    return np.repeat(rows, k)[ok], pool[found[ok]]


def raw_pairs(
    mentees: Mentees,
    mentors: Mentors,
    space: SearchSpace,
    rules: ProgrammeRules,
    pool: np.ndarray,
    per_mentee: int,
    sector_count: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Mentee and mentor indices of the pairs found, each pair once, sorted.

    Where the programme requires a background check for the mentors of minors, minors are
    searched among the checked mentors only: the nearest unchecked mentors would otherwise
    take all the room of their candidates.
    """
    if minors_need_checked_mentors(mentees, rules):
        found = _search(
            mentees, mentors, space, rules, pool, ~mentees.minor, per_mentee, sector_count
        )
        checked_pool = pool[mentors.checked[pool]]
        found += _search(
            mentees, mentors, space, rules, checked_pool, mentees.minor, per_mentee, sector_count
        )
    else:
        found = _search(mentees, mentors, space, rules, pool, None, per_mentee, sector_count)
    keys = np.concatenate([mi * len(mentors) + pj for mi, pj in found])
    keys.sort()
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    return keys // len(mentors), keys % len(mentors)


def minors_need_checked_mentors(mentees: Mentees, rules: ProgrammeRules) -> bool:
    return rules.controle_honorabilite and bool(mentees.minor.any())


def _search(mentees, mentors, space, rules, pool, group, per_mentee, sector_count) -> list:
    """The nearest mentors of ``pool`` for the mentees of ``group`` (a mask; None: all):
    overall, in each wished sector, and among remote mentors when geography is limited."""
    if group is None:
        rows, row_points = np.arange(len(mentees)), space.mentees
    else:
        rows = np.flatnonzero(group)
        row_points = space.mentees[rows]
    found = [nearest(space.mentors, pool, rows, row_points, per_mentee)]
    half = -(-per_mentee // 2)
    for sector in range(sector_count):
        word, flag = sector // 64, np.uint64(1 << (sector % 64))
        wishes = (mentees.sectors[:, word] & flag) != 0
        wishing = np.flatnonzero(wishes if group is None else wishes & group)
        covering = pool[(mentors.sectors[pool, word] & flag) != 0]
        found.append(nearest(space.mentors, covering, wishing, space.mentees[wishing], half))
    if geography_is_limited(rules) and mentees.remote.any():
        remote_pool = pool[remote_capable(mentors)[pool]]
        willing = np.flatnonzero(mentees.remote if group is None else mentees.remote & group)
        found.append(nearest(space.mentors, remote_pool, willing, space.mentees[willing], half))
    return found


def declined_keys(mentees: Mentees, mentors: Mentors) -> np.ndarray:
    keys = []
    for mi, person in enumerate(mentees.people):
        if not person.parrains_exclus:
            continue
        excluded = np.fromiter(person.parrains_exclus, dtype=np.int64)
        pj = np.searchsorted(mentors.ids, excluded)
        pj = pj[pj < len(mentors)]
        pj = pj[np.isin(mentors.ids[pj], excluded)]
        keys.append(mi * len(mentors) + pj)
    return np.unique(np.concatenate(keys)) if keys else np.empty(0, np.int64)


@dataclass
class PairRules:
    """The hard rules of candidate pairs: which hold, and how each pair would meet."""

    common_forms: np.ndarray
    distance_km: np.ndarray
    in_person: np.ndarray
    remote_only: np.ndarray
    declined: np.ndarray
    # A minor with a mentor whose background check is not recorded, where the programme
    # requires one.
    unchecked: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return (self.in_person | self.remote_only) & ~self.declined & ~self.unchecked

    def forme(self) -> np.ndarray:
        usable = np.where(self.in_person, self.common_forms, self.common_forms & REMOTE_FORMS)
        # The lowest bit is the first form in FORMES order.
        lowest = usable & (~usable + np.uint8(1))
        return np.log2(np.maximum(lowest, 1)).astype(np.int8)


def pair_rules(
    mentees: Mentees,
    mentors: Mentors,
    mi: np.ndarray,
    pj: np.ndarray,
    rules: ProgrammeRules,
    declined: np.ndarray,
) -> PairRules:
    common = mentees.forms[mi] & mentors.forms[pj]
    distance = geo.distances_km(mentees.lat[mi], mentees.lon[mi], mentors.lat[pj], mentors.lon[pj])
    in_person = (common != 0) & mentors.in_territory[pj]
    if rules.distance_max_km is not None:
        with np.errstate(invalid="ignore"):
            in_person &= distance <= rules.distance_max_km
    remote_ok = mentees.remote[mi] & mentors.remote[pj] & ((common & REMOTE_FORMS) != 0)
    if rules.controle_honorabilite:
        unchecked = mentees.minor[mi] & ~mentors.checked[pj]
    else:
        unchecked = np.zeros(len(mi), dtype=bool)
    return PairRules(
        common_forms=common,
        distance_km=distance,
        in_person=in_person,
        remote_only=remote_ok & ~in_person,
        declined=np.isin(mi * len(mentors) + pj, declined),
        unchecked=unchecked,
    )


def build_candidates(
    mentees: Mentees,
    mentors: Mentors,
    space: SearchSpace,
    rules: ProgrammeRules,
    weights: Weights,
    limits: Limits,
    *,
    sector_count: int,
) -> CandidateGraph:
    per_mentee = limits.candidates_per_mentee(len(mentees))
    pool = np.flatnonzero(takes_mentees(mentors, rules))
    mi, pj = raw_pairs(mentees, mentors, space, rules, pool, per_mentee, sector_count)
    declined = declined_keys(mentees, mentors)
    graph = scored_graph(mentees, mentors, mi, pj, rules, weights, limits, declined, per_mentee)
    return graph.take(best_per_mentee(graph, per_mentee))


def scored_graph(
    mentees: Mentees,
    mentors: Mentors,
    mi: np.ndarray,
    pj: np.ndarray,
    rules: ProgrammeRules,
    weights: Weights,
    limits: Limits,
    declined: np.ndarray,
    per_mentee: int,
) -> CandidateGraph:
    """The valid pairs among (``mi[k]``, ``pj[k]``), scored, in the order given."""
    checked = pair_rules(mentees, mentors, mi, pj, rules, declined)
    valid = checked.valid
    mi, pj = mi[valid], pj[valid]
    distance = checked.distance_km[valid]
    remote = checked.remote_only[valid]
    points = component_points(
        mentees,
        mentors,
        mi,
        pj,
        distance_km=distance,
        remote=remote,
        rules=rules,
        weights=weights,
        limits=limits,
    )
    return CandidateGraph(
        mentee=mi,
        mentor=pj,
        forme=checked.forme()[valid],
        remote=remote,
        distance_km=distance,
        points=points,
        score=total(points).astype(np.int64),
        per_mentee=per_mentee,
    )


def merged(graphs: list[CandidateGraph], mentors: int) -> CandidateGraph:
    """The pairs of ``graphs`` together, each once, sorted by mentee then mentor."""
    first = graphs[0]
    joined = CandidateGraph(
        mentee=np.concatenate([g.mentee for g in graphs]),
        mentor=np.concatenate([g.mentor for g in graphs]),
        forme=np.concatenate([g.forme for g in graphs]),
        remote=np.concatenate([g.remote for g in graphs]),
        distance_km=np.concatenate([g.distance_km for g in graphs]),
        points={name: np.concatenate([g.points[name] for g in graphs]) for name in COMPONENTS},
        score=np.concatenate([g.score for g in graphs]),
        per_mentee=first.per_mentee,
    )
    keys = joined.mentee * mentors + joined.mentor
    _, unique = np.unique(keys, return_index=True)
    return joined.take(unique)


def best_per_mentee(graph: CandidateGraph, k: int) -> np.ndarray:
    """Indices of each mentee's ``k`` best pairs (ties: lowest mentor id), in (mentee, mentor)
    order. The graph is sorted by mentee then mentor, and mentors are in id order."""
    if not len(graph):
        return np.empty(0, np.int64)
    top = int(graph.score.max()) + 1
    # A stable sort keeps the mentor order among equal scores.
    order = np.argsort(graph.mentee * top + (top - 1 - graph.score), kind="stable")
    mentee = graph.mentee[order]
    starts = np.flatnonzero(np.r_[True, mentee[1:] != mentee[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return np.sort(order[rank < k])
