"""Revoking a right takes effect at the very next request, in the same session."""

import pytest
from django.urls import reverse

from parrainages.models import Parrainage
from tests.parrainages.factories import ParrainageFactory
from tests.partenaires.factories import ConventionFactory, MembreFactory

pytestmark = pytest.mark.django_db


def test_a_member_leaving_the_partner_loses_the_portal_at_once(client):
    membre = MembreFactory()
    convention = ConventionFactory(partenaire=membre.partenaire)
    client.force_login(membre.user)
    pages = [
        reverse("partenaires:accueil"),
        reverse("partenaires:convention", args=[convention.pk]),
        reverse("partenaires:filleuls"),
        reverse("partenaires:prescrire"),
        reverse("partenaires:rapports"),
    ]
    assert [client.get(page).status_code for page in pages] == [200] * len(pages)

    membre.actif = False
    membre.save()

    assert [client.get(page).status_code for page in pages] == [404] * len(pages)
    response = client.post(reverse("partenaires:prescrire"), {"email": "x@example.org"})
    assert response.status_code == 404


def test_a_partner_made_inactive_closes_the_portal_of_all_its_members(client):
    membre = MembreFactory()
    client.force_login(membre.user)
    assert client.get(reverse("partenaires:accueil")).status_code == 200
    membre.partenaire.actif = False
    membre.partenaire.save()
    assert client.get(reverse("partenaires:accueil")).status_code == 404


def test_an_ended_pair_hides_the_contacts_and_takes_no_more_meetings(client):
    pair = ParrainageFactory(actif=True)
    email = pair.filleul.user.email
    client.force_login(pair.parrain.user)
    page = reverse("parrain:binome", args=[pair.pk])
    assert email in client.get(page).content.decode()

    pair.terminer()
    pair.save()

    html = client.get(page).content.decode()
    assert email not in html
    assert "les coordonnées de votre filleul ne sont plus affichées" in html
    response = client.post(
        reverse("parrain:rencontre_nouvelle", args=[pair.pk]),
        {"debut": "2030-01-10T18:00", "duree_minutes": 60, "lieu": "Café"},
    )
    assert response.status_code == 404
    assert not pair.rencontres.exists()


def test_an_ended_pair_hides_the_mentor_from_the_mentee(client):
    pair = ParrainageFactory(actif=True)
    email = pair.parrain.user.email
    client.force_login(pair.filleul.user)
    assert email in client.get(reverse("filleul:tableau_de_bord")).content.decode()

    Parrainage.objects.filter(pk=pair.pk).update(statut=Parrainage.Statut.INTERROMPU)

    assert email not in client.get(reverse("filleul:tableau_de_bord")).content.decode()


def test_a_deactivated_account_is_signed_out_at_the_next_request(client):
    pair = ParrainageFactory(actif=True)
    user = pair.parrain.user
    client.force_login(user)
    assert client.get(reverse("parrain:tableau_de_bord")).status_code == 200
    user.is_active = False
    user.save()
    response = client.get(reverse("parrain:tableau_de_bord"))
    assert response.status_code == 302 and "/comptes/" in response["Location"]
