import pytest
from django.urls import reverse

from tests.mentorat.factories import UserFactory, gestionnaire
from tests.partenaires.factories import ConventionFactory
from tests.programmes.factories import EtapeFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programmes():
    ouverts = ProgrammeFactory.create_batch(12)
    brouillon = ProgrammeFactory(brouillon=True, nom="Programme en préparation")
    return ouverts, brouillon


@pytest.mark.parametrize("who", ["anonyme", "filleul", "gestionnaire"])
def test_home_lists_public_programmes_for_everyone(
    client, programmes, who, django_assert_num_queries
):
    ouverts, brouillon = programmes
    if who == "filleul":
        client.force_login(UserFactory())
    elif who == "gestionnaire":
        client.force_login(gestionnaire())
    # A savepoint pair (ATOMIC_REQUESTS) + the programmes; + the session (with the account)
    # when logged in.
    expected = 3 if who == "anonyme" else 4
    with django_assert_num_queries(expected):
        response = client.get(reverse("programmes:accueil"))
    assert response.status_code == 200
    content = response.content.decode()
    for programme in ouverts:
        assert programme.nom in content
    assert brouillon.nom not in content


def test_programme_page_shows_steps_and_partners(client, django_assert_num_queries):
    programme = ProgrammeFactory(offre_immersion=True)
    for ordre in range(1, 4):
        EtapeFactory(programme=programme, ordre=ordre, nom=f"Étape numéro {ordre}")
    for i in range(5):
        convention = ConventionFactory(partenaire__nom=f"Partenaire {i}", active=True)
        convention.programmes.add(programme)
    brouillon = ConventionFactory(partenaire__nom="Partenaire pas encore signé")
    brouillon.programmes.add(programme)
    # Savepoint pair, programme, its steps, its partners.
    with django_assert_num_queries(5):
        response = client.get(programme.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Étape numéro 3" in content
    assert "Partenaire 4" in content
    assert "Partenaire pas encore signé" not in content
    assert "Immersion" in content


def test_draft_or_unknown_programme_is_404(client):
    brouillon = ProgrammeFactory(brouillon=True)
    assert client.get(brouillon.get_absolute_url()).status_code == 404
    url = reverse("programmes:detail", kwargs={"slug": "inexistant"})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "trait, titre",
    [
        ("clos", "Ce programme est terminé"),
        ("en_cours", "Les candidatures à ce programme sont fermées"),
    ],
)
def test_a_closed_programme_points_to_the_open_ones(client, trait, titre):
    ferme = ProgrammeFactory(**{trait: True})
    ouverts = ProgrammeFactory.create_batch(2)
    ProgrammeFactory(en_cours=True, nom="Autre programme sans candidatures")
    ProgrammeFactory(brouillon=True, nom="Programme en préparation")
    response = client.get(ferme.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert titre in content
    for programme in ouverts:
        assert f'<a href="{programme.get_absolute_url()}">{programme.nom}</a>' in content
    assert "Autre programme sans candidatures" not in content
    assert "Programme en préparation" not in content
    assert reverse("candidater", args=[ferme.slug]) not in content


def test_a_closed_programme_without_open_ones_points_to_the_list(client):
    ferme = ProgrammeFactory(clos=True)
    content = client.get(ferme.get_absolute_url()).content.decode()
    assert "Aucun autre programme n'accueille de candidatures" in content
    assert f'href="{reverse("programmes:accueil")}"' in content
