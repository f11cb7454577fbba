"""The exact assignment on the candidate graph, and the greedy baseline it is compared with.

The problem is a bipartite b-matching: each mentee gets at most one mentor, each mentor at most
their places left, and the total score is as high as possible. Among the assignments with the
highest total score, the one pairing the most mentees wins: a pair valued ``score × (n + 1) + 1``
(``n`` mentees) makes the pairing count a tie-break that can never outweigh one point of score.

Two exact solvers, chosen by size:

- small problems: scipy's sparse Jonker–Volgenant (``min_weight_full_bipartite_matching``) on
  the mentors' places expanded into one column per place, plus one "unmatched" column per
  mentee. Its running time grows with rows × columns, hence only for small problems;
- large ones: the same problem as a linear programme solved by HiGHS's dual simplex (highspy). Its
  constraint matrix (incidence of a bipartite graph) is totally unimodular, so the optimal
  basic solution the simplex returns is integral: an exact assignment, checked below.
"""

import highspy
import numpy as np
import scipy.sparse as sp
from highspy._core import _Highs
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

# Rows × columns under which Jonker–Volgenant is used (about a second on this kind of machine).
LAPJV_MAX_WORK = 200_000_000
INTEGRALITY_TOLERANCE = 1e-6
# Measured on national-scale instances: the dual simplex with devex pricing is the fastest (the
# primal simplex and the parallel variants were 5 to 10 times slower); presolve only slows this
# already reduced problem down.
LP_OPTIONS = {
    "output_flag": False,
    "presolve": "off",
    "solver": "simplex",
    "simplex_strategy": 1,  # dual
    "simplex_dual_edge_weight_strategy": 1,  # devex
}


class AssignmentError(RuntimeError):
    """The solver failed: never expected, reported rather than guessed around."""


def pair_values(score: np.ndarray, mentees: int) -> np.ndarray:
    """What the solver maximises for each pair: its score first, then one more pair."""
    return score.astype(np.int64) * (mentees + 1) + 1


def assign_optimal(
    mentee: np.ndarray,
    mentor: np.ndarray,
    score: np.ndarray,
    places: np.ndarray,
    mentees: int,
    *,
    method: str = "auto",
) -> np.ndarray:
    """For each mentee, the index of its mentor in the optimal assignment, or -1.

    Edges (``mentee[k]``, ``mentor[k]``, ``score[k] ≥ 0``) must be sorted by mentee then
    mentor; ``places[j]`` is what mentor ``j`` can still take.
    """
    chosen = np.full(mentees, -1, dtype=np.int64)
    if not len(mentee):
        return chosen
    slots = np.minimum(places, np.bincount(mentor, minlength=len(places)))
    rows = len(np.unique(mentee))
    if method == "auto":
        method = "lapjv" if rows * (int(slots.sum()) + rows) <= LAPJV_MAX_WORK else "lp"
    solver = {"lapjv": _solve_lapjv, "lp": _solve_lp}[method]
    picked = solver(mentee, mentor, pair_values(score, rows), slots)
    chosen[mentee[picked]] = mentor[picked]
    _check(chosen, places)
    return chosen


def assign_greedy(
    mentee: np.ndarray, mentor: np.ndarray, score: np.ndarray, places: np.ndarray, mentees: int
) -> np.ndarray:
    """The baseline: best pairs first (ties by mentee, then mentor), while places remain."""
    chosen = np.full(mentees, -1, dtype=np.int64)
    left = places.astype(np.int64).copy()
    order = np.lexsort((mentor, mentee, -score))
    for i, j in zip(mentee[order].tolist(), mentor[order].tolist(), strict=True):
        if chosen[i] < 0 and left[j] > 0:
            chosen[i] = j
            left[j] -= 1
    return chosen


