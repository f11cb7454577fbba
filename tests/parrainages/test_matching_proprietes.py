"""Properties of the matching core on random small instances (hypothesis)."""

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parrainages.matching import (
    FORMES,
    FilleulFeatures,
    Limits,
    ParrainFeatures,
    Problem,
    ProgrammeRules,
    Weights,
    assign_optimal,
    match,
)
from parrainages.matching.geo import distances_km

SECTEURS = ["F", "G", "H", "K"]
CRENEAUX = ["lun_soir", "mar_soir", "sam_matin"]
VILLES = [(48.86, 2.35, "75"), (48.58, 7.75, "67"), (43.60, 1.44, "31"), (48.90, 2.30, "92")]


@st.composite
def instances(draw):
    rng = random.Random(draw(st.integers(0, 10_000)))
    n_filleuls, n_parrains = draw(st.integers(1, 6)), draw(st.integers(1, 4))

    def lieu():
        lat, lon, dep = rng.choice(VILLES)
        return lat + rng.uniform(-0.2, 0.2), lon + rng.uniform(-0.2, 0.2), dep

    filleuls = []
    for i in range(n_filleuls):
        lat, lon, dep = lieu()
        filleuls.append(
            FilleulFeatures(
                id=i + 1,
                latitude=lat,
                longitude=lon,
                departement=dep,
                secteurs=frozenset(rng.sample(SECTEURS, rng.randint(0, 2))),
                disponibilites=frozenset(rng.sample(CRENEAUX, rng.randint(0, 2))),
                niveau_diplome=rng.choice([0, 3, 4, 6]),
                attente_jours=rng.randint(0, 200),
                distanciel_accepte=rng.random() < 0.5,
                parrains_exclus=frozenset(j + 101 for j in range(n_parrains) if rng.random() < 0.2),
            )
        )
    parrains = []
    for j in range(n_parrains):
        lat, lon, dep = lieu()
        parrains.append(
            ParrainFeatures(
                id=j + 101,
                latitude=lat,
                longitude=lon,
                departement=dep,
                secteurs=frozenset(rng.sample(SECTEURS, rng.randint(1, 2))),
                disponibilites=frozenset(rng.sample(CRENEAUX, rng.randint(0, 2))),
                annees_experience=rng.randint(1, 30),
                places=rng.randint(1, 3),
                distanciel_accepte=rng.random() < 0.5,
                formes=frozenset(rng.sample(list(FORMES), rng.randint(1, len(FORMES)))),
            )
        )
    regles = ProgrammeRules(
        distance_max_km=rng.choice([None, 30.0, 600.0]),
        departements=frozenset(rng.sample(["75", "67", "31", "92"], rng.randint(0, 3))),
    )
    return filleuls, parrains, regles


def _distance(a, b):
    return distances_km(a.latitude, a.longitude, b.latitude, b.longitude)


def test_great_circle_distances_between_known_places():
    paris, marseille = (48.8566, 2.3522), (43.2965, 5.3698)
    assert distances_km(*paris, *marseille) == pytest.approx(660.5, abs=1)
    assert distances_km(*paris, *paris) == 0
    assert math.isnan(distances_km(float("nan"), 2.0, *marseille))


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances())
def test_hard_rules_and_capacities_always_hold(instance):
    filleuls, parrains, regles = instance
    resultat = match(filleuls, parrains, regles)
    par_id_f = {f.id: f for f in filleuls}
    par_id_p = {p.id: p for p in parrains}
    vus = [p.filleul_id for p in resultat.proposals]
    assert len(vus) == len(set(vus)), "un filleul apparié deux fois"
    charge = {}
    for prop in resultat.proposals:
        f, p = par_id_f[prop.filleul_id], par_id_p[prop.parrain_id]
        charge[p.id] = charge.get(p.id, 0) + 1
        assert prop.forme in p.formes and prop.forme in regles.formes
        assert p.id not in f.parrains_exclus
        a_distance = f.distanciel_accepte and p.distanciel_accepte
        if regles.departements:
            # Mentees were checked against the territory when they applied; mentors are met
            # in person only inside it.
            assert p.departement in regles.departements or a_distance
        if regles.distance_max_km is not None and not (
            f.distanciel_accepte and p.distanciel_accepte
        ):
            assert _distance(f, p) <= regles.distance_max_km + 0.5
        assert sum(r.points for r in prop.reasons) == prop.score
    for parrain_id, n in charge.items():
        assert n <= par_id_p[parrain_id].places
    apparies = set(vus) | {u.filleul_id for u in resultat.unmatched}
    assert apparies == set(par_id_f), "chaque filleul est apparié ou dit pourquoi il ne l'est pas"


@FAST
@given(instances(), st.randoms(use_true_random=False))
def test_same_input_same_output_whatever_the_order(instance, rnd):
    filleuls, parrains, regles = instance
    premier = match(filleuls, parrains, regles)
    melanges_f, melanges_p = list(filleuls), list(parrains)
    rnd.shuffle(melanges_f)
    rnd.shuffle(melanges_p)
    second = match(melanges_f, melanges_p, regles)
    cle = lambda r: sorted((p.filleul_id, p.parrain_id, p.score) for p in r.proposals)  # noqa: E731
    assert cle(premier) == cle(second)


