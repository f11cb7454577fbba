"""Stuck work recovers in minutes: a heartbeat while a run computes, a sweeper that fails a
silent run (staff see why and launch again), and a run taken away writes nothing."""

import datetime as dt
import threading
import time

import pytest
from django.utils import timezone

from mentorat.travaux import battement
from parrainages.models import MatchingRun, Parrainage
from parrainages.services import matching
from parrainages.services.matching import (
    INTERROMPU,
    appariement_executer,
    appariement_lancer,
    appariements_balayer,
)
from parrainages.tasks import balayer_travaux
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.helpers import parrain, programme_de_ville, retenu

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return programme_de_ville()


def il_y_a(**duree):
    return timezone.now() - dt.timedelta(**duree)


def test_a_silent_run_is_failed_and_a_lost_message_enqueued_again(programme):
    muet = appariement_lancer(programme=programme, en_tache=False)
    MatchingRun.objects.filter(pk=muet.pk).update(
        statut=MatchingRun.Statut.EN_COURS, progression=42, mis_a_jour_le=il_y_a(minutes=3)
    )
    vivant = MatchingRun.objects.create(
        programme=programme, statut=MatchingRun.Statut.EN_COURS, mis_a_jour_le=il_y_a(seconds=30)
    )
    perdu = MatchingRun.objects.create(programme=programme, mis_a_jour_le=il_y_a(minutes=3))
    enfiles = []
    assert appariements_balayer(enqueue=enfiles.append) == {"echoues": 1, "relances": 1}
    assert enfiles == [perdu.pk]
    muet.refresh_from_db()
    assert (muet.statut, muet.erreur) == (MatchingRun.Statut.ECHOUE, INTERROMPU)
    vivant.refresh_from_db()
    assert vivant.statut == MatchingRun.Statut.EN_COURS
    # Once failed, a late redelivery of its message does nothing.
    assert appariement_executer(run_id=muet.pk) is None


def test_the_sweeper_task_runs_the_service(programme):
    MatchingRun.objects.create(
        programme=programme, statut=MatchingRun.Statut.EN_COURS, mis_a_jour_le=il_y_a(minutes=5)
    )
    assert balayer_travaux.delay().get() == {"echoues": 1, "relances": 0, "imports_relances": 0}


def test_a_run_failed_while_its_worker_was_away_writes_nothing(programme, monkeypatch):
    for _ in range(3):
        parrain(programme)
        retenu(programme)
    run = appariement_lancer(programme=programme, en_tache=False)
    calculer = matching._calculer

    def absent_trop_longtemps(run, suivi):
        resultat = calculer(run, suivi)
        MatchingRun.objects.filter(pk=run.pk).update(mis_a_jour_le=il_y_a(minutes=5))
        appariements_balayer(enqueue=lambda run_id: None)  # the sweeper passes meanwhile
        return resultat

    monkeypatch.setattr(matching, "_calculer", absent_trop_longtemps)
    assert appariement_executer(run_id=run.pk) is None
    run.refresh_from_db()
    assert run.statut == MatchingRun.Statut.ECHOUE
    assert not Parrainage.objects.exists()


def test_staff_launch_a_failed_run_again(client, programme):
    connecter(client, gestionnaire())
    run = MatchingRun.objects.create(
        programme=programme, statut=MatchingRun.Statut.ECHOUE, erreur=INTERROMPU
    )
    response = client.post(
        "/admin/parrainages/matchingrun/",
        {"action": "relancer", "_selected_action": [run.pk]},
        follow=True,
    )
    assert "Relancé" in response.content.decode()
    nouveau = MatchingRun.objects.exclude(pk=run.pk).get()
    assert nouveau.programme == programme and nouveau.statut == MatchingRun.Statut.EN_ATTENTE
    page = client.get(f"/admin/parrainages/matchingrun/{run.pk}/change/").content.decode()
    assert "processus arrêté ou redémarré" in page


def test_the_heartbeat_beats_outside_a_transaction_only():
    battements = []
    with battement(lambda: battements.append(time.monotonic()), periode=dt.timedelta(seconds=0.05)):
        time.sleep(0.2)
    # Inside the test's transaction (as for in-process tasks): no thread, no beat.
    assert battements == []


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_refreshes_the_row_while_the_work_runs(postgres, programme):
    run = MatchingRun.objects.create(
        programme=programme, statut=MatchingRun.Statut.EN_COURS, mis_a_jour_le=il_y_a(minutes=1)
    )
    avant = run.mis_a_jour_le
    fils = threading.active_count()
    with battement(
        lambda: MatchingRun.objects.filter(pk=run.pk).update(mis_a_jour_le=timezone.now()),
        periode=dt.timedelta(seconds=0.05),
    ):
        time.sleep(0.3)
    run.refresh_from_db()
    assert run.mis_a_jour_le > avant
    assert threading.active_count() == fils  # the thread ended with the work


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_does_not_wait_on_the_row_the_work_is_writing(postgres, programme, caplog):
    """The work's last transaction locks its row while it writes its result (a national
    matching: a minute). A beat meanwhile gives up after ``ATTENTE_DU_VERROU`` and says so,
    instead of waiting for the statement timeout and logging a failure."""
    import logging

    from django.db import transaction

    from mentorat import travaux

    run = MatchingRun.objects.create(programme=programme, statut=MatchingRun.Statut.EN_COURS)
    caplog.set_level(logging.INFO, logger="mentorat.travaux")
    debuts = []

    def battre():
        debuts.append(time.monotonic())
        MatchingRun.objects.filter(pk=run.pk).update(mis_a_jour_le=timezone.now())

    with (
        pytest.MonkeyPatch.context() as m,
        battement(battre, periode=dt.timedelta(seconds=0.05)),
        transaction.atomic(),
    ):
        m.setattr(travaux, "ATTENTE_DU_VERROU", dt.timedelta(seconds=0.2))
        MatchingRun.objects.select_for_update().filter(pk=run.pk).exists()
        time.sleep(0.8)
    assert len(debuts) >= 2  # beats tried, each given up within its wait
    assert "Battement de cœur différé : la ligne est en écriture" in caplog.text
    assert "Battement de cœur non enregistré" not in caplog.text
