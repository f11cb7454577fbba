"""Pricing the pairs left out of the candidate graph with the assignment's dual values.

The assignment is a linear programme: maximise Σ value(i, j)·x(i, j) with, for each mentee,
Σ_j x(i, j) ≤ 1 (dual value ``u[i] ≥ 0``) and, for each mentor, Σ_i x(i, j) ≤ places[j]
(dual value ``w[j] ≥ 0``). Solved on the candidate pairs only, its optimum is the optimum over
every valid pair exactly when no valid pair left out has a positive reduced cost
``value(i, j) − u[i] − w[j]`` (the duals are then feasible for the whole problem: the
solution is proved optimal). Otherwise the pairs with a positive reduced cost are added and
the programme solved again (column generation), until none remains.

The duals of this totally unimodular programme with integer values are integers: a reduced
cost is positive when it is at least 1, and the search below tests ``> 0.5``.

The scan never builds the mentees × mentors matrix. Each pair's score is bounded by sums of
per-person bounds (a mentee's waiting points, a mentor's best sector, availability and
experience points, and at most the distance points) so that, for a mentee, only the mentors
whose price leaves room are looked at: those whose bound key is under the mentee's headroom
(sorted keys, a binary search per mentee), plus, for the distance points, the mentors within
the distance scale whose key is under the headroom plus those points (a k-d tree). Only
these pairs are checked exactly, in blocks.
"""

import numpy as np
from scipy.spatial import cKDTree

from . import geo
from .arrays import Mentees, Mentors
from .candidates import CandidateGraph, merged, remote_capable, scored_graph, takes_mentees
from .features import Limits, ProgrammeRules, Weights
from .scoring import EXPECTED_YEARS, SLOTS_FOR_FULL_POINTS, WAITING_DAYS_FOR_FULL_POINTS

# Pairs checked exactly at once (bounds the memory of the scan).
BLOCK_PAIRS = 2_000_000
# A reduced cost is an integer: anything above this is one that improves.
IMPROVES = 0.5
# Slack on the float bounds (scores are whole points).
BOUND_SLACK = 1e-6


def _points(weight: int, fraction) -> np.ndarray:
    return np.rint(weight * np.asarray(fraction, dtype=np.float64))


def bound_terms(mentees: Mentees, mentors: Mentors, weights: Weights):
    """Per-person upper bounds of the score components (in points, as floats).

    ``mentee_own``: the waiting points (the mentee's alone); ``mentee_rest``: the mentee's
    best sector, availability and experience points; ``mentor_rest``: the same for a mentor.
    Every pair scores at most ``own + min(mentee_rest, mentor_rest) + distance points``."""
    own = _points(weights.attente, np.minimum(1.0, mentees.waiting / WAITING_DAYS_FOR_FULL_POINTS))
    full_slots = SLOTS_FOR_FULL_POINTS
    mentee_slots = np.minimum(np.bitwise_count(mentees.slots).sum(axis=1), full_slots)
    mentor_slots = np.minimum(np.bitwise_count(mentors.slots).sum(axis=1), full_slots)
    mentee_rest = (
        weights.secteur * mentees.sectors.any(axis=1)
        + _points(weights.disponibilites, mentee_slots / full_slots)
        + weights.niveau
    )
    mentor_rest = (
        weights.secteur * mentors.sectors.any(axis=1)
        + _points(weights.disponibilites, mentor_slots / full_slots)
        + _points(weights.niveau, np.minimum(1.0, mentors.years / EXPECTED_YEARS.min()))
    )
    return own, mentee_rest.astype(np.float64), mentor_rest.astype(np.float64)


