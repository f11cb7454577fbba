"""A creating form posted twice (or five times at once) creates one thing and sends one set
of messages: meetings, immersions, one-off actions."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parrainages.models import Immersion, Rencontre
from programmes.models import Evenement
from tests.concurrence import simultanement
from tests.parrainages.factories import ParrainageFactory, ParrainFactory
from tests.parrainages.helpers import immersion_post
from tests.partenaires.factories import PartenaireFactory
from tests.programmes.factories import ProgrammeFactory


def rencontre_data():
    debut = timezone.localtime() + dt.timedelta(days=3)
    return {
        "debut": debut.strftime("%Y-%m-%dT%H:%M"),
        "duree_minutes": "60",
        "modalite": "presentiel",
        "lieu": "Café du Commerce",
        "lien": "",
        "sujet": "Préparer l'entretien",
    }


@pytest.mark.django_db
def test_a_meeting_posted_twice_is_one_meeting(client, django_capture_on_commit_callbacks):
    pair = ParrainageFactory(actif=True)
    client.force_login(pair.parrain.user)
    url = reverse("parrain:rencontre_nouvelle", kwargs={"pk": pair.pk})
    data = rencontre_data()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, data).status_code == 302
    assert Rencontre.objects.count() == 1
    assert len(mail.outbox) == 2  # one invitation to each of the pair, once


@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_posts_of_a_meeting_make_one(postgres):
    pair = ParrainageFactory(actif=True)
    url = reverse("parrain:rencontre_nouvelle", kwargs={"pk": pair.pk})
    data = rencontre_data()

    def poster():
        c = Client()
        c.force_login(pair.parrain.user)
        return c.post(url, data).status_code

    assert simultanement(*([poster] * 5)) == [302] * 5
    assert Rencontre.objects.filter(parrainage=pair).count() == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_an_immersion_posted_twice_is_one_proposal(client):
    mentor = ParrainFactory(offre_immersion=True)
    pair = ParrainageFactory(parrain=mentor, actif=True, programme__offre_immersion=True)
    client.force_login(mentor.user)
    data = immersion_post(prescripteur_id=PartenaireFactory(type="france_travail").pk)
    url = reverse("parrain:immersion_nouvelle", kwargs={"pk": pair.pk})
    assert [client.post(url, data).status_code for _ in range(2)] == [302, 302]
    assert Immersion.objects.count() == 1
    invitations = [m for m in mail.outbox if "À signer" in m.subject]
    assert len(invitations) == 4  # each party once


@pytest.mark.django_db
def test_a_one_off_action_posted_twice_is_one_action(client):
    programme = ProgrammeFactory(offre_ponctuelle=True)
    mentor = ParrainFactory(offre_ponctuelle=True)
    mentor.programmes.add(programme)
    client.force_login(mentor.user)
    debut = timezone.localtime() + dt.timedelta(days=10)
    data = {
        "programme": programme.pk,
        "type": "visite_entreprise",
        "titre": "Visite de l'atelier",
        "debut": debut.strftime("%Y-%m-%dT%H:%M"),
        "fin": (debut + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "lieu": "Atelier",
        "places": "8",
    }
    assert [client.post(reverse("parrain:actions"), data).status_code for _ in range(2)] == [
        302,
        302,
    ]
    assert Evenement.objects.count() == 1
