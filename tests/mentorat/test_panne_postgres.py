"""PostgreSQL restarted under a running site (issue #9, item 7).

Our own throwaway cluster (initdb in a temporary folder, on a free port), the site migrated into
it and served by gunicorn with one synchronous worker, whose database connection persists
between requests (``CONN_MAX_AGE``). The cluster is stopped hard, then started again: requests
fail during the outage, and the same process answers again right after, with no restart —
``CONN_HEALTH_CHECKS`` drops the dead connection before the first request uses it.
"""

import subprocess
import sys
import time

import pytest

from tests.pannes import ROOT, ClusterJetable, Gunicorn, Navigateur, environnement

pytestmark = pytest.mark.services


def _etat(nav):
    statut_accueil = nav.get("/")[0]
    statut_sante, sante = nav.json("/sante/")
    return statut_accueil, statut_sante, sante.get("base_de_donnees")


def test_postgres_restart_the_same_process_recovers(tmp_path):
    cluster = ClusterJetable()
    web = None
    try:
        cluster.initialiser()
        env = environnement(database_url=cluster.url, CONN_MAX_AGE=600)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=900,
        )
        web = Gunicorn(env, tmp_path / "gunicorn.log")
        web.demarrer()
        nav = Navigateur(web.base)
        worker = web.pid_worker()
        assert _etat(nav) == (200, 200, "ok")

        # A hard stop (as a crash would): requests fail while the database is away.
        cluster.arreter("immediate")
        assert _etat(nav) == (500, 503, "indisponible")
        assert _etat(nav) == (500, 503, "indisponible")

        # Back: the very first request is served, by the same process.
        cluster.demarrer()
        debut = time.monotonic()
        assert _etat(nav) == (200, 200, "ok")
        reprise = time.monotonic() - debut

        # A clean restart between two requests: the persistent connection is dead again.
        cluster.arreter("fast")
        cluster.demarrer()
        assert _etat(nav) == (200, 200, "ok")
        assert web.pid_worker() == worker, "le processus web ne doit pas avoir été relancé"
        print(f"\nPremière requête après redémarrage servie en {reprise * 1000:.0f} ms")
    finally:
        if web is not None:
            web.arreter()
        cluster.detruire()
