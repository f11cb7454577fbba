"""The convention page's figures are counted at most every ten minutes, not at every visit."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parrainages.models import Candidature
from partenaires import selectors
from tests.parrainages.factories import CandidatureFactory
from tests.partenaires import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 3, 31))
    return scenario.construire()


def nouvelle_candidature(s):
    CandidatureFactory(
        programme=s.p1,
        prescripteur=s.a,
        source=Candidature.Source.PRESCRIPTION,
        created_at=scenario.midi(2026, 3, 20),
    )


def orientes(response):
    (avancement,) = [
        a for a in response.context["avancements"] if a.objectif.indicateur == "filleuls_orientes"
    ]
    return avancement.valeur


def test_a_second_visit_reads_the_figures_from_the_cache(client, s):
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    with CaptureQueriesContext(connection) as premiere:
        response = client.get(url)
    assert orientes(response) == 3
    assert "Chiffres arrêtés le" in response.content.decode()
    nouvelle_candidature(s)
    with CaptureQueriesContext(connection) as seconde:
        response = client.get(url)
    # Not counted again: the same figure, and fewer queries.
    assert orientes(response) == 3
    assert len(seconde) < len(premiere)


def test_changing_an_objective_counts_again(client, s):
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    client.get(url)
    nouvelle_candidature(s)
    s.objectif_orientes.valeur_cible = 12
    s.objectif_orientes.save()
    response = client.get(url)
    assert orientes(response) == 4


def test_without_cache_duration_every_visit_counts(client, s, monkeypatch):
    monkeypatch.setattr(selectors, "DUREE_TABLEAU_EN_CACHE", 0)
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    client.get(url)
    nouvelle_candidature(s)
    assert orientes(client.get(url)) == 4
