"""Tasks started by name (``mentorat.taches``, the outbox, the schedule) exist: a renamed task
must not leave a caller enqueueing a name no worker knows (the after-commit hook would swallow
the error)."""

import pathlib
import re

from mentorat.celery import app
from mentorat.envois import TACHE_EXPEDITION

RACINE = pathlib.Path(__file__).resolve().parents[1]
APPEL = re.compile(r"(?:tache_apres_validation|tache|send_task)\(\s*\"([a-z_]+\.[a-z_]+)\"")


def test_every_task_started_by_name_is_registered():
    app.loader.import_default_modules()
    noms = {TACHE_EXPEDITION}
    for app_dir in ("mentorat", "programmes", "parrainages", "partenaires"):
        for fichier in (RACINE / app_dir).rglob("*.py"):
            noms |= set(APPEL.findall(fichier.read_text(encoding="utf-8")))
    assert "parrainages.executer_appariement" in noms
    assert noms <= set(app.tasks), noms - set(app.tasks)
