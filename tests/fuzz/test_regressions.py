"""The bad inputs the fuzzing found, kept as plain examples (each was a 500 before its fix)."""

import html

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parrainages.models import Parrain
from programmes.models import Inscription
from tests.parrainages.factories import MatchingRunFactory, ParrainFactory
from tests.parrainages.helpers import immersion_post

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
    reponse = client.post(url, immersion_post(prescripteur_id=m.prescripteur.pk))
    assert reponse.status_code == 200
    assert reponse.context["form"].non_field_errors() == [
        "Ce parrainage ne prévoit pas d'immersion."
    ]
    assert not m.binome_regulier.immersions.exists()


# --- Hostile query strings and files (issue #13, point 9) ----------------------------------------
# A NUL character reaches PostgreSQL as an error ("text fields cannot contain NUL"); absurd dates
# overflowed Python's datetime inside the admin's date hierarchy; a custom list filter turned a
# stray quote into a ValueError; the mentors' CSV import raised on files it could not parse.


def _texte(reponse) -> str:
    return html.unescape(reponse.content.decode())


@pytest.mark.parametrize(
    "params", [{"q": "Par\x00is"}, {"q": "\x00\x00"}, {"q": "75019", "\x00": "1"}]
)
def test_a_nul_character_in_the_commune_search_is_a_bad_request(client, db, params):
    reponse = client.get(reverse("programmes:communes_recherche"), params)
    assert reponse.status_code == 400
    assert "caractère nul" in _texte(reponse)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Dupont\x00"},
        {"statut": "actif\x00"},
        {"programmes__id__exact": "1\x00"},
        {"created_at__year": "2026\x00"},
    ],
)
def test_a_nul_character_in_an_admin_list_is_a_bad_request(client_gestionnaire, params):
    avant = LogEntry.objects.count()
    reponse = client_gestionnaire.get(reverse("admin:parrainages_parrain_changelist"), params)
    assert reponse.status_code == 400
    assert "caractère nul" in _texte(reponse)
    assert LogEntry.objects.count() == avant


def test_a_nul_character_in_an_admin_autocomplete_is_a_bad_request(client_gestionnaire):
    reponse = client_gestionnaire.get(
        reverse("admin:autocomplete"),
        {
            "term": "Par\x00",
            "app_label": "parrainages",
            "model_name": "parrain",
            "field_name": "commune",
        },
    )
    assert reponse.status_code == 400


def test_a_nul_character_in_the_path_is_a_bad_request(client, db):
    reponse = client.get("/programmes/pro%00gramme/")
    assert reponse.status_code == 400


DATES_ABSURDES = [
    {"created_at__year": "99999999999999999999999"},
    {"created_at__year": "9999"},
    {"created_at__year": "9999", "created_at__month": "12"},
    {"created_at__year": "9999", "created_at__month": "12", "created_at__day": "31"},
    {"created_at__year": "1"},
    {"created_at__year": "0"},
    {"created_at__year": "-3"},
    {"created_at__year": "²"},
    {"created_at__year": "2026", "created_at__month": "9" * 25},
    {"created_at__year": "2026", "created_at__month": "2", "created_at__day": "31"},
    {"created_at__year": "9" * 5001},
]


@pytest.mark.parametrize("params", DATES_ABSURDES)
@pytest.mark.parametrize("modele", ["parrainages_parrain", "partenaires_rapport"])
def test_an_absurd_date_in_the_admin_hierarchy_shows_the_whole_list(
    client_gestionnaire, modele, params
):
    url = reverse(f"admin:{modele}_changelist")
    reponse = client_gestionnaire.get(url, params)
    assert reponse.status_code == 302
    assert reponse["Location"] == f"{url}?e=1"
    liste = client_gestionnaire.get(reponse["Location"])
    assert liste.status_code == 200
    assert "Les filtres demandés ne sont pas valides" in _texte(liste)


