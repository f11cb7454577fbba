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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.charge.pages import COMPTES, login, mesurer  # noqa: E402  (sets Django up)

# isort: split
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402


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
        # "Froid": the cache emptied before each request. The session is in the database,
        # the login's second factor in the session: emptying the cache leaves it signed in.
        mesurer(
            clients[email],
            url,
            args.repetitions,
            sql=args.sql,
            avant=cache.clear if froid else None,
            etiquette="froid  " if froid else "chaud  ",
        )


if __name__ == "__main__":
    main()