def _optimum_exhaustif(graph, places, n_filleuls):
    """The best total over every assignment of the candidate graph (unmatched allowed)."""
    aretes = {}
    for k in range(len(graph)):
        aretes.setdefault(int(graph.mentee[k]), []).append(
            (int(graph.mentor[k]), int(graph.score[k]))
        )
    meilleur = 0
    options = [[(None, 0), *aretes.get(i, [])] for i in range(n_filleuls)]
    for choix in itertools.product(*options):
        charge = {}
        for parrain, _ in choix:
            if parrain is not None:
                charge[parrain] = charge.get(parrain, 0) + 1
        if all(n <= places[j] for j, n in charge.items()):
            meilleur = max(meilleur, sum(score for _, score in choix))
    return meilleur


@pytest.mark.parametrize("method", ["lapjv", "lp", "flow"])
@FAST
@given(instances())
def test_total_score_is_the_exhaustive_optimum(method, instance):
    """Every exact solver (the one for small problems, the two for national ones)."""
    filleuls, parrains, regles = instance
    probleme = Problem(filleuls, parrains, regles)
    graph = probleme.candidates(Weights(), Limits())
    places = probleme.mentors.places
    choisi = assign_optimal(
        graph.mentee, graph.mentor, graph.score, places, len(filleuls), method=method
    )
    total = 0
    for k in range(len(graph)):
        if choisi[graph.mentee[k]] == graph.mentor[k]:
            total += int(graph.score[k])
    assert total == _optimum_exhaustif(graph, places, len(filleuls))
    assert np.all(np.bincount(choisi[choisi >= 0], minlength=len(places)) <= places)


# OR-Tools is a dependency of the project (requirements/base.lock): no skip.
SOLVEURS_EXACTS = ["lp", "flow"]
# One candidate per mentee: the capped list misses most valid pairs.
UN_CANDIDAT = Limits(edge_budget=1, min_candidates=1, max_candidates=1)


def _tous_les_candidats(probleme):
    tous = len(probleme.mentors)
    return probleme.candidates(
        Weights(), Limits(edge_budget=10**9, min_candidates=tous, max_candidates=tous)
    )


def _total(graph, choisi):
    pris = choisi[graph.mentee] == graph.mentor
    return int(graph.score[pris].sum()), int(pris.sum())


@pytest.mark.parametrize("solver", SOLVEURS_EXACTS)
@FAST
@given(instances())
def test_pricing_reaches_the_optimum_over_every_valid_pair(solver, instance):
    """With a single candidate per mentee, the duals price the pairs left out until the
    assignment is the exhaustive optimum over all valid pairs."""
    filleuls, parrains, regles = instance
    probleme = Problem(filleuls, parrains, regles)
    capped = probleme.candidates(Weights(), UN_CANDIDAT)
    choisi, graph, _ = probleme.assign_exact(capped, Weights(), UN_CANDIDAT, solver=solver)
    tous = _tous_les_candidats(probleme)
    assert _total(graph, choisi)[0] == _optimum_exhaustif(
        tous, probleme.mentors.places, len(filleuls)
    )
    assert np.all(
        np.bincount(choisi[choisi >= 0], minlength=len(parrains)) <= probleme.mentors.places
    )


def _optimum_dense(probleme, graph):
    """The dense assignment of every valid pair (scipy, one column per place and one
    "no mentor" column per mentee), valued as the engine values them."""
    from scipy.optimize import linear_sum_assignment

    places = probleme.mentors.places
    lignes, n_places = len(probleme.mentees), int(places.sum())
    premiere = np.r_[0, np.cumsum(places)[:-1]]
    valeurs = np.full((lignes, n_places + lignes), -1.0)
    valeurs[np.arange(lignes), n_places + np.arange(lignes)] = 0.0
    valeur = graph.score.astype(np.float64) * (lignes + 1) + 1
    for copie in range(int(places.max(initial=0))):
        a = places[graph.mentor] > copie
        valeurs[graph.mentee[a], premiere[graph.mentor[a]] + copie] = valeur[a]
    r, c = linear_sum_assignment(valeurs, maximize=True)
    parrain_de = np.repeat(np.arange(len(places)), places)
    choisi = np.full(lignes, -1, dtype=np.int64)
    reel = c < n_places
    choisi[r[reel]] = parrain_de[c[reel]]
    return _total(graph, choisi)