@pytest.mark.parametrize("valeur", ["'", "abc", "9" * 30, "-1", "²", "9" * 5001])
def test_a_matching_run_id_that_is_not_one_shows_the_whole_list(client_gestionnaire, valeur):
    MatchingRunFactory(simulation=False)
    url = reverse("admin:parrainages_parrainage_changelist")
    reponse = client_gestionnaire.get(url, {"matching_run__id__exact": valeur})
    assert reponse.status_code in (200, 302)
    if reponse.status_code == 302:
        assert reponse["Location"] == f"{url}?e=1"


ENTETE = b"prenom,nom,email,entreprise,fonction\r\n"
FICHIERS_HOSTILES = [
    pytest.param(
        ENTETE + b"Jean,Dupr\x81\x8dz,jean@exemple.fr,ACME,DRH\r\n",
        "ni en UTF-8 ni en Windows-1252",
        id="octets-indecodables",
    ),
    pytest.param(
        b"prenom nom email entreprise fonction\r\nJean Dupont jean@exemple.fr ACME DRH\r\n",
        "séparateur",
        id="sans-separateur",
    ),
    pytest.param(
        ENTETE + b"Jean," + b"x" * 131_073 + b",jean@exemple.fr,ACME,DRH\r\n",
        "Ligne 2 : une valeur dépasse",
        id="champ-de-131073-caracteres",
    ),
    pytest.param(
        ENTETE + b"Jean,Du\x00pont,jean@exemple.fr,ACME,DRH\r\n",
        "caractère nul",
        id="octet-nul",
    ),
    pytest.param(b'""\r\n""\r\n', "séparateur", id="guillemets-doubles-seuls"),
    pytest.param(
        ENTETE + b'"Jean ""JJ""",Dupont,jean@exemple.fr,"ACME ""et fils"", SA",DRH\r\n'
        b'Paul,"Martin,paul@exemple.fr,ACME,DRH\r\n',
        "Ligne 3",
        id="guillemets-doubles-et-non-fermes",
    ),
    pytest.param(
        ENTETE + b'"Jean\r\nPierre",Dupont,jean@exemple.fr,ACME,DRH\r\n',
        "Ligne 2 : prénom : retour à la ligne ou caractère de contrôle non permis.",
        id="retour-a-la-ligne-dans-un-nom",
    ),
    pytest.param(
        ENTETE + b"Jean," + b"x" * 151 + b",jean@exemple.fr,ACME,DRH\r\n",
        "Ligne 2 : nom trop long (151 caractères, 150 au plus).",
        id="nom-plus-long-que-la-colonne",
    ),
]


@pytest.mark.parametrize(("contenu", "message"), FICHIERS_HOSTILES)
def test_a_hostile_mentors_csv_gets_a_french_message_and_imports_nothing(
    client_gestionnaire, contenu, message
):
    fichier = SimpleUploadedFile("parrains.csv", contenu, content_type="text/csv")
    reponse = client_gestionnaire.post(
        reverse("admin:parrainages_parrain_inviter"), {"mode": "csv", "csv-fichier": fichier}
    )
    assert reponse.status_code == 200
    assert message in _texte(reponse)
    assert not Parrain.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    ("debut", "fin"),
    [("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01")],
)
def test_an_absurd_period_in_the_partners_figures_is_a_form_error(
    client_gestionnaire, m, debut, fin
):
    reponse = client_gestionnaire.get(
        reverse("admin:partenaires_indicateurs"), {"debut": debut, "fin": fin}
    )
    assert reponse.status_code == 200
    assert "Choisissez une date entre le 01/01/2000 et le 31/12/2099." in _texte(reponse)


@pytest.mark.parametrize("selection", ["abc", "9" * 30, "1\x00", "9" * 5001, "²"])
def test_an_admin_action_on_a_selection_that_is_not_ids_does_nothing(
    client_gestionnaire, selection
):
    propose = ParrainFactory(a_valider=True)
    url = reverse("admin:parrainages_parrain_changelist")
    reponse = client_gestionnaire.post(
        url, {"action": "valider", "_selected_action": [selection], "index": "0"}, follow=True
    )
    assert reponse.status_code == 200
    assert "ne désigne pas des lignes de cette liste" in _texte(reponse)
    propose.refresh_from_db()
    assert propose.statut == Parrain.Statut.A_VALIDER
