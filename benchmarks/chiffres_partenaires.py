"""Partner figures on large data: a convention page cold and warm, the admin's dashboard cold
and warm, the all-partners indicators page; each beside the bare view ``/_nu/``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_charge DEBUG=1 \\
        .venv/bin/python benchmarks/chiffres_partenaires.py [--repetitions 5] [--sql]

Uses the accounts of ``benchmarks/charge/prepare.py`` (``benchmarks/out/charge/comptes.json``)
through Django's test client, one request at a time. "Froid" empties the cache before each
request (the figures are counted again), "chaud" reads them from the cache. Prints the median
time, the number of SQL statements of the last request and, with ``--sql``, its slowest ones.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.charge.pages import COMPTES, login  # noqa: E402  (sets Django up)

# isort: split
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def pages(comptes):
    local, national = comptes["partenaires"]["local"], comptes["partenaires"]["national"]
    admin = comptes["gestionnaires"][-1]["email"]
    return [
        (None, "/_nu/", False),
        (local["comptes"][0], f"/partenaire/conventions/{local['convention']}/", True),
        (local["comptes"][0], f"/partenaire/conventions/{local['convention']}/", False),
        (national["comptes"][0], f"/partenaire/conventions/{national['convention']}/", True),
        (national["comptes"][0], f"/partenaire/conventions/{national['convention']}/", False),
        (admin, "/admin/", True),
        (admin, "/admin/", False),
        (admin, "/admin/partenaires/convention/indicateurs/", False),
        (None, "/_nu/", False),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--sql", action="store_true", help="print the slowest statements")
    args = parser.parse_args()
    comptes = json.loads(COMPTES.read_text())
    clients = {}
    for email, url, froid in pages(comptes):
        if email not in clients:
            clients[email] = Client(HTTP_HOST="127.0.0.1", secure=True)
            if email:
                login(clients[email], comptes, email)
        client = clients[email]
        client.get(url)
        durees = []
        for _ in range(args.repetitions):
            if froid:
                cache.clear()
                # The session is in the database, the login's second factor in the session:
                # emptying the cache leaves the client signed in.
            with CaptureQueriesContext(connection) as requetes:
                debut = time.perf_counter()
                reponse = client.get(url)
                durees.append((time.perf_counter() - debut) * 1000)
        sql_ms = sum(float(q["time"]) for q in requetes.captured_queries) * 1000
        etat = "froid" if froid else "chaud"
        print(
            f"{reponse.status_code} {statistics.median(durees):7.1f} ms  {etat}  "
            f"{len(requetes):3d} requêtes SQL ({sql_ms:6.1f} ms)  {url}"
        )
        if args.sql:
            for q in sorted(requetes.captured_queries, key=lambda q: -float(q["time"]))[:5]:
                print(f"      {float(q['time']) * 1000:7.1f} ms  {q['sql'][:400]}")


if __name__ == "__main__":
    main()