def candidate_blocks(
    mentees: Mentees,
    mentors: Mentors,
    pool: np.ndarray,
    u: np.ndarray,
    w: np.ndarray,
    rules: ProgrammeRules,
    weights: Weights,
    limits: Limits,
):
    """Blocks of (mentee, mentor) index pairs that contain every pair of ``pool``'s mentors
    whose reduced cost may be positive (and many that are not: they are checked after; a
    pair may come twice)."""
    if not len(pool):
        return
    scale = len(mentees) + 1
    own, mentee_rest, mentor_rest = bound_terms(mentees, mentors, weights)
    # In score points: improving needs score > u/scale + w/scale - 1/scale.
    headroom = own - u / scale + 1.0 / scale + BOUND_SLACK
    # Against the mentor's price alone, distance points included.
    ceiling = headroom + mentee_rest + weights.distance
    price = w / scale
    key = price - mentor_rest
    limited = rules.distance_max_km is not None

    # Far: pairs scored without distance points need key < headroom. With a maximum
    # distance, only remote pairs may be far (and they score no distance points).
    far_pool = pool[remote_capable(mentors)[pool]] if limited else pool
    far_rows = mentees.remote if limited else np.ones(len(mentees), dtype=bool)
    far_ceiling = ceiling - (weights.distance if limited else 0)
    yield from _far(
        mentees, mentors, far_pool, far_rows, key, price, headroom, far_ceiling, weights
    )

    # Near: within the distance scale (the maximum distance, if any), with distance points:
    # pair key < headroom + distance points, the pair key counting the sector points only
    # where the two share a sector. Without a maximum distance, the far blocks already hold
    # the pairs whose pair key is under the headroom.
    radius_km = rules.distance_max_km or limits.distance_scale_km
    floor = headroom if not limited else np.full(len(mentees), -np.inf)
    roof = headroom + weights.distance
    near_pool = pool[~np.isnan(mentors.lat[pool]) & (key[pool] < roof.max(initial=-np.inf))]
    seekers = np.flatnonzero(~np.isnan(mentees.lat) & (roof > key[pool].min()))
    if not len(near_pool) or not len(seekers):
        return
    covers_any = mentors.sectors.any(axis=1)
    tree = cKDTree(geo.unit_vectors(mentors.lat[near_pool], mentors.lon[near_pool]))
    points = geo.unit_vectors(mentees.lat[seekers], mentees.lon[seekers])
    radius = geo.chord(radius_km) * (1 + 1e-9)
    # The neighbours come back as Python lists: counted first, then fetched by chunks of
    # seekers holding about BLOCK_PAIRS of them (dense cities have thousands each).
    lengths = tree.query_ball_point(points, radius, return_length=True, workers=-1)
    ends = np.cumsum(lengths)
    first = 0
    while first < len(seekers):
        reach = int(np.searchsorted(ends, ends[first] - lengths[first] + BLOCK_PAIRS, "right"))
        last = max(first + 1, reach)
        who = seekers[first:last]
        found = tree.query_ball_point(points[first:last], radius, workers=-1)
        first = last
        sizes = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        if not sizes.sum():
            continue
        mi = np.repeat(who, sizes)
        pj = near_pool[np.concatenate([np.asarray(f, dtype=np.int64) for f in found if f])]
        shared = (mentees.sectors[mi] & mentors.sectors[pj]).any(axis=1)
        pair_key = key[pj] + weights.secteur * (covers_any[pj] & ~shared)
        keep = (pair_key >= floor[mi]) & (pair_key < roof[mi])
        mi, pj = mi[keep], pj[keep]
        for s in range(0, len(mi), BLOCK_PAIRS):
            yield mi[s : s + BLOCK_PAIRS], pj[s : s + BLOCK_PAIRS]


def _far(mentees, mentors, pool, rows_mask, key, price, headroom, ceiling, weights):
    """The far pairs, mentees grouped by the sectors they wish: a mentor who covers none of
    them cannot score the sector points, which tightens the bound by as much."""
    if not len(pool) or not rows_mask.any():
        return
    covers_any = mentors.sectors.any(axis=1)
    key_without = key + weights.secteur * covers_any
    ceiling_without = ceiling - weights.secteur * mentees.sectors.any(axis=1)
    rows = np.flatnonzero(rows_mask)
    wished, group = np.unique(mentees.sectors[rows], axis=0, return_inverse=True)
    group = group.ravel()
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(wished) + 1))
    for g in range(len(wished)):
        members = rows[order[bounds[g] : bounds[g + 1]]]
        covering = (mentors.sectors[pool] & wished[g]).any(axis=1)
        yield from _below(pool[covering], key, price, headroom, ceiling, members)
        yield from _below(pool[~covering], key_without, price, headroom, ceiling_without, members)


