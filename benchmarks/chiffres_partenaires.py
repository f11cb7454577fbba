"""Partner figures on large data: a convention page cold and warm, the admin's dashboard cold
and warm, the all-partners indicators page; each beside the bare view ``/_nu/``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_charge DEBUG=1 \\
        .venv/bin/python benchmarks/chiffres_partenaires.py [--repetitions 5] [--sql]

Uses the accounts of ``benchmarks/charge/prepare.py`` (``benchmarks/out/charge/comptes.json``)
through Django's test client, one request at a time. "Froid" empties the cache before each
request (the figures are counted again), "chaud" reads them from the cache. Prints the median
time, the number of SQL statements of the last request and, with ``--sql``, its slowest ones.
"Compté d'avance" empties the cache, then runs the scheduled count of every followed
convention (``selectors.tableaux_recompter``, outside the timing, its own time printed), then
times the visit: what a partner meets between two runs of the task. "Après un changement"
removes only the figures kept under the visit's key (as an objective changed or the day
turned would), not the convention's last figures: the visit shows those, marked as being
counted again, and asks for the count (a task enqueued, not run here).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.charge.pages import COMPTES, login, mesurer  # noqa: E402  (sets Django up)

# isort: split
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

FROID, CHAUD, AVANCE, CHANGEMENT = "froid", "chaud", "avance", "changement"


def pages(comptes):
    local, national = comptes["partenaires"]["local"], comptes["partenaires"]["national"]
    admin = comptes["gestionnaires"][-1]["email"]
    convention_locale = f"/partenaire/conventions/{local['convention']}/"
    convention_nationale = f"/partenaire/conventions/{national['convention']}/"
    return [
        (None, "/_nu/", CHAUD),
        (local["comptes"][0], convention_locale, FROID),
        (local["comptes"][0], convention_locale, AVANCE),
        (local["comptes"][0], convention_locale, CHANGEMENT),
        (local["comptes"][0], convention_locale, CHAUD),
        (national["comptes"][0], convention_nationale, FROID),
        (national["comptes"][0], convention_nationale, AVANCE),
        (national["comptes"][0], convention_nationale, CHANGEMENT),
        (national["comptes"][0], convention_nationale, CHAUD),
        (admin, "/admin/", FROID),
        (admin, "/admin/", CHANGEMENT),
        (admin, "/admin/", CHAUD),
        (admin, "/admin/partenaires/convention/indicateurs/", CHAUD),
        (None, "/_nu/", CHAUD),
    ]


def compter_d_avance():
    """The cache emptied, then the scheduled count of every followed convention."""
    from partenaires.selectors import tableaux_recompter

    cache.clear()
    debut = time.perf_counter()
    n = tableaux_recompter()
    durees_tache.append((n, (time.perf_counter() - debut) * 1000))


durees_tache: list[tuple[int, float]] = []


def tableau_de_bord_perime(email):
    """The dashboard's counts past their minute: expired, their last copy still there."""
    from django.contrib import admin
    from django.http import HttpRequest

    from mentorat.models import User

    def avant():
        requete = HttpRequest()
        requete.user = User.objects.get(email=email)
        cle = admin.site._cle_tableau_de_bord(requete)
        if cache.get(f"{cle}:dernier") is None:
            admin.site.tableau_de_bord_compter(requete)
        cache.delete(cle)
        cache.delete(f"{cle}:demande")

    return avant


def apres_un_changement(convention_id):
    """What an objective changed (or the day turned) leaves: nothing kept under the visit's
    key, the convention's last figures still there; the count asked again."""
    from django.utils import timezone

    from partenaires import selectors
    from partenaires.models import Convention

    def avant():
        convention = Convention.objects.get(pk=convention_id)
        if cache.get(selectors._dernier_tableau(convention.pk)) is None:
            selectors.tableau_recompter(convention)  # once: figures counted before the change
        aujourd_hui = timezone.localdate()
        reference = min(max(aujourd_hui, convention.date_debut), convention.date_fin)
        objectifs = list(convention.objectifs.select_related("secteur"))
        cache.delete(selectors._cle_tableau(convention, objectifs, reference))
        cache.delete(f"partenaires:tableau-redemande:{convention.pk}")

    return avant


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--sql", action="store_true", help="print the slowest statements")
    args = parser.parse_args()
    comptes = json.loads(COMPTES.read_text())
    clients = {}
    for email, url, mode in pages(comptes):
        if email not in clients:
            clients[email] = Client(HTTP_HOST="127.0.0.1", secure=True)
            if email:
                login(clients[email], comptes, email)
        # "Froid": the cache emptied before each request. The session is in the database,
        # the login's second factor in the session: emptying the cache leaves it signed in.
        if mode == CHANGEMENT and url == "/admin/":
            avant = tableau_de_bord_perime(email)
        elif mode == CHANGEMENT:
            avant = apres_un_changement(int(url.rstrip("/").rsplit("/", 1)[1]))
        else:
            avant = {FROID: cache.clear, AVANCE: compter_d_avance, CHAUD: None}[mode]
        durees_tache.clear()
        mesurer(
            clients[email],
            url,
            args.repetitions,
            sql=args.sql,
            avant=avant,
            etiquette={
                FROID: "froid     ",
                AVANCE: "d'avance  ",
                CHANGEMENT: "changement",
                CHAUD: "chaud     ",
            }[mode]
            + "  ",
        )
        if durees_tache:
            n, _ = durees_tache[0]
            mediane = statistics.median(d for _, d in durees_tache)
            print(f"      la tâche : {n} conventions comptées en {mediane:.0f} ms (médiane)")


if __name__ == "__main__":
    main()
