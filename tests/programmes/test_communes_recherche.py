"""Finding a commune by name: Paris, Lyon and Marseille, which the postcode files list as
arrondissements (INSEE 75101–75120, 69381–69389, 13201–13216)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programmes.forms import CommuneField
from tests.programmes.factories import CommuneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def communes():
    paris = [
        CommuneFactory(
            code_insee=f"751{n:02d}",
            nom=f"Paris {n:02d}",
            code_postal=f"750{n:02d}",
            departement="75",
        )
        for n in range(1, 21)
    ]
    lyon = [
        CommuneFactory(
            code_insee=f"6938{n}",
            nom="Lyon 1er Arrondissement" if n == 1 else f"Lyon {n}e Arrondissement",
            code_postal=f"6900{n}",
            departement="69",
        )
        for n in range(1, 10)
    ]
    marseille = CommuneFactory(
        code_insee="13055", nom="Marseille", code_postal="13001", departement="13"
    )
    CommuneFactory(code_insee="13201", nom="Marseille 1er Arrondissement", code_postal="13001")
    CommuneFactory(code_insee="95176", nom="Cormeilles-en-Parisis", code_postal="95240")
    CommuneFactory(code_insee="27004", nom="Abbeville-lès-Lyons", code_postal="27480")
    return {"paris": paris, "lyon": lyon, "marseille": marseille}


def labels(client, terme):
    reponse = client.get(reverse("programmes:communes_recherche"), {"q": terme})
    return [resultat["label"] for resultat in reponse.json()["resultats"]]


def test_typing_paris_offers_all_its_arrondissements_first(client, communes):
    trouvees = labels(client, "Paris")
    assert trouvees[:20] == [f"Paris {n:02d} (750{n:02d})" for n in range(1, 21)]
    assert "Cormeilles-en-Parisis (95240)" not in trouvees[:20]


def test_typing_lyon_offers_its_arrondissements_before_names_containing_it(client, communes):
    trouvees = labels(client, "lyon")
    assert trouvees[0] == "Lyon 1er Arrondissement (69001)"
    assert len(trouvees) == 10
    assert trouvees[-1] == "Abbeville-lès-Lyons (27480)"


def test_typing_marseille_offers_the_city_first(client, communes):
    assert labels(client, "Marseille") == [
        "Marseille (13001)",
        "Marseille 1er Arrondissement (13001)",
    ]


@pytest.mark.parametrize(
    "terme, attendu",
    [
        ("Paris 1er", "Paris 01 (75001)"),
        ("paris 19e", "Paris 19 (75019)"),
        ("Lyon 3ème arrondissement", "Lyon 3e Arrondissement (69003)"),
    ],
)
def test_an_arrondissement_typed_by_its_number(client, communes, terme, attendu):
    assert labels(client, terme)[0] == attendu


@pytest.mark.parametrize(
    "texte, code_insee",
    [
        ("Paris 1er", "75101"),
        ("Paris 16 (75016)", "75116"),
        ("Lyon 9e", "69389"),
        ("Marseille", "13055"),
        ("75019", "75119"),
    ],
)
def test_the_typed_commune_is_resolved_without_javascript(communes, texte, code_insee):
    assert CommuneField().clean(texte).code_insee == code_insee


def test_paris_alone_asks_which_arrondissement(communes):
    with pytest.raises(ValidationError) as erreur:
        CommuneField().clean("Paris")
    assert erreur.value.code == "ambigue"
    assert "Paris 01 (75001)" in erreur.value.messages[0]


def test_lyon_alone_asks_which_arrondissement(communes):
    with pytest.raises(ValidationError) as erreur:
        CommuneField().clean("Lyon")
    assert erreur.value.code == "ambigue"
