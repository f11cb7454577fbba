"""The exact assignment on the candidate graph, and the greedy baseline it is compared with.

The problem is a bipartite b-matching: each mentee gets at most one mentor, each mentor at most
their places left, and the total score is as high as possible. Among the assignments with the
highest total score, the one pairing the most mentees wins: a pair valued ``score × (n + 1) + 1``
(``n`` mentees) makes the pairing count a tie-break that can never outweigh one point of score.

Three exact solvers, chosen by size:

- small problems: scipy's sparse Jonker–Volgenant (``min_weight_full_bipartite_matching``) on
  the mentors' places expanded into one column per place, plus one "unmatched" column per
  mentee. Its running time grows with rows × columns, hence only for small problems;
- large ones: the same problem as a minimum-cost flow solved by OR-Tools' network solver
  (``SimpleMinCostFlow``, cost scaling): the national assignment (1.6 M candidate pairs) in
  about a fifth of HiGHS's time, same optimum (benchmarks/README.md, « Appariement »);
- or, as a linear programme, by HiGHS's dual simplex (highspy): its constraint matrix
  (incidence of a bipartite graph) is totally unimodular, so the optimal basic solution the
  simplex returns is integral: an exact assignment, checked below.
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
        if rows * (int(slots.sum()) + rows) <= LAPJV_MAX_WORK:
            method = "lapjv"
        else:
            method = "flow" if flow_solver_available() else "lp"
    solver = {"lapjv": _solve_lapjv, "lp": _solve_lp, "flow": _solve_flow}[method]
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


def _solve_flow(mentee, mentor, values, slots) -> np.ndarray:
    """Indices of the chosen edges, by OR-Tools' minimum-cost flow (``_flow``); edges to a
    mentor without places are left out."""
    edges = np.flatnonzero(slots[mentor] > 0)
    picked = _flow(mentee[edges], mentor[edges], values[edges], slots, int(mentee.max()) + 1)
    return edges[picked]


def _flow(mentee, mentor, values, places, mentees: int) -> np.ndarray:
    """Which edges carry flow in OR-Tools' minimum-cost flow: each mentee supplies one unit,
    which goes to a mentor (cost ``−value``) or straight to the sink (cost 0: unmatched);
    each mentor passes at most its places to the sink. Integral by nature. Nodes: mentees
    0..``mentees``−1, mentors after them, the sink last; every mentor of an edge has places."""
    from ortools.graph.python import min_cost_flow

    rows = np.unique(mentee)
    used = np.unique(mentor)
    sink = mentees + len(places)
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.r_[mentee, rows, mentees + used]
    heads = np.r_[mentees + mentor, np.full(len(rows), sink), np.full(len(used), sink)]
    capacities = np.r_[np.ones(len(mentee) + len(rows), np.int64), places[used].astype(np.int64)]
    costs = np.r_[-values.astype(np.int64), np.zeros(len(rows) + len(used), np.int64)]
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supplies = np.zeros(sink + 1, np.int64)
    supplies[rows] = 1
    supplies[sink] = -len(rows)
    flow.set_nodes_supplies(np.arange(sink + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise AssignmentError(f"Le solveur de flot n'a pas abouti : {status}")
    return np.asarray(flow.flows(np.arange(len(mentee)))) > 0


def _check(chosen: np.ndarray, places: np.ndarray):
    taken = np.bincount(chosen[chosen >= 0], minlength=len(places))
    if (taken > places).any():
        raise AssignmentError("L'affectation dépasse la capacité d'un parrain.")


class LpSession:
    """The whole problem as one linear programme that grows: a row for every mentee and for
    every mentor with places (their real places, not capped by the pairs known so far), a
    column per pair added. Solved again after pairs are added, from the last basis.

    ``duals()`` gives, in value units, the mentees' ``u ≥ 0`` and the mentors' ``w ≥ 0``
    (zero where a row has no pair yet), for pricing the pairs left out."""

    def __init__(self, mentees: int, places: np.ndarray):
        self.mentees = mentees
        self.places = places
        used = np.flatnonzero(places > 0)
        self.mentor_row = np.full(len(places), -1, dtype=np.int64)
        self.mentor_row[used] = mentees + np.arange(len(used))
        self.used = used
        self.mentee = np.empty(0, np.int64)
        self.mentor = np.empty(0, np.int64)
        model = highspy.HighsLp()
        model.num_col_ = 0
        model.num_row_ = mentees + len(used)
        model.row_lower_ = np.full(model.num_row_, -highspy.kHighsInf)
        model.row_upper_ = np.r_[np.ones(mentees), places[used]].astype(np.float64)
        model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        model.a_matrix_.start_ = np.zeros(1, dtype=np.int32)
        self.solver = _Highs()
        for option, value in LP_OPTIONS.items():
            self.solver.setOptionValue(option, value)
        self.solver.passModel(model)

    def add(self, mentee: np.ndarray, mentor: np.ndarray, score: np.ndarray):
        """Columns for the pairs (``mentee[k]``, ``mentor[k]``) of score ``score[k]``; the
        mentor must have places."""
        if not len(mentee):
            return
        rows = self.mentor_row[mentor]
        if (rows < 0).any():
            raise AssignmentError("Une paire ajoutée vise un parrain sans place.")
        n = len(mentee)
        index = np.empty(2 * n, dtype=np.int32)
        index[0::2], index[1::2] = mentee, rows
        values = pair_values(score, self.mentees).astype(np.float64)
        status = self.solver.addCols(
            n,
            -values,
            np.zeros(n),
            np.ones(n),
            2 * n,
            np.arange(0, 2 * n, 2, dtype=np.int32),
            index,
            np.ones(2 * n),
        )
        if status == highspy.HighsStatus.kError:
            raise AssignmentError("Le solveur a refusé les paires ajoutées.")
        self.mentee = np.r_[self.mentee, mentee]
        self.mentor = np.r_[self.mentor, mentor]

    def solve(self) -> np.ndarray:
        """For each mentee, the index of its mentor in the optimum over the columns, or -1."""
        chosen = np.full(self.mentees, -1, dtype=np.int64)
        if not len(self.mentee):
            return chosen
        self.solver.run()
        if self.solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            status = self.solver.modelStatusToString(self.solver.getModelStatus())
            raise AssignmentError(f"Le solveur n'a pas abouti : {status}")
        x = np.asarray(self.solver.getSolution().col_value)
        picked = x > 0.5
        if np.abs(x - picked).max(initial=0.0) > INTEGRALITY_TOLERANCE:
            raise AssignmentError("Le solveur a rendu une affectation fractionnaire.")
        chosen[self.mentee[picked]] = self.mentor[picked]
        _check(chosen, self.places)
        return chosen

    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        if not len(self.mentee):
            return np.zeros(self.mentees), np.zeros(len(self.places))
        row_dual = -np.asarray(self.solver.getSolution().row_dual)
        u = np.maximum(row_dual[: self.mentees], 0.0)
        w = np.zeros(len(self.places))
        w[self.used] = np.maximum(row_dual[self.mentees :], 0.0)
        return u, w


class FlowSession:
    """The same problem as ``LpSession``, as a minimum-cost flow solved by OR-Tools'
    ``SimpleMinCostFlow`` (a network solver made for it), from scratch at each solve.

    Each mentee supplies one unit, which goes to a mentor (cost ``−value``) or straight to
    the sink (cost 0: unmatched); each mentor passes at most its places to the sink. The
    duals are the shortest-path distances in the residual network of the optimal flow
    (Bellman–Ford from every node at once): for them every residual arc has a non-negative
    reduced cost, which is the optimality of the flow, and, read as ``u[i] = d(i) − d(sink)``
    and ``w[j] = d(sink) − d(j)`` (clipped at 0), the dual optimum of the linear programme."""

    def __init__(self, mentees: int, places: np.ndarray):
        from ortools.graph.python import min_cost_flow  # noqa: F401 (fails early if absent)

        self.mentees = mentees
        self.places = places
        self.mentee = np.empty(0, np.int64)
        self.mentor = np.empty(0, np.int64)
        self.values = np.empty(0, np.int64)
        self.chosen = np.full(mentees, -1, dtype=np.int64)

    def add(self, mentee: np.ndarray, mentor: np.ndarray, score: np.ndarray):
        if (self.places[mentor] <= 0).any():
            raise AssignmentError("Une paire ajoutée vise un parrain sans place.")
        self.mentee = np.r_[self.mentee, mentee]
        self.mentor = np.r_[self.mentor, mentor]
        self.values = np.r_[self.values, pair_values(score, self.mentees)]

    def _nodes(self):
        # Mentees 0..n-1, mentors n..n+m-1, the sink n+m.
        n, m = self.mentees, len(self.places)
        return n, m, n + m

    def solve(self) -> np.ndarray:
        chosen = np.full(self.mentees, -1, dtype=np.int64)
        if len(self.mentee):
            picked = _flow(self.mentee, self.mentor, self.values, self.places, self.mentees)
            chosen[self.mentee[picked]] = self.mentor[picked]
            _check(chosen, self.places)
        self.chosen = chosen
        return chosen

    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        n, m, sink = self._nodes()
        if not len(self.mentee):
            return np.zeros(n), np.zeros(m)
        chosen = self.chosen
        load = np.bincount(chosen[chosen >= 0], minlength=m)
        matched = chosen[self.mentee] == self.mentor
        rows = np.unique(self.mentee)
        is_matched = chosen >= 0
        mentors = np.arange(m)
        # The residual network (mentee → mentor arcs are uncapacitated: the mentee's one
        # unit bounds them anyway, and their two directions pin u + w = value when chosen).
        tails = np.r_[
            self.mentee,
            n + self.mentor[matched],
            rows[is_matched[rows]],
            np.full(int((~is_matched[rows]).sum()), sink),
            n + mentors[load < self.places],
            np.full(int((load > 0).sum()), sink),
        ]
        heads = np.r_[
            n + self.mentor,
            self.mentee[matched],
            np.full(int(is_matched[rows].sum()), sink),
            rows[~is_matched[rows]],
            np.full(int((load < self.places).sum()), sink),
            n + mentors[load > 0],
        ]
        costs = np.r_[
            -self.values,
            self.values[matched],
            np.zeros(len(tails) - len(self.values) - int(matched.sum()), np.int64),
        ]
        d = shortest_distances(tails, heads, costs, sink + 1)
        # A mentee without any pair yet is not in the network: its constraint is slack.
        u = np.zeros(n)
        u[rows] = np.maximum(d[rows] - d[sink], 0)
        w = np.maximum(d[sink] - d[n : n + m], 0).astype(np.float64)
        return u, w


def shortest_distances(tails, heads, costs, nodes: int) -> np.ndarray:
    """Distances from a virtual source joined to every node at cost 0 (so all ≤ 0), by
    Bellman–Ford relaxing only the arcs of the nodes whose distance changed last round.
    The network must have no negative cycle (the flow is optimal)."""
    order = np.argsort(tails, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    first = np.searchsorted(tails, np.arange(nodes + 1))
    d = np.zeros(nodes, dtype=np.int64)
    active = np.flatnonzero(first[1:] > first[:-1])
    for _ in range(nodes + 1):
        starts, ends = first[active], first[active + 1]
        sizes = ends - starts
        if not sizes.sum():
            return d
        arcs = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        reach = d[tails[arcs]] + costs[arcs]
        better = reach < d[heads[arcs]]
        if not better.any():
            return d
        before = d.copy()
        np.minimum.at(d, heads[arcs[better]], reach[better])
        active = np.flatnonzero(d < before)
    raise AssignmentError("Cycle négatif dans le réseau résiduel : le flot n'est pas optimal.")


def flow_solver_available() -> bool:
    try:
        import ortools.graph.python.min_cost_flow  # noqa: F401
    except ImportError:
        return False
    return True


def exact_session(mentees: int, places: np.ndarray, solver: str = "auto"):
    """The growing problem of ``Problem.assign_exact``: OR-Tools' min-cost flow where it is
    installed, HiGHS's dual simplex otherwise (or as asked: ``"flow"``, ``"lp"``)."""
    if solver == "auto":
        solver = "flow" if flow_solver_available() else "lp"
    return {"flow": FlowSession, "lp": LpSession}[solver](mentees, places)