def _below(pool, key, price, headroom, ceiling, members):
    """Pairs (mentee of ``members``, mentor of ``pool``) with key < headroom and price <
    ceiling, in blocks: mentors sorted by key, a binary search per mentee."""
    if not len(pool):
        return
    order = np.argsort(key[pool], kind="stable")
    sorted_pool = pool[order]
    sorted_key, sorted_price = key[sorted_pool], price[sorted_pool]
    counts = np.searchsorted(sorted_key, headroom[members], side="left")
    rows, counts = members[counts > 0], counts[counts > 0]
    start = 0
    while start < len(rows):
        total = np.cumsum(counts[start : start + 200_000])
        stop = start + max(1, int(np.searchsorted(total, BLOCK_PAIRS, side="right")))
        block = rows[start:stop]
        c = counts[start:stop]
        mi = np.repeat(block, c)
        offset = np.arange(len(mi)) - np.repeat(np.cumsum(c) - c, c)
        keep = sorted_price[offset] < ceiling[mi]
        yield mi[keep], sorted_pool[offset[keep]]
        start = stop


def _regrouped(blocks):
    """The blocks joined up to about ``BLOCK_PAIRS`` pairs: many small blocks (one per group
    of wished sectors) would each pay the fixed cost of the exact check."""
    held, count = [], 0
    for mi, pj in blocks:
        if not len(mi):
            continue
        held.append((mi, pj))
        count += len(mi)
        if count >= BLOCK_PAIRS:
            yield np.concatenate([h[0] for h in held]), np.concatenate([h[1] for h in held])
            held, count = [], 0
    if held:
        yield np.concatenate([h[0] for h in held]), np.concatenate([h[1] for h in held])


def best_per_mentee(mi: np.ndarray, gain: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest gains of each mentee."""
    order = np.lexsort((-gain, mi))
    sorted_mi = mi[order]
    starts = np.flatnonzero(np.r_[True, sorted_mi[1:] != sorted_mi[:-1]])
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return order[rank < k]


def improving_pairs(
    mentees: Mentees,
    mentors: Mentors,
    graph: CandidateGraph,
    u: np.ndarray,
    w: np.ndarray,
    rules: ProgrammeRules,
    weights: Weights,
    limits: Limits,
    declined: np.ndarray,
    *,
    per_mentee: int,
    enough: int | None = None,
) -> tuple[CandidateGraph, int, bool]:
    """The valid pairs outside ``graph`` whose reduced cost is positive (at most
    ``per_mentee`` of each mentee, the most improving), how many pairs were checked, and
    whether every pair was (the scan stops once ``enough`` improving pairs are found: only a
    complete scan that finds none proves the optimum)."""
    size = len(mentors)
    present = graph.mentee * size + graph.mentor  # sorted: the graph is
    pool = np.flatnonzero(takes_mentees(mentors, rules))
    scale = len(mentees) + 1
    found, gains, checked, complete = [], [], 0, True
    blocks = candidate_blocks(mentees, mentors, pool, u, w, rules, weights, limits)
    for mi, pj in _regrouped(blocks):
        keys = mi * size + pj
        at = np.searchsorted(present, keys)
        new = at == len(present)
        new[~new] = present[at[~new]] != keys[~new]
        mi, pj = mi[new], pj[new]
        checked += len(mi)
        scored = scored_graph(
            mentees, mentors, mi, pj, rules, weights, limits, declined, graph.per_mentee
        )
        gain = scored.score * float(scale) + 1.0 - u[scored.mentee] - w[scored.mentor]
        better = gain > IMPROVES
        if better.any():
            found.append(scored.take(better))
            gains.append(gain[better])
            if enough is not None and sum(len(g) for g in gains) >= enough:
                complete = False
                break
    if not found:
        return graph.take(np.empty(0, np.int64)), checked, complete
    pairs = merged(found, size)
    everything = np.concatenate(gains)
    # ``merged`` keeps each pair once: take the gains of the pairs it kept.
    keys = np.concatenate([g.mentee * size + g.mentor for g in found])
    _, first = np.unique(keys, return_index=True)
    best = np.sort(best_per_mentee(pairs.mentee, everything[first], per_mentee))
    return pairs.take(best), checked, complete
