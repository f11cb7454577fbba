"""The matching engine at national and city scale (prints figures; not a test).

National scale, in memory, no database (200,000 mentees, 50,000 mentors, capacities 1–5):

    DEBUG=1 .venv/bin/python benchmarks/matching.py national [--mentees 200000 --mentors 50000]

Prints the time of candidate generation, of the exact assignment and in all, the peak memory,
the total score and pairs of the optimal assignment and of a greedy baseline on the same
candidate graph (best pairs first). Targets: ≤ 60 s and ≤ 2 GB; optimal ≥ greedy.

Against a plain dense assignment (every valid pair, no candidate bound), on a size a dense
matrix allows:

    DEBUG=1 .venv/bin/python benchmarks/matching.py dense [--mentees 3000 --mentors 1000]

The national task through the database (read, engine, write), on a throwaway copy of the
national benchmark database (``seed_scale`` 200,000 mentees): every pair of the programme
is expired first, so that all its retained mentees and all places are to match again:

    createdb -h 127.0.0.1 -U postgres -T bench_national bench_matching
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_matching \\
        .venv/bin/python benchmarks/matching.py national-db --copie
    dropdb -h 127.0.0.1 -U postgres bench_matching

City scale, end to end through the database, on a throwaway database:

    createdb -h 127.0.0.1 -U postgres bench_matching
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_matching \\
        .venv/bin/python benchmarks/matching.py ville [--mentees 1000 --mentors 1000]
    dropdb -h 127.0.0.1 -U postgres bench_matching

It migrates the database, inserts a programme around Paris with its mentors and retained
mentees in bulk, runs the matching service twice (the second run must create nothing) and
prints the time and the queries of each run, reads and writes apart. Target: ≤ 2 s.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from demo.scale import CENTRES  # noqa: E402
from parrainages.matching import (  # noqa: E402
    FORMES,
    FilleulFeatures,
    Labels,
    Limits,
    ParrainFeatures,
    Problem,
    ProgrammeRules,
    Weights,
    assign_greedy,
    match,
)
from programmes.models import Disponibilite  # noqa: E402

SECTEURS = "ABCDEFGHIJKLMN"
# Some domains recruit (and mentor) more than others.
POIDS_SECTEURS = np.array([2, 1, 5, 9, 3, 7, 8, 7, 5, 8, 7, 1, 9, 6], dtype=np.float64)
NIVEAUX = ([0, 2, 3, 4, 5, 6, 7, 8], [10, 8, 17, 25, 15, 13, 11, 1])
CAPACITES = ([1, 2, 3, 4, 5], [15, 25, 30, 15, 15])
DISTANCE_MAX_KM = 30
# Share of people living away from the big cities, around small towns.
PART_RURALE = 0.15
BOURGS = 400


def n(number) -> str:
    return f"{number:,}".replace(",", " ")


def seconds(value: float) -> str:
    return f"{value:.2f} s".replace(".", ",")


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mb(value: float) -> str:
    return f"{n(round(value))} Mo"


# --- Synthetic France --------------------------------------------------------------------------


def places(rng, count: int, towns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates: most people around the big cities (spread by size), the rest near towns."""
    weights = np.array([c[4] for c in CENTRES])
    centre = rng.choice(len(CENTRES), size=count, p=weights / weights.sum())
    lat0 = np.array([c[2] for c in CENTRES])[centre]
    lon0 = np.array([c[3] for c in CENTRES])[centre]
    spread_km = 5.0 + 4.0 * np.sqrt(weights[centre])
    rural = rng.random(count) < PART_RURALE
    town = rng.integers(0, len(towns), size=count)
    lat0 = np.where(rural, towns[town, 0], lat0)
    lon0 = np.where(rural, towns[town, 1], lon0)
    spread_km = np.where(rural, 4.0, spread_km)
    lat = lat0 + rng.normal(0.0, 1.0, count) * spread_km / 111.2
    lon = lon0 + rng.normal(0.0, 1.0, count) * spread_km / (111.2 * np.cos(np.radians(lat0)))
    return lat, lon


