"""One matching: candidates, exact assignment, reasons. Same input, same output."""

import time
from collections.abc import Callable, Iterable

import numpy as np

from .arrays import Mentees, Mentors, Vocabulary, mentees_arrays, mentors_arrays
from .assignment import AssignmentError, assign_optimal, exact_session
from .candidates import (
    CandidateGraph,
    SearchSpace,
    build_candidates,
    declined_keys,
    merged,
    search_space,
)
from .explain import pair_reasons, unmatched_reasons
from .features import (
    FORMES,
    FilleulFeatures,
    Labels,
    Limits,
    MatchingResult,
    ParrainFeatures,
    ProgrammeRules,
    Proposal,
    Unmatched,
    Weights,
)
from .pricing import improving_pairs


class Problem:
    """The arrays of one matching, built once and shared by its steps (and by benchmarks)."""

    def __init__(
        self,
        filleuls: Iterable[FilleulFeatures],
        parrains: Iterable[ParrainFeatures],
        rules: ProgrammeRules,
    ):
        filleuls, parrains = list(filleuls), list(parrains)
        self.rules = rules
        self.sectors = Vocabulary(
            code for person in (*filleuls, *parrains) for code in person.secteurs
        )
        slots = Vocabulary(
            code for person in (*filleuls, *parrains) for code in person.disponibilites
        )
        self.mentees: Mentees = mentees_arrays(filleuls, rules, self.sectors, slots)
        self.mentors: Mentors = mentors_arrays(parrains, rules, self.sectors, slots)
        self.space: SearchSpace = search_space(self.mentees, self.mentors)

    def candidates(self, weights: Weights, limits: Limits) -> CandidateGraph:
        return build_candidates(
            self.mentees,
            self.mentors,
            self.space,
            self.rules,
            weights,
            limits,
            sector_count=len(self.sectors.codes),
        )

    def assign(self, graph: CandidateGraph, *, method: str = "auto") -> np.ndarray:
        return assign_optimal(
            graph.mentee,
            graph.mentor,
            graph.score,
            self.mentors.places,
            len(self.mentees),
            method=method,
        )

    def assign_exact(
        self, graph: CandidateGraph, weights: Weights, limits: Limits, *, solver: str = "auto"
    ) -> tuple[np.ndarray, CandidateGraph, dict]:
        """The optimum over every valid pair, not only the candidates: the assignment on the
        candidates, then the pairs left out priced with its duals (``pricing``), the
        improving ones added and the programme solved again, until none improves.

        Returns the assignment, the candidate graph with the pairs added, and figures."""
        session = exact_session(len(self.mentees), self.mentors.places, solver)
        session.add(graph.mentee, graph.mentor, graph.score)
        declined = declined_keys(self.mentees, self.mentors)
        rounds, added, checked, per_round = 0, 0, 0, []
        pricing_time = solving_time = duals_time = 0.0
        while True:
            started = time.perf_counter()
            chosen = session.solve()
            solving_time += time.perf_counter() - started
            started = time.perf_counter()
            u, w = session.duals()
            duals_time += time.perf_counter() - started
            started = time.perf_counter()
            new, looked_at, complete = improving_pairs(
                self.mentees,
                self.mentors,
                graph,
                u,
                w,
                self.rules,
                weights,
                limits,
                declined,
                per_mentee=PRICED_PER_MENTEE,
                enough=max(MIN_PRICED_PER_ROUND, len(graph) // 10),
            )
            pricing_time += time.perf_counter() - started
            checked += looked_at
            per_round.append((looked_at, len(new)))
            if not len(new) and complete:
                break
            rounds += 1
            if rounds > MAX_PRICING_ROUNDS:
                raise AssignmentError("L'affectation exacte ne converge pas.")
            session.add(new.mentee, new.mentor, new.score)
            graph = merged([graph, new], len(self.mentors))
            added += len(new)
        stats = {
            "resolution_s": solving_time,
            "duaux_s": duals_time,
            "tarification_s": pricing_time,
            "tours_de_tarification": rounds,
            "paires_ajoutees": added,
            "paires_examinees": checked,
            "par_tour": per_round,
        }
        return chosen, graph, stats

    def fill_free_places(
        self, graph: CandidateGraph, chosen: np.ndarray, weights: Weights, limits: Limits
    ) -> tuple[np.ndarray, CandidateGraph, int]:
        """After an assignment on the capped candidates (a national run): the places left
        free that a mentee left without a mentor could take, taken.

        The capped lists hold each mentee's few best mentors, often full; a mentor with
        places left may be valid for a mentee no list paired him with, and a run right
        after would propose that pair (288 of them after a national run on the benchmark's
        data). The valid pairs outside the graph between mentees without a mentor and
        mentors with places left are found by the pricing scan with prohibitive prices on
        everyone else (``improving_pairs``: mentees paired and full mentors cost more than
        any pair is worth), assigned exactly on those pairs and places, again until a scan
        finds none: no such pair remains, so a run right after proposes nothing. The
        assignment already made is kept as it is: the result is not the optimum over every
        valid pair (``assign_exact``), only one where no free place is left that a mentee
        left out could take. Returns the assignment, the graph with the pairs added, and
        the number of mentees paired so."""
        places = self.mentors.places
        prohibitive = float(np.iinfo(np.int32).max) * (len(self.mentees) + 1)
        declined = declined_keys(self.mentees, self.mentors)
        chosen, paired = chosen.copy(), 0
        for _ in range(MAX_PRICING_ROUNDS):
            free = places - np.bincount(chosen[chosen >= 0], minlength=len(places))
            alone = chosen < 0
            if not alone.any() or not (free > 0).any():
                break
            new, _looked_at, _complete = improving_pairs(
                self.mentees,
                self.mentors,
                graph,
                np.where(alone, 0.0, prohibitive),
                np.where(free > 0, 0.0, prohibitive),
                self.rules,
                weights,
                limits,
                declined,
                per_mentee=PRICED_PER_MENTEE,
            )
            new = new.take(alone[new.mentee] & (free[new.mentor] > 0))
            if not len(new):
                break
            graph = merged([graph, new], len(self.mentors))
            extra = assign_optimal(
                new.mentee, new.mentor, new.score, np.maximum(free, 0), len(self.mentees)
            )
            taken = extra >= 0
            if not taken.any():
                break
            chosen[taken] = extra[taken]
            paired += int(taken.sum())
        return chosen, graph, paired


# Pairs of one mentee added per pricing round (the most improving), and rounds at most: each
# round adds pairs the programme did not have, so the bound is only a guard against a fault.
PRICED_PER_MENTEE = 5
MAX_PRICING_ROUNDS = 200
# A round stops scanning once it has found this many improving pairs (or a tenth of the
# graph): early duals find far more than the optimum needs, and each pair found costs a
# check. Only a complete scan that finds none ends the search.
MIN_PRICED_PER_ROUND = 20_000


# The optimum over every valid pair (``Problem.assign_exact``) by default up to this many
# mentee × mentor pairs (a city: 1,500 mentees and 1,000 mentors); beyond, the optimum over
# the capped candidates, as before, and the run says so (``stats["exacte"]``). The pricing
# rounds' tail made exactness take 648 s at 40,000 × 12,000 (benchmarks/README.md,
# « Appariement »): not yet what a national run can wait for. ``method="exact"`` forces it.
EXACTE_JUSQUA = 1_500_000


def match(
    filleuls: Iterable[FilleulFeatures],
    parrains: Iterable[ParrainFeatures],
    rules: ProgrammeRules | None = None,
    weights: Weights | None = None,
    labels: Labels | None = None,
    limits: Limits | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    method: str = "auto",
    options: int = 1,
) -> MatchingResult:
    """Pair mentees with mentors: the assignment with the highest total score.

    ``options`` > 1: each mentee the assignment pairs gets, besides that mentor, the next
    best-scoring valid mentors with places, up to ``options`` in all, to choose from. The
    assignment's mentors alone respect the places: were every mentee to take their first
    option, no mentor would be over capacity.

    ``progress`` is told the percentage done after each step.

    ``method``: ``"auto"`` (exact over every valid pair up to ``EXACTE_JUSQUA``, the capped
    candidates beyond), ``"exact"``, or a solver of the candidates alone (``"lapjv"``,
    ``"lp"``).
    """
    rules, weights = rules or ProgrammeRules(), weights or Weights()
    labels, limits = labels or Labels(), limits or Limits()
    report = progress or (lambda percent: None)
    timings = {}
    started = time.perf_counter()
    problem = Problem(filleuls, parrains, rules)
    graph = problem.candidates(weights, limits)
    timings["candidats_s"] = time.perf_counter() - started
    report(40)

    step = time.perf_counter()
    pricing = {}
    taille = len(problem.mentees) * len(problem.mentors)
    if method == "exact" or (method == "auto" and taille <= EXACTE_JUSQUA):
        chosen, graph, pricing = problem.assign_exact(graph, weights, limits)
        pricing["exacte"] = True
    else:
        chosen = problem.assign(graph, method=method)
        chosen, graph, pricing["places_comblees"] = problem.fill_free_places(
            graph, chosen, weights, limits
        )
        pricing["exacte"] = False
    timings["affectation_s"] = time.perf_counter() - step
    report(80)

    step = time.perf_counter()
    proposals = _proposals(problem, graph, chosen, weights, labels, options)
    unmatched = _unmatched(problem, graph, chosen)
    timings["explications_s"] = time.perf_counter() - step
    report(100)
    stats = {
        **timings,
        "filleuls": len(problem.mentees),
        "parrains": len(problem.mentors),
        "places": int(problem.mentors.places.sum()),
        "paires_candidates": len(graph),
        "candidats_par_filleul": graph.per_mentee,
        **pricing,
    }
    return MatchingResult(proposals=proposals, unmatched=unmatched, stats=stats)


def _options(graph: CandidateGraph, chosen, options: int) -> list[tuple[int, int]]:
    """(edge, rank) of each proposal: the assignment's edge first, then the mentee's other
    edges by decreasing score (ties: the canonical order of the mentors)."""
    picked = np.flatnonzero(chosen[graph.mentee] == graph.mentor)
    if options <= 1:
        return [(k, 0) for k in picked.tolist()]
    order = np.lexsort((np.arange(len(graph)), -graph.score.astype(np.int64), graph.mentee))
    starts = np.searchsorted(graph.mentee[order], graph.mentee[picked])
    result = []
    for k, start in zip(picked.tolist(), starts.tolist(), strict=True):
        result.append((k, 1))
        mentee = graph.mentee[k]
        rank, i = 2, start
        while rank <= options and i < len(order) and graph.mentee[order[i]] == mentee:
            if order[i] != k:
                result.append((int(order[i]), rank))
                rank += 1
            i += 1
    return result


def _proposals(
    problem: Problem, graph: CandidateGraph, chosen, weights, labels, options: int = 1
) -> list[Proposal]:
    mentees, mentors = problem.mentees, problem.mentors
    proposals = []
    for k, rang in _options(graph, chosen, options):
        filleul = mentees.people[graph.mentee[k]]
        parrain = mentors.people[graph.mentor[k]]
        distance = float(graph.distance_km[k])
        proposals.append(
            Proposal(
                filleul_id=filleul.id,
                parrain_id=parrain.id,
                forme=FORMES[graph.forme[k]],
                score=int(graph.score[k]),
                reasons=pair_reasons(graph, k, filleul, parrain, weights, labels),
                distance_km=None if np.isnan(distance) else round(distance, 1),
                rang=rang,
            )
        )
    return proposals


def _unmatched(problem: Problem, graph: CandidateGraph, chosen) -> list[Unmatched]:
    mentees = problem.mentees
    todo = np.flatnonzero(chosen < 0)
    has_candidates = np.zeros(len(mentees), dtype=bool)
    has_candidates[graph.mentee] = True
    reasons = unmatched_reasons(
        todo,
        mentees,
        problem.mentors,
        problem.space,
        problem.rules,
        declined_keys(mentees, problem.mentors),
        has_candidates,
    )
    return [Unmatched(filleul_id=int(mentees.ids[i]), reason=reasons[i]) for i in todo.tolist()]