def _solve_lapjv(mentee, mentor, values, slots) -> np.ndarray:
    """Indices of the chosen edges, by Jonker–Volgenant on expanded places."""
    rows, row_of = np.unique(mentee, return_inverse=True)
    first_slot = np.r_[0, np.cumsum(slots)[:-1]]
    copies = slots[mentor]
    edge = np.repeat(np.arange(len(mentee)), copies)
    offset = np.arange(len(edge)) - np.repeat(np.cumsum(copies) - copies, copies)
    columns = first_slot[mentor[edge]] + offset
    n_slots = int(slots.sum())
    top = int(values.max()) + 1
    # Every cost stays positive: the solver reads a zero as "no edge".
    costs = np.r_[top - values[edge], np.full(len(rows), top)].astype(np.float64)
    graph = sp.csr_array(
        (
            costs,
            (
                np.r_[row_of[edge], np.arange(len(rows))],
                np.r_[columns, n_slots + np.arange(len(rows))],
            ),
        ),
        shape=(len(rows), n_slots + len(rows)),
    )
    matched_rows, matched_columns = min_weight_full_bipartite_matching(graph)
    real = matched_columns < n_slots
    row_mentor = np.full(len(rows), -1, dtype=np.int64)
    row_mentor[matched_rows[real]] = np.repeat(np.arange(len(slots)), slots)[matched_columns[real]]
    return np.flatnonzero(row_mentor[row_of] == mentor)


def _solve_lp(mentee, mentor, values, slots) -> np.ndarray:
    """Indices of the chosen edges, by HiGHS's dual simplex on the totally unimodular LP.

    One column per edge (0 ≤ x ≤ 1), one row per mentee (Σ x ≤ 1) and per mentor with places
    (Σ x ≤ places). The model goes to HiGHS as column-wise arrays, without copies: at national
    scale this halves the memory of going through ``scipy.optimize.linprog``.
    """
    n_edges = len(mentee)
    rows, row_of = np.unique(mentee, return_inverse=True)
    used = np.flatnonzero(slots > 0)
    mentor_row = np.full(len(slots), -1, dtype=np.int64)
    mentor_row[used] = len(rows) + np.arange(len(used))
    keep = mentor_row[mentor] >= 0
    # Each column holds its mentee's row and, if the mentor has places, the mentor's row.
    counts = 1 + keep.astype(np.int64)
    start = np.r_[0, np.cumsum(counts)]
    index = np.empty(int(start[-1]), dtype=np.int32)
    index[start[:-1]] = row_of
    index[start[:-1][keep] + 1] = mentor_row[mentor[keep]]

    model = highspy.HighsLp()
    model.num_col_ = n_edges
    model.num_row_ = len(rows) + len(used)
    model.col_cost_ = -values.astype(np.float64)
    model.col_lower_ = np.zeros(n_edges)
    model.col_upper_ = keep.astype(np.float64)
    model.row_lower_ = np.full(model.num_row_, -highspy.kHighsInf)
    model.row_upper_ = np.r_[np.ones(len(rows)), slots[used]].astype(np.float64)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = start.astype(np.int32)
    model.a_matrix_.index_ = index
    model.a_matrix_.value_ = np.ones(len(index))

    # The bare solver class: highspy's ``Highs`` wrapper adds Python callbacks we do not use
    # and prints a licence banner on every construction.
    solver = _Highs()
    for option, value in LP_OPTIONS.items():
        solver.setOptionValue(option, value)
    solver.passModel(model)
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        status = solver.modelStatusToString(solver.getModelStatus())
        raise AssignmentError(f"Le solveur n'a pas abouti : {status}")
    x = np.asarray(solver.getSolution().col_value)
    picked = x > 0.5
    if np.abs(x - picked).max(initial=0.0) > INTEGRALITY_TOLERANCE:
        raise AssignmentError("Le solveur a rendu une affectation fractionnaire.")
    return np.flatnonzero(picked)


def _check(chosen: np.ndarray, places: np.ndarray):
    taken = np.bincount(chosen[chosen >= 0], minlength=len(places))
    if (taken > places).any():
        raise AssignmentError("L'affectation dépasse la capacité d'un parrain.")