def subsets(rng, count: int, codes, low: int, high: int, p=None) -> list[frozenset[str]]:
    """Random subsets of ``low`` to ``high`` codes, drawn without replacement (Gumbel top-k)."""
    weights = np.ones(len(codes)) if p is None else np.asarray(p)
    keys = np.log(weights) + rng.gumbel(size=(count, len(codes)))
    order = np.argsort(-keys, axis=1)[:, :high]
    sizes = rng.integers(low, high + 1, size=count)
    codes = np.asarray(codes)
    return [
        frozenset(codes[row[:k]].tolist()) for row, k in zip(order, sizes.tolist(), strict=True)
    ]


def synthetic_france(mentees: int, mentors: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    towns = np.column_stack((rng.uniform(43.2, 50.3, BOURGS), rng.uniform(-1.2, 7.0, BOURGS)))
    slots = np.array(Disponibilite.values)
    p_sectors = POIDS_SECTEURS / POIDS_SECTEURS.sum()
    codes = np.array(list(SECTEURS))

    lat, lon = places(rng, mentees, towns)
    wished = subsets(rng, mentees, codes, 1, 3, p_sectors)
    free = subsets(rng, mentees, slots, 2, 7)
    levels = rng.choice(NIVEAUX[0], size=mentees, p=np.array(NIVEAUX[1]) / sum(NIVEAUX[1]))
    waiting = rng.integers(0, 180, size=mentees)
    filleuls = [
        FilleulFeatures(
            id=i + 1,
            latitude=float(lat[i]),
            longitude=float(lon[i]),
            secteurs=wished[i],
            disponibilites=free[i],
            niveau_diplome=int(levels[i]),
            attente_jours=int(waiting[i]),
        )
        for i in range(mentees)
    ]

    lat, lon = places(rng, mentors, towns)
    covered = subsets(rng, mentors, codes, 1, 3, p_sectors)
    free = subsets(rng, mentors, slots, 2, 7)
    capacity = rng.choice(CAPACITES[0], size=mentors, p=np.array(CAPACITES[1]) / 100)
    years = rng.integers(3, 36, size=mentors)
    remote = rng.random(mentors) < 0.7
    draws = rng.random((mentors, 3))
    parrains = []
    for j in range(mentors):
        forms = {
            f for f, d, share in zip(FORMES, draws[j], (0.9, 0.45, 0.3), strict=True) if d < share
        }
        parrains.append(
            ParrainFeatures(
                id=j + 1,
                latitude=float(lat[j]),
                longitude=float(lon[j]),
                secteurs=covered[j],
                disponibilites=free[j],
                annees_experience=int(years[j]),
                places=int(capacity[j]),
                distanciel_accepte=bool(remote[j]),
                formes=frozenset(forms or {FORMES[0]}),
            )
        )
    # A few mentees were already declined by a mentor.
    declined = rng.choice(mentees, size=mentees // 50, replace=False)
    for i in declined.tolist():
        person = filleuls[i]
        filleuls[i] = FilleulFeatures(
            **{
                **{name: getattr(person, name) for name in FilleulFeatures.__slots__},
                "parrains_exclus": frozenset({int(rng.integers(1, mentors + 1))}),
            }
        )
    return filleuls, parrains


# --- National ----------------------------------------------------------------------------------


def national(args):
    rules = ProgrammeRules(formes=frozenset(FORMES), distance_max_km=DISTANCE_MAX_KM)
    weights, limits = Weights(), Limits()
    started = time.perf_counter()
    filleuls, parrains = synthetic_france(args.mentees, args.mentors, args.seed)
    print(
        f"Données synthétiques : {n(args.mentees)} filleuls, {n(args.mentors)} parrains "
        f"({n(sum(p.places for p in parrains))} places), distance maximale {DISTANCE_MAX_KM} km "
        f"— générées en {seconds(time.perf_counter() - started)}"
    )

    started = time.perf_counter()
    problem = Problem(filleuls, parrains, rules)
    graph = problem.candidates(weights, limits)
    candidates_time = time.perf_counter() - started
    print(
        f"Génération des candidats : {seconds(candidates_time)} — {n(len(graph))} paires "
        f"(au plus {graph.per_mentee} par filleul) — mémoire maximale jusqu'ici "
        f"{mb(peak_memory_mb())}"
    )

    step = time.perf_counter()
    optimal = problem.assign(graph)
    assignment_time = time.perf_counter() - step
    print(
        "Affectation exacte sur les candidats (celle du service : OR-Tools, flot à coût "
        f"minimum) : {seconds(assignment_time)}"
    )
    if args.highs:
        side_by_side_highs(problem, graph, optimal)
    print(f"Total (candidats + affectation) : {seconds(candidates_time + assignment_time)}")

    step = time.perf_counter()
    greedy = assign_greedy(
        graph.mentee, graph.mentor, graph.score, problem.mentors.places, len(problem.mentees)
    )
    greedy_time = time.perf_counter() - step

    for label, chosen, duration in (
        ("optimale", optimal, assignment_time),
        ("gloutonne", greedy, greedy_time),
    ):
        score, pairs = totals(graph, chosen)
        print(
            f"Affectation {label} : score total {n(score)}, {n(pairs)} binômes "
            f"({100 * pairs / len(filleuls):.1f} % des filleuls), score moyen "
            f"{score / max(pairs, 1):.2f} — {seconds(duration)}"
        )
    best, greedy_best = totals(graph, optimal)[0], totals(graph, greedy)[0]
    gain = 100 * (best - greedy_best) / max(greedy_best, 1)
    print(f"Optimale ≥ gloutonne : {'oui' if best >= greedy_best else 'NON'} (+{gain:.2f} %)")
    print(f"Mémoire maximale du processus : {mb(peak_memory_mb())}")
    if best < greedy_best:
        sys.exit(1)

    if args.full:
        started = time.perf_counter()
        result = match(filleuls, parrains, rules, weights, Labels(), limits)
        print(
            f"match() de bout en bout (avec raisons et diagnostics) : "
            f"{seconds(time.perf_counter() - started)}, {n(len(result.proposals))} propositions"
        )
        summary = {}
        for item in result.unmatched:
            summary[item.reason] = summary.get(item.reason, 0) + 1
        for reason, count in sorted(summary.items(), key=lambda kv: -kv[1]):
            print(f"  sans proposition — {reason} : {n(count)}")
        print(f"Mémoire maximale du processus : {mb(peak_memory_mb())}")


def side_by_side_highs(problem, graph, optimal):
    """The same assignment by HiGHS's dual simplex (the solver without OR-Tools)."""
    step = time.perf_counter()
    chosen = problem.assign(graph, method="lp")
    same = totals(graph, chosen) == totals(graph, optimal)
    print(
        f"Même affectation par HiGHS (simplexe dual) : {seconds(time.perf_counter() - step)} — "
        f"même score et mêmes binômes : {'oui' if same else 'NON'}"
    )


def totals(graph, chosen) -> tuple[int, int]:
    picked = chosen[graph.mentee] == graph.mentor
    return int(graph.score[picked].sum()), int(picked.sum())


# --- Dense baseline ----------------------------------------------------------------------------


def dense(args):
    """The engine against a plain dense assignment of every valid pair (no candidate bound)."""
    from scipy.optimize import linear_sum_assignment

    rules = ProgrammeRules(formes=frozenset(FORMES), distance_max_km=DISTANCE_MAX_KM)
    weights = Weights()
    filleuls, parrains = synthetic_france(args.mentees, args.mentors, args.seed)
    problem = Problem(filleuls, parrains, rules)
    print(
        f"{n(args.mentees)} filleuls, {n(args.mentors)} parrains "
        f"({n(int(problem.mentors.places.sum()))} places)"
    )

    started = time.perf_counter()
    candidates = problem.candidates(weights, Limits())
    capped = problem.assign(candidates)
    capped_time = time.perf_counter() - started
    capped_score, capped_pairs = totals(candidates, capped)
    started = time.perf_counter()
    engine, graph, pricing = problem.assign_exact(candidates, weights, Limits())
    engine_time = capped_time + time.perf_counter() - started
    engine_score, engine_pairs = totals(graph, engine)

    started = time.perf_counter()
    everyone = len(problem.mentors)
    full = problem.candidates(
        weights,
        Limits(edge_budget=10**12, min_candidates=everyone, max_candidates=everyone),
    )
    slots = problem.mentors.places
    first_slot = np.r_[0, np.cumsum(slots)[:-1]]
    n_slots, rows = int(slots.sum()), len(problem.mentees)
    # Columns: every place of every mentor, then one "no mentor" column per mentee.
    values = np.full((rows, n_slots + rows), -1.0)
    values[np.arange(rows), n_slots + np.arange(rows)] = 0.0
    pair_value = full.score.astype(np.float64) * (rows + 1) + 1
    for copy in range(int(slots.max(initial=0))):
        has = slots[full.mentor] > copy
        values[full.mentee[has], first_slot[full.mentor[has]] + copy] = pair_value[has]
    r, c = linear_sum_assignment(values, maximize=True)
    mentor_of_slot = np.repeat(np.arange(len(slots)), slots)
    chosen = np.full(rows, -1, dtype=np.int64)
    real = c < n_slots
    chosen[r[real]] = mentor_of_slot[c[real]]
    dense_time = time.perf_counter() - started
    dense_score, dense_pairs = totals(full, chosen)
    greedy_score, greedy_pairs = totals(
        candidates,
        assign_greedy(candidates.mentee, candidates.mentor, candidates.score, slots, rows),
    )
    print(
        f"Candidats seuls (au plus {candidates.per_mentee} par filleul, {n(len(candidates))} "
        f"paires) : score {n(capped_score)}, {n(capped_pairs)} binômes — {seconds(capped_time)}"
    )
    print(
        f"Moteur exact (candidats puis tarification par les duaux : "
        f"{pricing['tours_de_tarification']} tours, {n(pricing['paires_ajoutees'])} paires "
        f"ajoutées, {n(pricing['paires_examinees'])} examinées) : score {n(engine_score)}, "
        f"{n(engine_pairs)} binômes — {seconds(engine_time)}"
    )
    print(
        f"Affectation dense (toutes les paires valides, {n(len(full))}) : "
        f"score {n(dense_score)}, {n(dense_pairs)} binômes — {seconds(dense_time)}"
    )
    print(f"Glouton sur les candidats du moteur : score {n(greedy_score)}, {n(greedy_pairs)}")
    print(
        f"Écart à l'optimum dense : candidats seuls "
        f"{100 * (dense_score - capped_score) / max(dense_score, 1):.3f} %, moteur exact "
        f"{100 * (dense_score - engine_score) / max(dense_score, 1):.3f} % "
        f"({n(dense_pairs - engine_pairs)} binômes d'écart)"
    )
    print(f"Mémoire maximale du processus : {mb(peak_memory_mb())}")


# --- City, through the database ----------------------------------------------------------------


def ville(args):
    """1,000 × 1,000 around Paris, end to end through the database (reads, engine, writes)."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, reset_queries, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from parrainages.models import Candidature, Filleul, MatchingRun, Parrain, Parrainage
    from parrainages.services.matching import TAILLE_LOT, appariement_executer, appariement_lancer
    from programmes.models import Commune, Programme, Secteur, Situation

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(args.seed)
    with transaction.atomic():
        programme = _programme_ville(Programme, Parrainage, MatchingRun, Candidature)
        communes = _communes_ville(Commune, rng)
        secteurs = list(Secteur.objects.values_list("pk", flat=True))
        slots = np.array(Disponibilite.values)
        filleuls = Filleul.objects.bulk_create(
            [
                Filleul(
                    date_naissance=dt.date(1990, 1, 1)
                    + dt.timedelta(days=int(rng.integers(0, 7000))),
                    commune=communes[int(rng.integers(0, len(communes)))],
                    situation=Situation.DEMANDEUR_EMPLOI,
                    niveau_diplome=int(rng.choice(NIVEAUX[0])),
                    disponibilites=sorted(rng.choice(slots, size=3, replace=False).tolist()),
                )
                for _ in range(args.mentees)
            ]
        )
        Filleul.secteurs_souhaites.through.objects.bulk_create(
            [
                Filleul.secteurs_souhaites.through(filleul_id=f.pk, secteur_id=s)
                for f in filleuls
                for s in rng.choice(secteurs, size=2, replace=False).tolist()
            ]
        )
        now = timezone.now()
        Candidature.objects.bulk_create(
            [
                Candidature(
                    filleul=f,
                    programme=programme,
                    statut=Candidature.Statut.RETENUE,
                    eligible=True,
                    decidee_le=now - dt.timedelta(days=int(rng.integers(0, 120))),
                )
                for f in filleuls
            ]
        )
        parrains = Parrain.objects.bulk_create(
            [
                Parrain(
                    entreprise=f"Entreprise {i}",
                    fonction="Responsable RH",
                    capacite=int(rng.choice(CAPACITES[0], p=np.array(CAPACITES[1]) / 100)),
                    commune=communes[int(rng.integers(0, len(communes)))],
                    statut=Parrain.Statut.ACTIF,
                    disponibilites=sorted(rng.choice(slots, size=4, replace=False).tolist()),
                    annees_experience=int(rng.integers(3, 36)),
                    distanciel_accepte=bool(rng.random() < 0.5),
                )
                for i in range(args.mentors)
            ]
        )
        Parrain.secteurs.through.objects.bulk_create(
            [
                Parrain.secteurs.through(parrain_id=p.pk, secteur_id=s)
                for p in parrains
                for s in rng.choice(secteurs, size=2, replace=False).tolist()
            ]
        )
        Parrain.programmes.through.objects.bulk_create(
            [
                Parrain.programmes.through(parrain_id=p.pk, programme_id=programme.pk)
                for p in parrains
            ]
        )
    print(
        f"Programme « {programme.nom} » : {n(args.mentees)} filleuls retenus, "
        f"{n(args.mentors)} parrains ({n(sum(p.capacite for p in parrains))} places), "
        f"base {connection.vendor}"
    )
    for label in ("Premier appariement", "Second appariement (rien de nouveau)"):
        reset_queries()  # the log is bounded: empty it, or a full log captures nothing
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            run = appariement_lancer(programme=programme, en_tache=False)
            run = appariement_executer(run_id=run.pk)
        elapsed = time.perf_counter() - started
        writes = sum(1 for q in queries.captured_queries if q["sql"].startswith(("INSERT", "COPY")))
        print(
            f"{label} : {seconds(elapsed)} de bout en bout — {n(run.propositions)} propositions, "
            f"score moyen {run.score_moyen or 0:.1f}, {n(run.non_apparies_nombre)} sans parrain — "
            f"{len(queries.captured_queries)} requêtes dont {writes} INSERT ou COPY "
            f"(lots de {TAILLE_LOT}) ; mesures {run.mesures}"
        )
    print(f"Mémoire maximale du processus : {mb(peak_memory_mb())}")


def _programme_ville(Programme, Parrainage, MatchingRun, Candidature):
    import datetime as dt

    from mentorat.suppression import supprimer
    from parrainages.models import Filleul, Parrain

    programme, _ = Programme.objects.update_or_create(
        slug="banc-ville",
        defaults={
            "nom": "Banc d'essai ville",
            "porteur": "Banc d'essai",
            "accroche": "Banc d'essai",
            "description": "Banc d'essai de l'appariement.",
            "public_vise": "Banc d'essai",
            "statut": Programme.Statut.OUVERT,
            "date_debut": dt.date(2026, 1, 1),
            "distance_max_km": DISTANCE_MAX_KM,
        },
    )
    # Start from nothing: the rows of an earlier run of this benchmark go.
    filleuls = list(
        Candidature.objects.filter(programme=programme).values_list("filleul", flat=True)
    )
    # In bulk, audit entries included (``mentorat.suppression``): row by row, the clean-up
    # of a large run did not finish.
    supprimer(Parrainage.objects.filter(programme=programme))
    supprimer(MatchingRun.objects.filter(programme=programme))
    supprimer(Candidature.objects.filter(programme=programme))
    supprimer(Filleul.objects.filter(pk__in=filleuls))
    supprimer(Parrain.objects.filter(programmes=programme))
    return programme


def _communes_ville(Commune, rng):
    """Fifty communes within 25 km of Paris (codes of their own, kept between runs)."""
    communes = []
    for i in range(50):
        angle, km = rng.uniform(0, 2 * np.pi), 25 * np.sqrt(rng.random())
        lat = 48.857 + km * np.sin(angle) / 111.2
        lon = 2.352 + km * np.cos(angle) / (111.2 * np.cos(np.radians(48.857)))
        commune, _ = Commune.objects.update_or_create(
            code_insee=f"B{i:04d}",
            defaults={
                "nom": f"Commune d'essai {i}",
                "code_postal": "75000",
                "codes_postaux": "75000",
                "departement": "75",
                "latitude": float(lat),
                "longitude": float(lon),
            },
        )
        communes.append(commune)
    return communes


# --- National, through the database ------------------------------------------------------------


def national_db(args):
    """The matching task on a copy of the national benchmark database (``seed_scale``): every
    retained mentee of the programme freed of its pairs, every mentor's places free again,
    then the service's run twice (read, engine, write), timed step by step."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from parrainages.models import MatchingRun, Parrainage
    from parrainages.services.matching import appariement_executer, appariement_lancer
    from programmes.models import Programme

    base = connection.settings_dict["NAME"]
    if base == "bench_national" or not args.copie:
        sys.exit(
            "À lancer sur une copie jetable de la base nationale (createdb -T bench_national "
            "…), avec --copie : ce mode réécrit les binômes du programme."
        )
    programme = Programme.objects.get(slug=args.programme)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        # The proposals of an earlier run of this benchmark go; every other pair stops
        # holding its mentee and its mentor's place (expired before it was sent: not a
        # refusal of that mentor either).
        cursor.execute(
            "DELETE FROM parrainages_parrainage WHERE programme_id = %s "
            "AND matching_run_id IS NOT NULL",
            [programme.pk],
        )
        cursor.execute(
            "UPDATE parrainages_parrainage SET statut = %s, envoye_le = NULL "
            "WHERE programme_id = %s",
            [Parrainage.Statut.EXPIRE, programme.pk],
        )
    MatchingRun.objects.filter(programme=programme).delete()
    print(
        f"Base {base} : programme « {programme.nom} » préparé en "
        f"{seconds(time.perf_counter() - started)} (binômes existants expirés)"
    )
    for label in ("Premier appariement", "Second appariement (rien de nouveau attendu)"):
        reset_queries()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            run = appariement_lancer(programme=programme, en_tache=False)
            run = appariement_executer(run_id=run.pk)
        elapsed = time.perf_counter() - started
        m = run.mesures
        print(
            f"{label} : {seconds(elapsed)} de bout en bout — {n(run.filleuls)} filleuls, "
            f"{n(run.parrains)} parrains ({n(run.places)} places), "
            f"{n(run.propositions)} propositions, {len(queries.captured_queries)} requêtes"
        )
        print(
            f"  lecture {seconds(m.get('lecture_s', 0))}, candidats "
            f"{seconds(m.get('candidats_s', 0))}, affectation {seconds(m.get('affectation_s', 0))} "
            f"(dont tarification {seconds(m.get('tarification_s', 0))} en "
            f"{m.get('tours_de_tarification', 0)} tours, {n(m.get('paires_ajoutees', 0))} paires "
            f"ajoutées ; {n(m.get('places_comblees', 0))} places libres comblées après les "
            f"candidats), explications {seconds(m.get('explications_s', 0))}, écriture "
            f"{seconds(m.get('ecriture_s', 0))} ; mémoire maximale {mb(peak_memory_mb())}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    nat = sub.add_parser("national", help="200 000 filleuls, 50 000 parrains, en mémoire")
    nat.add_argument("--mentees", type=int, default=200_000)
    nat.add_argument("--mentors", type=int, default=50_000)
    nat.add_argument("--seed", type=int, default=1)
    nat.add_argument("--full", action="store_true", help="puis match() avec les raisons")
    nat.add_argument("--highs", action="store_true", help="la même affectation par HiGHS")
    den = sub.add_parser(
        "dense", help="le moteur contre une affectation dense de toutes les paires"
    )
    den.add_argument("--mentees", type=int, default=3000)
    den.add_argument("--mentors", type=int, default=1000)
    den.add_argument("--seed", type=int, default=1)
    vil = sub.add_parser("ville", help="1 000 × 1 000 de bout en bout par la base de données")
    vil.add_argument("--mentees", type=int, default=1000)
    vil.add_argument("--mentors", type=int, default=1000)
    vil.add_argument("--seed", type=int, default=1)
    nadb = sub.add_parser(
        "national-db", help="la tâche nationale par la base (copie jetable de bench_national)"
    )
    nadb.add_argument("--programme", default="national-echelle")
    nadb.add_argument("--copie", action="store_true", help="la base est une copie jetable")
    args = parser.parse_args()
    modes = {"national": national, "dense": dense, "ville": ville, "national-db": national_db}
    modes[args.command](args)


if __name__ == "__main__":
    main()
