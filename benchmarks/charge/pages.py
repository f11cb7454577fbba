"""One request at a time: each page of the load test, its time, its queries, the slowest ones.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_charge DEBUG=1 \\
        .venv/bin/python benchmarks/charge/pages.py [--repetitions 5] [--sql] [filter]

For finding why a page misses its target: median time over the repetitions (after one warm-up
request), the number of SQL queries, and with ``--sql`` the five slowest queries of the last
run. Uses the accounts of ``prepare.py`` (``benchmarks/out/charge/comptes.json``) through
Django's test client, in this process: no gunicorn, no concurrency.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.charge.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from allauth.mfa.totp.internal.auth import (  # noqa: E402
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from mentorat.models import User  # noqa: E402

# A surname of the synthetic data (``demo.noms.NOMS``), as staff would type it.
NOM_CHERCHE = "Benali"
COMPTES = Path(__file__).resolve().parents[1] / "out" / "charge" / "comptes.json"


def pages(comptes, gestionnaire=-1):
    parrain = comptes["parrains"][0]
    national = comptes["partenaires"]["national"]
    local = comptes["partenaires"]["local"]
    admin = comptes["gestionnaires"][gestionnaire]["email"]
    return [
        (None, "/_nu/"),
        (None, "/"),
        (None, f"/programmes/{comptes['programme']}/"),
        (None, "/comptes/signup/"),
        (parrain["email"], "/parrain/"),
        (parrain["email"], f"/parrain/binomes/{parrain['binomes'][0]}/"),
        (parrain["email"], "/parrain/binomes/"),
        (comptes["filleuls"][0]["email"], "/filleul/"),
        (local["comptes"][0], "/partenaire/"),
        (local["comptes"][0], f"/partenaire/conventions/{local['convention']}/"),
        (local["comptes"][0], "/partenaire/filleuls/"),
        (national["comptes"][0], "/partenaire/"),
        (national["comptes"][0], f"/partenaire/conventions/{national['convention']}/"),
        (national["comptes"][0], "/partenaire/filleuls/"),
        (admin, "/admin/parrainages/filleul/"),
        (admin, "/admin/parrainages/parrain/"),
        (admin, "/admin/parrainages/parrainage/"),
        (admin, "/admin/parrainages/parrainage/?statut__exact=actif"),
        (admin, "/admin/parrainages/rencontre/"),
        (admin, "/admin/parrainages/rencontre/?statut__exact=prevue"),
        (admin, "/admin/parrainages/candidature/"),
        # What staff wait for (issue of national-scale speed): search, sort, follow-up.
        (admin, f"/admin/parrainages/rencontre/?q={NOM_CHERCHE}"),
        (admin, f"/admin/parrainages/parrainage/?q={NOM_CHERCHE}"),
        (admin, f"/admin/parrainages/filleul/?q={NOM_CHERCHE}"),
        (admin, f"/admin/parrainages/candidature/?q={NOM_CHERCHE}"),
        # Sorted the other way (the date, ascending: the list sorts only on the date and the
        # status), then the deepest page offered (``mentorat/admin_pagination.py`` stops the
        # pages at 10,000 rows).
        (admin, "/admin/parrainages/rencontre/?o=1"),
        (admin, "/admin/parrainages/rencontre/?p=100"),
        # « Suivi des binômes »: pairs without a meeting, missing outcomes, reminders sent.
        (admin, "/admin/parrainages/parrainage/suivi/"),
    ]


def login(client, comptes, email):
    """Staff through allauth's login and TOTP step (the admin wants both); others directly."""
    staff = {c["email"]: c["totp"] for c in comptes["gestionnaires"]}
    if email not in staff:
        client.force_login(User.objects.get(email=email))
        return
    client.post("/comptes/login/", {"login": email, "password": comptes["mot_de_passe"]})
    compteurs = list(yield_hotp_counters_from_time())
    compteur = compteurs[len(compteurs) // 2]  # the current period
    code = format_hotp_value(hotp_value(staff[email], compteur))
    client.post("/comptes/2fa/authenticate/", {"code": code})


def plan(sql):
    """The plan PostgreSQL ran for ``sql`` (a captured statement, parameters inlined), with
    its timings and buffers: where a slow page's time goes."""
    with connection.cursor() as curseur:
        curseur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(ligne for (ligne,) in curseur.fetchall())


def mesurer(client, url, repetitions, *, sql=False, plans=0, avant=None, etiquette=""):
    """One warm-up request, then ``repetitions`` timed ones (``avant()`` before each, outside
    the timing): prints the median time, the SQL statements of the last request and, with
    ``sql``, its five slowest; with ``plans``, the plans of that many of the slowest SELECTs."""
    client.get(url)
    durees = []
    for _ in range(repetitions):
        if avant:
            avant()
        with CaptureQueriesContext(connection) as requetes:
            debut = time.perf_counter()
            reponse = client.get(url)
            durees.append((time.perf_counter() - debut) * 1000)
    sql_ms = sum(float(q["time"]) for q in requetes.captured_queries) * 1000
    print(
        f"{reponse.status_code} {statistics.median(durees):7.1f} ms  {etiquette}"
        f"{len(requetes):3d} requêtes SQL ({sql_ms:6.1f} ms)  {url}"
    )
    if sql:
        for q in sorted(requetes.captured_queries, key=lambda q: -float(q["time"]))[:5]:
            print(f"      {float(q['time']) * 1000:7.1f} ms  {q['sql'][:600]}")
    lentes = sorted(requetes.captured_queries, key=lambda q: -float(q["time"]))
    for q in [q for q in lentes if q["sql"].startswith("SELECT")][:plans]:
        print(f"\n      {float(q['time']) * 1000:7.1f} ms  {q['sql']}\n{plan(q['sql'])}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("filtre", nargs="?", default="", help="only URLs containing this")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--sql", action="store_true", help="print the slowest queries")
    parser.add_argument(
        "--plans", type=int, default=0, help="EXPLAIN ANALYZE this many of the slowest SELECTs"
    )
    parser.add_argument(
        "--gestionnaire",
        type=int,
        default=-1,
        help="the staff account of comptes.json for the admin pages (prepare.py: 1 "
        "Île-de-France, 3 Auvergne-Rhône-Alpes, 5 Occitanie, 7 Hauts-de-France, the default; "
        "0, 2, 4, 6 the national team)",
    )
    args = parser.parse_args()
    comptes = json.loads(COMPTES.read_text())
    clients = {}
    for email, url in pages(comptes, args.gestionnaire):
        if args.filtre not in url:
            continue
        if email not in clients:
            clients[email] = Client(HTTP_HOST="127.0.0.1", secure=True)
            if email:
                login(clients[email], comptes, email)
        mesurer(clients[email], url, args.repetitions, sql=args.sql, plans=args.plans)


if __name__ == "__main__":
    main()
