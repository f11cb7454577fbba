import pytest
from django.urls import reverse

from parrainages.models import Parrain
from programmes.models import Commune, Secteur
from tests.mentorat.factories import UserFactory
from tests.parrainages.factories import FilleulFactory, ParrainFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return ProgrammeFactory(slug="paris-1000")


@pytest.fixture
def data():
    Commune.objects.create(
        code_insee="75108",
        nom="Paris 08",
        code_postal="75008",
        codes_postaux="75008",
        departement="75",
    )
    return {
        "first_name": "Claire",
        "last_name": "Fontaine",
        "entreprise": "Groupe Rivoli",
        "fonction": "DRH",
        "annees_experience": "18",
        "commune": "75008",
        "secteurs": [Secteur.objects.get(code="M").pk],
        "offre_reguliere": "on",
        "capacite": "2",
        "distanciel_accepte": "on",
    }


def url(programme):
    return reverse("devenir_parrain", kwargs={"slug": programme.slug})


def test_offer_waits_for_staff_validation(client, programme, data):
    user = UserFactory()
    client.force_login(user)
    response = client.post(url(programme), data)
    assert response.status_code == 302
    parrain = Parrain.objects.get(user=user)
    assert parrain.statut == Parrain.Statut.A_VALIDER
    assert parrain.entreprise == "Groupe Rivoli"
    assert list(parrain.programmes.all()) == [programme]
    assert parrain.commune.code_postal == "75008"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"capacite": "0"}, "capacite"),
        ({"entreprise": ""}, "entreprise"),
        ({"commune": "99999"}, "commune"),
        ({"offre_reguliere": ""}, "__all__"),
    ],
)
def test_bad_offer_saves_nothing(client, programme, data, change, field):
    client.force_login(UserFactory())
    response = client.post(url(programme), {**data, **change})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Parrain.objects.exists()


def test_existing_mentor_joins_another_programme(client, programme):
    parrain = ParrainFactory()
    client.force_login(parrain.user)
    assert client.post(url(programme), {}).status_code == 302
    assert programme in parrain.programmes.all()
    assert Parrain.objects.count() == 1


def test_mentee_account_cannot_offer(client, programme, data):
    client.force_login(FilleulFactory().user)
    client.post(url(programme), data)
    assert not Parrain.objects.exists()


def test_anonymous_is_sent_to_login(client, programme):
    assert client.get(url(programme))["Location"].startswith(reverse("account_login"))
