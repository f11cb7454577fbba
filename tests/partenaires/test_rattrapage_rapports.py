"""Reports whose production message was lost (broker down, worker killed) are produced later."""

import datetime as dt

import pytest
from django.utils import timezone

from partenaires.models import Rapport
from partenaires.services import REPRISE_APRES, rapports_a_rattraper
from tests.partenaires.factories import RapportFactory

pytestmark = pytest.mark.django_db


def test_waiting_and_abandoned_reports_are_enqueued_again():
    maintenant = timezone.now()
    oublie = RapportFactory(created_at=maintenant - dt.timedelta(minutes=11))
    abandonne = RapportFactory(en_cours=True, demarre_le=maintenant - REPRISE_APRES * 2)
    RapportFactory()  # just requested: its task is on its way
    RapportFactory(en_cours=True, demarre_le=maintenant)  # being produced
    RapportFactory(pret=True, created_at=maintenant - dt.timedelta(days=1))
    RapportFactory(echec=True, created_at=maintenant - dt.timedelta(days=1))
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


def test_a_silent_heartbeat_is_taken_over_within_minutes_not_an_hour():
    maintenant = timezone.now()
    vivant = RapportFactory(
        en_cours=True,
        demarre_le=maintenant - dt.timedelta(minutes=10),
        battement_le=maintenant - dt.timedelta(seconds=20),
    )
    muet = RapportFactory(
        en_cours=True,
        demarre_le=maintenant - dt.timedelta(minutes=4),
        battement_le=maintenant - dt.timedelta(minutes=3),
    )
    enfiles = []
    assert rapports_a_rattraper(enqueue=enfiles.append) == [muet.pk]
    assert vivant.pk not in enfiles


def test_a_worker_whose_report_was_taken_over_writes_nothing(private_storage_dir, monkeypatch):
    """A paused worker that comes back after its report was taken over stores no file."""
    from partenaires import documents, services

    rapport = RapportFactory(created_at=timezone.now() - dt.timedelta(minutes=30))
    produire_pdf = documents.rapport_pdf

    def pendant_la_pause(contenu):
        # Meanwhile another worker claimed the report: a new start, the token of its claim.
        Rapport.objects.filter(pk=rapport.pk).update(demarre_le=timezone.now())
        return produire_pdf(contenu)

    monkeypatch.setattr(documents, "rapport_pdf", pendant_la_pause)
    services.rapport_produire(rapport_id=rapport.pk)
    rapport.refresh_from_db()
    assert rapport.statut == Rapport.Statut.EN_COURS and not rapport.pdf
    assert not any(private_storage_dir.rglob("*.pdf"))
