"""The daily limits' helper: days are local days, in the database and in the cache."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from mentorat.horaires import debut_du_jour
from mentorat.limites import LimiteAtteinte, limite_du_jour_consommer, limite_du_jour_verifier
from mentorat.models import User
from tests.mentorat.factories import UserFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_the_day_starts_at_midnight_in_paris():
    debut = debut_du_jour(timezone.localdate())
    assert debut.astimezone(PARIS).time() == dt.time.min
    assert debut.astimezone(PARIS).date() == timezone.localdate()


def test_rows_of_today_are_counted_from_local_midnight():
    minuit = debut_du_jour(timezone.localdate())
    UserFactory(date_joined=minuit - dt.timedelta(seconds=1))  # yesterday, 23:59:59 in Paris
    UserFactory(date_joined=minuit)
    limite_du_jour_verifier(User.objects.all(), limite=2, message="trop", champ="date_joined")
    UserFactory()
    with pytest.raises(LimiteAtteinte, match="trop") as refus:
        limite_du_jour_verifier(User.objects.all(), limite=2, message="trop", champ="date_joined")
    assert refus.value.code == "limite_atteinte"


def test_attempts_counted_in_the_cache_start_again_the_next_day(monkeypatch):
    for _ in range(2):
        limite_du_jour_consommer("essai:1", limite=2, message="assez")
    with pytest.raises(LimiteAtteinte, match="assez"):
        limite_du_jour_consommer("essai:1", limite=2, message="assez")
    limite_du_jour_consommer("essai:2", limite=2, message="assez")  # another key
    demain = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: demain)
    limite_du_jour_consommer("essai:1", limite=2, message="assez")
