"""The bad inputs the fuzzing found, kept as plain examples (each was a 500 before its fix)."""

import pytest
from django.urls import reverse

from programmes.models import Inscription

from . import monde as fabrique

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return fabrique.construire()


@pytest.mark.parametrize("identifiant", ["", "abc", "²", "٣", "9" * 30, "9" * 5001, "-1"])
def test_an_event_id_that_is_not_one_answers_404(client, m, identifiant):
    client.force_login(m.filleul.user)
    avant = Inscription.objects.count()
    reponse = client.post(reverse("filleul:evenements"), {"evenement": identifiant})
    assert reponse.status_code == 404
    assert Inscription.objects.count() == avant


def test_attendance_ignores_what_is_not_an_id(client, m):
    client.force_login(m.parrain.user)
    present = m.inscriptions[0]
    reponse = client.post(
        reverse("parrain:presences", kwargs={"pk": m.action.pk}),
        {
            "present": [
                "²",
                "9" * 30,
                "9" * 5001,
                "x",
                str(m.autres_inscriptions[0].pk),
                str(present.pk),
            ]
        },
    )
    assert reponse.status_code == 302
    present.refresh_from_db()
    m.autres_inscriptions[0].refresh_from_db()
    assert present.statut == Inscription.Statut.PRESENT
    assert m.autres_inscriptions[0].statut == Inscription.Statut.INSCRIT  # not this event's


@pytest.mark.parametrize("commune", ["\x00", "Paris\x00 (75019)", "75019\x00"])
def test_a_commune_with_a_nul_character_is_unknown(client, m, commune):
    client.force_login(m.sans_role)
    reponse = client.post(
        reverse("filleul:profil", kwargs={"etape": 2}), {"commune": commune, "qpv": "oui"}
    )
    assert reponse.status_code == 200
    assert "Nous ne trouvons pas cette commune" in reponse.context["form"].errors["commune"][0]


@pytest.mark.parametrize(
    "secteur", ["1" * 40, "9223372036854775808", "²", "7" * 5001, "-" + "9" * 5000]
)
def test_a_sector_id_out_of_range_is_an_invalid_choice(client, m, secteur):
    client.force_login(m.sans_role)
    reponse = client.post(
        reverse("filleul:profil", kwargs={"etape": 4}),
        {"secteurs_souhaites": [secteur], "mobilite_km": "10"},
    )
    assert reponse.status_code == 200
    assert reponse.context["form"].errors["secteurs_souhaites"]


def test_no_immersion_where_the_page_offers_none(client, m):
    """A hand-made request for a pair whose programme has no immersions is refused."""
    client.force_login(m.parrain.user)
    url = reverse("parrain:immersion_nouvelle", kwargs={"pk": m.binome_regulier.pk})
    reponse = client.post(
        url,
        {
            "date_debut": "2031-05-01",
            "date_fin": "2031-05-10",
            "lieu": "Siège",
            "tuteur": "Mme Martin",
            "objectifs": "Découvrir la paie.",
        },
    )
    assert reponse.status_code == 200
    assert reponse.context["immersion_form"].errors
    assert not m.binome_regulier.immersions.exists()