def _france(seed, n_filleuls, n_parrains):
    rng = np.random.default_rng(seed)
    villes = [(48.86, 2.35), (45.76, 4.84), (43.30, 5.37)]

    def lieu():
        lat, lon = villes[rng.integers(len(villes))]
        return float(lat + rng.normal(0, 0.15)), float(lon + rng.normal(0, 0.15))

    filleuls = [
        FilleulFeatures(
            id=i + 1,
            latitude=(ll := lieu())[0],
            longitude=ll[1],
            secteurs=frozenset(rng.choice(SECTEURS, size=rng.integers(1, 3), replace=False)),
            disponibilites=frozenset(rng.choice(CRENEAUX, size=2, replace=False)),
            niveau_diplome=int(rng.choice([0, 3, 4, 6])),
            attente_jours=int(rng.integers(0, 120)),
            distanciel_accepte=bool(rng.random() < 0.6),
        )
        for i in range(n_filleuls)
    ]
    parrains = [
        ParrainFeatures(
            id=1000 + j,
            latitude=(ll := lieu())[0],
            longitude=ll[1],
            secteurs=frozenset(rng.choice(SECTEURS, size=2, replace=False)),
            disponibilites=frozenset(rng.choice(CRENEAUX, size=2, replace=False)),
            annees_experience=int(rng.integers(1, 25)),
            places=int(rng.integers(1, 4)),
            distanciel_accepte=bool(rng.random() < 0.5),
        )
        for j in range(n_parrains)
    ]
    return filleuls, parrains


@pytest.mark.parametrize("solver", SOLVEURS_EXACTS)
def test_the_capped_candidates_miss_the_dense_optimum_and_pricing_finds_it(solver):
    regles = ProgrammeRules(distance_max_km=30.0)
    manques = 0
    for seed in range(4):
        filleuls, parrains = _france(seed, 80, 25)
        probleme = Problem(filleuls, parrains, regles)
        capped = probleme.candidates(Weights(), UN_CANDIDAT)
        dense = _optimum_dense(probleme, _tous_les_candidats(probleme))
        manques += _total(capped, probleme.assign(capped)) != dense
        choisi, graph, stats = probleme.assign_exact(capped, Weights(), UN_CANDIDAT, solver=solver)
        assert _total(graph, choisi) == dense
        assert stats["paires_ajoutees"] > 0
    # The instances are such that the capped list alone falls short.
    assert manques == 4


def test_match_is_exact_over_every_valid_pair():
    regles = ProgrammeRules(distance_max_km=30.0)
    filleuls, parrains = _france(7, 80, 25)
    resultat = match(filleuls, parrains, regles, limits=UN_CANDIDAT)
    probleme = Problem(filleuls, parrains, regles)
    score, binomes = _optimum_dense(probleme, _tous_les_candidats(probleme))
    assert (resultat.total_score, len(resultat.proposals)) == (score, binomes)
    assert resultat.stats["tours_de_tarification"] > 0


def test_or_tools_is_installed_with_the_project():
    """The national assignment's solver (five times HiGHS's speed there) is a dependency,
    not an option: without it the engine would fall back on HiGHS silently."""
    from parrainages.matching.assignment import flow_solver_available

    assert flow_solver_available()


def test_a_large_assignment_goes_to_the_flow_solver(monkeypatch):
    """Past Jonker–Volgenant's size, the candidates' assignment is OR-Tools' min-cost flow
    (HiGHS only where OR-Tools is missing), with the same optimum as HiGHS."""
    from parrainages.matching import assignment

    rng = np.random.default_rng(3)
    mentee = np.repeat(np.arange(60), 4)
    mentor = np.concatenate([np.sort(rng.choice(20, 4, replace=False)) for _ in range(60)])
    score = rng.integers(0, 100, len(mentee))
    places = rng.integers(1, 4, 20)
    appels = []
    vrai = assignment._solve_flow
    monkeypatch.setattr(assignment, "LAPJV_MAX_WORK", 0)
    monkeypatch.setattr(assignment, "_solve_flow", lambda *a: appels.append(1) or vrai(*a))
    par_flot = assignment.assign_optimal(mentee, mentor, score, places, 60)
    par_highs = assignment.assign_optimal(mentee, mentor, score, places, 60, method="lp")
    assert appels == [1]

    def total(choisi):
        pris = choisi[mentee] == mentor
        return int(score[pris].sum()), int(pris.sum())

    assert total(par_flot) == total(par_highs)


@FAST
@given(instances())
def test_after_the_capped_assignment_no_free_place_is_left_that_a_mentee_left_out_could_take(
    instance,
):
    """A national run assigns on capped candidates: with one candidate per mentee here, the
    places left free that a mentee without a mentor could validly take are taken after
    (``Problem.fill_free_places``), so a run right after would find nothing to add; what the
    assignment gave stays, and the total only grows."""
    filleuls, parrains, regles = instance
    probleme = Problem(filleuls, parrains, regles)
    capped = probleme.candidates(Weights(), UN_CANDIDAT)
    avant = probleme.assign(capped, method="lp")
    choisi, graph, comblees = probleme.fill_free_places(capped, avant, Weights(), UN_CANDIDAT)
    places = probleme.mentors.places
    charge = np.bincount(choisi[choisi >= 0], minlength=len(places))
    assert np.all(charge <= places)
    assert np.all(choisi[avant >= 0] == avant[avant >= 0])
    assert comblees == int(((avant < 0) & (choisi >= 0)).sum())
    tous = _tous_les_candidats(probleme)
    libres = charge < places
    restantes = (choisi[tous.mentee] < 0) & libres[tous.mentor]
    assert not restantes.any(), "une place libre reste prenable par un filleul sans parrain"
    assert _total(graph, choisi)[0] >= _total(capped, avant)[0]
