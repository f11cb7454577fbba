import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from parrainages.tasks import expirer_propositions
from tests.parrainages.factories import ParrainageFactory

pytestmark = pytest.mark.django_db


def test_expiry_is_scheduled_hourly():
    task = PeriodicTask.objects.get(task="parrainages.expirer_propositions")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "hours"


def test_expiry_task_runs_the_service():
    pair = ParrainageFactory(attente=True, envoye_le=timezone.now() - dt.timedelta(days=30))
    assert expirer_propositions.delay().get() == 1
    pair.refresh_from_db()
    assert pair.statut == "expire"
