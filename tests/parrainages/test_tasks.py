import datetime as dt

import pytest
from django.utils import timezone

from parrainages.tasks import expirer_propositions
from tests.parrainages.factories import ParrainageFactory

pytestmark = pytest.mark.django_db


def test_expiry_task_runs_the_service():
    pair = ParrainageFactory(attente=True, envoye_le=timezone.now() - dt.timedelta(days=30))
    assert expirer_propositions.delay().get() == 1
    pair.refresh_from_db()
    assert pair.statut == "expire"
