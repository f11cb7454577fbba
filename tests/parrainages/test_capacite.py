"""A mentor's capacity holds: across programmes, concurrent accepts, concurrent matching runs
and the admin, with a clear message to whoever loses the race."""

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parrainages.models import MatchingRun, Parrainage
from parrainages.services import matching, parrainage_accepter
from parrainages.services.matching import (
    PLACES_PRISES_ENTRE_TEMPS,
    appariement_executer,
    appariement_lancer,
)
from tests.concurrence import simultanement
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import FilleulFactory, ParrainageFactory, ParrainFactory
from tests.parrainages.helpers import STRASBOURG, parrain, retenu
from tests.programmes.factories import ProgrammeFactory


def ouverts(p):
    return Parrainage.objects.filter(parrain=p, statut__in=Parrainage.STATUTS_OUVERTS).count()


def actifs(p):
    return Parrainage.objects.filter(parrain=p, statut=Parrainage.Statut.ACTIF).count()


@pytest.mark.django_db
def test_a_mentor_with_one_place_cannot_accept_two_proposals():
    mentor = ParrainFactory(capacite=1)
    premiere, seconde = (ParrainageFactory(parrain=mentor, attente=True) for _ in range(2))
    parrainage_accepter(parrainage=premiere, par=mentor.user)
    with pytest.raises(ValidationError, match="autant de personnes que votre capacité"):
        parrainage_accepter(parrainage=seconde, par=mentor.user)
    seconde.refresh_from_db()
    assert seconde.statut == Parrainage.Statut.ATTENTE_PARRAIN
    assert actifs(mentor) == 1


@pytest.mark.django_db
def test_the_portal_says_why_the_accept_is_refused(client):
    mentor = ParrainFactory(capacite=1)
    ParrainageFactory(parrain=mentor, actif=True)
    proposition = ParrainageFactory(parrain=mentor, attente=True)
    client.force_login(mentor.user)
    response = client.post(
        reverse("parrain:proposition", kwargs={"pk": proposition.pk}),
        {"action": "accepter"},
        follow=True,
    )
    assert "autant de personnes que votre capacité" in response.content.decode()
    assert actifs(mentor) == 1


@pytest.mark.django_db
def test_the_admin_refuses_a_pair_with_a_full_mentor(client):
    connecter(client, gestionnaire())
    mentor = ParrainFactory(capacite=1)
    ParrainageFactory(parrain=mentor, actif=True)  # in another programme
    programme = ProgrammeFactory()
    filleul = FilleulFactory()
    response = client.post(
        reverse("admin:parrainages_parrainage_add"),
        {
            "programme": programme.pk,
            "parrain": mentor.pk,
            "filleul": filleul.pk,
            "forme": "regulier",
            "statut": "proposition",
            "objectifs": "",
            "rencontres-TOTAL_FORMS": "0",
            "rencontres-INITIAL_FORMS": "0",
            "immersions-TOTAL_FORMS": "0",
            "immersions-INITIAL_FORMS": "0",
            "sorties-TOTAL_FORMS": "0",
            "sorties-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "plus de place" in response.content.decode()
    assert ouverts(mentor) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_leave_one_active_pair(postgres):
    mentor = ParrainFactory(capacite=1)
    propositions = [ParrainageFactory(parrain=mentor, attente=True) for _ in range(4)]
    resultats = simultanement(
        *(lambda p=p: parrainage_accepter(parrainage=p, par=mentor.user) for p in propositions)
    )
    gagnants = [r for r in resultats if isinstance(r, Parrainage)]
    perdants = [r for r in resultats if isinstance(r, ValidationError)]
    assert len(gagnants) == 1 and len(perdants) == 3, resultats
    assert all("capacité" in str(e) for e in perdants)
    assert actifs(mentor) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_on_two_programmes_sharing_mentors_respect_capacity(postgres, monkeypatch):
    un = ProgrammeFactory(slug="un", distance_max_km=30, departements=["67"])
    deux = ProgrammeFactory(slug="deux", distance_max_km=30, departements=["67"])
    mentors = [parrain(un, capacite=2) for _ in range(6)]
    for m in mentors:
        m.programmes.add(deux)
    for _ in range(10):
        retenu(un, STRASBOURG)
        retenu(deux, STRASBOURG)
    runs = [appariement_lancer(programme=p, en_tache=False) for p in (un, deux)]
    # Both runs count the places left, then wait for each other before writing: without a
    # lock on the mentors, both would write into the same places.
    rendez_vous = threading.Barrier(2)
    compter = matching._encore_possibles

    def compter_puis_attendre(*args):
        resultat = compter(*args)
        # A broken barrier: the other run waits on the mentors' lock, this one writes first.
        with contextlib.suppress(threading.BrokenBarrierError):
            rendez_vous.wait(timeout=3)
        return resultat

    monkeypatch.setattr(matching, "_encore_possibles", compter_puis_attendre)
    resultats = simultanement(*(lambda r=r: appariement_executer(run_id=r.pk) for r in runs))
    assert not any(isinstance(r, Exception) for r in resultats), resultats
    assert all(ouverts(m) <= 2 for m in mentors)
    # Each run chose 10 pairs on 12 places; whichever wrote second kept only what was left
    # and lists the others as "places taken meanwhile".
    ecartes = [
        filleul
        for run in MatchingRun.objects.filter(pk__in=[r.pk for r in runs])
        for filleul, raison in run.non_apparies
        if raison == PLACES_PRISES_ENTRE_TEMPS
    ]
    assert Parrainage.objects.count() + len(ecartes) == 20
    assert Parrainage.objects.count() <= 12
