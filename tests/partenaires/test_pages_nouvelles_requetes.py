"""The partner portal's pages of the selection week and of a referral read a fixed number of
queries, whatever the size of the cohort (pinned: a query per row would show here)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.mentorat.factories import connecter
from tests.parrainages.factories import (
    CandidatureFactory,
    CritereEvaluationFactory,
    candidature_invitee,
    session_selection,
)
from tests.partenaires.factories import MembreFactory, PrescriptionFactory

pytestmark = pytest.mark.django_db

# Page: queries with a cohort of any size (session with the account, partners, rows, prefetches…).
PAGES = {
    "sessions": 5,
    "session": 9,
    "session_presences": 8,
}


def requetes(client, url) -> int:
    with CaptureQueriesContext(connection) as capture:
        assert client.get(url).status_code == 200
    return len(capture.captured_queries)


@pytest.mark.parametrize(("page", "attendu"), PAGES.items())
def test_the_selection_pages_read_a_fixed_number_of_queries(client, page, attendu):
    animateur = MembreFactory()
    session = session_selection(animateur=animateur.partenaire)
    CritereEvaluationFactory(programme=session.programme)
    candidature_invitee(session)
    connecter(client, animateur.user)
    url = reverse(f"partenaires:{page}", **({} if page == "sessions" else {"args": [session.pk]}))
    peu = requetes(client, url)
    for _ in range(6):
        candidature_invitee(session)
    assert (peu, requetes(client, url)) == (attendu, attendu)


def test_the_referral_page_reads_a_fixed_number_of_queries(client):
    membre = MembreFactory()
    prescription = PrescriptionFactory(
        partenaire=membre.partenaire,
        conseiller=membre.user,
        filleul=CandidatureFactory().filleul,
    )
    connecter(client, membre.user)
    url = reverse("partenaires:prescription", args=[prescription.pk])
    assert requetes(client, url) == 7
