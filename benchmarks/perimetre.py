"""What the scope costs on national data: admin changelists for a regional coordinator and for
an Administrateur, side by side.

Run on PostgreSQL with seed_scale data (200,000 mentees over the 13 metropolitan regions):

    createdb -h 127.0.0.1 -U postgres bench_perimetre
    export DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_perimetre
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_scale --mentees 200000 --mentors 50000
    .venv/bin/python benchmarks/perimetre.py [--repetitions 5] [--region 11] [--sql] [filter]

For each changelist: the median time over the repetitions (after one warm-up request) and the
number of SQL queries, for the Administrateur (sees everything) and for the coordinator of the
synthetic programme's regional team (``--region``, Île-de-France by default, the largest
share). Targets (benchmarks/README.md): the load test's, p95 ≤ 300 ms for the big admin lists,
and exactly one query more for the coordinator (the perimeter's read; pinned by
tests/test_perimetre_cout.py). Two staff accounts ``@perimetre.mentorat.test`` are created
(idempotently) with a second factor; nothing else is written. The machine's load is printed:
the figures depend on it.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from allauth.account.internal.flows.login import record_authentication  # noqa: E402
from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from demo.scale import PROGRAMME_SLUG, structures_synthetiques  # noqa: E402
from mentorat.models import User  # noqa: E402
from mentorat.roles import ADMINISTRATEUR, GESTIONNAIRE  # noqa: E402
from mentorat.territoires import REGION_NOMS  # noqa: E402
from programmes.models import Affectation, Programme  # noqa: E402

DOMAINE = "perimetre.mentorat.test"

PAGES = [
    "/admin/parrainages/filleul/",
    "/admin/parrainages/filleul/?q=martin",
    "/admin/parrainages/parrain/",
    "/admin/parrainages/candidature/",
    "/admin/parrainages/candidature/?statut__exact=retenue",
    "/admin/parrainages/parrainage/",
    "/admin/parrainages/parrainage/?statut__exact=actif",
    "/admin/parrainages/rencontre/",
    "/admin/parrainages/rencontre/?statut__exact=prevue",
    "/admin/parrainages/sortie/",
    "/admin/parrainages/matchingrun/",
    "/admin/programmes/programme/",
]


def compte(email, groupe, structure=None):
    user, _ = User.objects.update_or_create(
        email=email,
        defaults={"is_staff": True, "is_active": True, "first_name": "Banc", "last_name": groupe},
    )
    user.groups.set([Group.objects.get(name=groupe)])
    if structure is not None:
        Affectation.objects.update_or_create(
            structure=structure, user=user, defaults={"role": Affectation.Role.COORDINATEUR}
        )
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def client_de(user) -> Client:
    """A client signed in as after a password and a TOTP code (what the admin asks for)."""
    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    client.force_login(user)
    session = client.session
    request = HttpRequest()
    request.session = session
    request.user = user
    record_authentication(request, user, "password", email=user.email)
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    session.save()
    return client


def mesurer(client, url, repetitions):
    client.get(url)
    durees = []
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as requetes:
            debut = time.perf_counter()
            reponse = client.get(url)
            durees.append((time.perf_counter() - debut) * 1000)
    contexte = reponse.context or {}
    lignes = 0
    if "cl" in contexte:
        cl = contexte["cl"]
        # A list past the bound of admin_pagination says "more than" its bound.
        depasse = getattr(cl.paginator, "depasse", False)
        lignes = f">{cl.paginator.plafond}" if depasse else cl.result_count
    return reponse.status_code, statistics.median(durees), len(requetes), requetes, lignes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("filtre", nargs="?", default="", help="only URLs containing this")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--region", default="11", choices=sorted(REGION_NOMS))
    parser.add_argument("--sql", action="store_true", help="the coordinator's slowest queries")
    args = parser.parse_args()

    setup_test_environment(debug=True)  # the test client then keeps each page's context
    programme = Programme.objects.get(slug=PROGRAMME_SLUG)
    equipes = structures_synthetiques(programme)
    administrateur = compte(f"administrateur@{DOMAINE}", ADMINISTRATEUR)
    regional = compte(f"region-{args.region}@{DOMAINE}", GESTIONNAIRE, equipes[args.region])
    clients = {"admin": client_de(administrateur), "region": client_de(regional)}

    print(f"Charge de la machine : {os.getloadavg()[0]:.2f}")
    print(
        f"Coordinateur de « {equipes[args.region].nom} » contre Administrateur, médianes sur "
        f"{args.repetitions} passages\n"
    )
    print(f"{'page':<56} {'administrateur':>24} {'coordinateur régional':>28}  écart de requêtes")
    for url in PAGES:
        if args.filtre not in url:
            continue
        a_statut, a_ms, a_n, _, a_lignes = mesurer(clients["admin"], url, args.repetitions)
        r_statut, r_ms, r_n, requetes, r_lignes = mesurer(clients["region"], url, args.repetitions)
        print(
            f"{url:<56} {a_ms:7.1f} ms {a_n:3d} req. {a_lignes:>7} "
            f"{r_ms:9.1f} ms {r_n:3d} req. {r_lignes:>7}  {r_n - a_n:+d}"
            + ("" if a_statut == r_statut == 200 else f"  (HTTP {a_statut} / {r_statut})")
        )
        if args.sql:
            for q in sorted(requetes.captured_queries, key=lambda q: -float(q["time"]))[:3]:
                print(f"      {float(q['time']) * 1000:7.1f} ms  {q['sql'][:400]}")
    print(f"\nCharge de la machine : {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
