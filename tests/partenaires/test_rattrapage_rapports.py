"""Reports whose production message was lost (broker down, worker killed) are produced later."""

import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from partenaires.models import Rapport
from partenaires.services import REPRISE_APRES, rapports_a_rattraper
from tests.partenaires.factories import RapportFactory

pytestmark = pytest.mark.django_db


def test_the_catch_up_is_scheduled_every_quarter_of_an_hour():
    tache = PeriodicTask.objects.get(task="partenaires.rattraper_rapports")
    assert tache.enabled and (tache.interval.every, tache.interval.period) == (15, "minutes")


def test_waiting_and_abandoned_reports_are_enqueued_again():
    maintenant = timezone.now()
    oublie = RapportFactory(created_at=maintenant - dt.timedelta(minutes=11))
    abandonne = RapportFactory(
        statut=Rapport.Statut.EN_COURS, demarre_le=maintenant - REPRISE_APRES * 2
    )
    RapportFactory()  # just requested: its task is on its way
    RapportFactory(statut=Rapport.Statut.EN_COURS, demarre_le=maintenant)  # being produced
    RapportFactory(statut=Rapport.Statut.PRET, created_at=maintenant - dt.timedelta(days=1))
    RapportFactory(statut=Rapport.Statut.ECHEC, created_at=maintenant - dt.timedelta(days=1))
    enfiles = []
    assert rapports_a_rattraper(enqueue=enfiles.append) == [oublie.pk, abandonne.pk]
    assert enfiles == [oublie.pk, abandonne.pk]


def test_the_task_produces_a_lost_report_once(private_storage_dir):
    from partenaires.tasks import rattraper_rapports

    rapport = RapportFactory(created_at=timezone.now() - dt.timedelta(minutes=30))
    assert rattraper_rapports.delay().get() == 1
    rapport.refresh_from_db()
    assert rapport.statut == Rapport.Statut.PRET
    assert rattraper_rapports.delay().get() == 0
