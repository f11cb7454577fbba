"""Periodic tasks: declared once in code, written to beat's tables by one idempotent command
that keeps the times staff changed."""

import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from mentorat.celery import app
from mentorat.planification import PLANIFICATION, planification_synchroniser

pytestmark = pytest.mark.django_db


def test_every_declared_task_is_a_real_celery_task():
    app.loader.import_default_modules()
    assert {p.tache for p in PLANIFICATION} <= set(app.tasks)
    assert len({p.nom for p in PLANIFICATION}) == len(PLANIFICATION)


def test_every_task_is_registered_under_its_function_name():
    """What beat, the routes and the logs call a task is what the code calls it."""
    app.loader.import_default_modules()
    nos_taches = {nom: t for nom, t in app.tasks.items() if not nom.startswith("celery.")}
    assert "parrainages.executer_appariement" in nos_taches
    for nom, tache in nos_taches.items():
        assert nom == f"{tache.run.__module__.split('.')[0]}.{tache.run.__name__}"


def test_the_command_writes_every_task_with_its_schedule():
    sortie = io.StringIO()
    call_command("planifier_taches", stdout=sortie)
    assert f"{len(PLANIFICATION)} créée(s)" in sortie.getvalue()
    taches = {t.name: t for t in PeriodicTask.objects.all()}
    for p in PLANIFICATION:
        tache = taches[p.nom]
        assert tache.task == p.tache and tache.enabled
        if p.toutes_les:
            assert (tache.interval.every, tache.interval.period) == p.toutes_les
        else:
            assert (tache.crontab.hour, tache.crontab.minute) == tuple(map(str, p.heure))
            assert str(tache.crontab.timezone) == "Europe/Paris"
    retention = taches[
        "Conservation des données : comptes non vérifiés, avertissements, anonymisation"
    ]
    assert (retention.crontab.hour, retention.crontab.minute) == ("3", "30")


def test_running_it_again_keeps_staff_changes():
    planification_synchroniser()
    tache = PeriodicTask.objects.get(task="partenaires.rapports_mensuels")
    tache.crontab = CrontabSchedule.objects.create(minute="15", hour="5")
    tache.enabled = False
    tache.task = "partenaires.ancien_nom"
    tache.save()
    bilan = planification_synchroniser()
    assert bilan["creees"] == [] and bilan["mises_a_jour"] == [tache.name]
    tache.refresh_from_db()
    assert (tache.crontab.hour, tache.crontab.minute, tache.enabled) == ("5", "15", False)
    assert tache.task == "partenaires.rapports_mensuels"
    assert PeriodicTask.objects.count() == len(PLANIFICATION)
