"""Mentors' onboarding: staff invitations (one or a CSV file), activation link, validation."""

import html
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mentorat.models import User
from parrainages.models import Parrain
from tests.mentorat.factories import UserFactory, connecter, gestionnaire
from tests.parrainages.factories import ParrainFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

URL = "admin:parrainages_parrain_inviter"


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def staff(client):
    connecter(client, gestionnaire())
    return client


def csv_file(content, encoding="utf-8"):
    return SimpleUploadedFile("parrains.csv", content.encode(encoding), content_type="text/csv")


def test_invite_page_access(client):
    assert client.get(reverse(URL))["Location"].startswith(reverse("admin:login"))
    client.force_login(ParrainFactory().user)
    assert client.get(reverse(URL))["Location"].startswith(reverse("admin:login"))
    connecter(client, gestionnaire())
    assert client.get(reverse(URL)).status_code == 200
    connecter(client, UserFactory(is_staff=True, groupes=["__aucun__"]))
    assert client.get(reverse(URL)).status_code == 403


def test_invite_one_then_activate(staff, client, django_capture_on_commit_callbacks):
    programme = ProgrammeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse(URL),
            {
                "mode": "un",
                "un-prenom": "Claire",
                "un-nom": "Fontaine",
                "un-email": "Claire.Fontaine@Groupe.fr",
                "un-entreprise": "Groupe Rivoli",
                "un-fonction": "DRH",
                "un-programme": programme.pk,
            },
        )
    assert response.status_code == 302
    parrain = Parrain.objects.get(user__email="claire.fontaine@groupe.fr")
    assert parrain.statut == Parrain.Statut.INVITE
    assert not parrain.user.has_usable_password()
    assert list(parrain.programmes.all()) == [programme]
    assert mail.outbox[0].to == ["claire.fontaine@groupe.fr"]
    link = re.search(r"http\S+/parrain/activer/\S+/", mail.outbox[0].body)[0]
    path = link.split("127.0.0.1:8000", 1)[-1]

    client.logout()
    first = client.get(path)
    assert first.status_code == 302 and "definir-mot-de-passe" in first["Location"]
    weak = client.post(first["Location"], {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200
    done = client.post(
        first["Location"],
        {
            "new_password1": "un-mot-de-passe-solide-42",
            "new_password2": "un-mot-de-passe-solide-42",
        },
    )
    assert done["Location"] == reverse("parrain:profil")
    parrain.refresh_from_db()
    assert parrain.statut == Parrain.Statut.ACTIF and parrain.valide_le is not None
    assert EmailAddress.objects.get(user=parrain.user).verified
    assert client.get(reverse("parrain:tableau_de_bord")).status_code == 200
    # The link works once only.
    client.logout()
    assert client.get(path).status_code == 400


def test_tampered_activation_link(client):
    parrain = ParrainFactory(invite=True)
    from parrainages.services import activation_url

    path = activation_url(parrain.user).split("127.0.0.1:8000", 1)[-1]
    assert client.get(path[:-3] + "xx/").status_code == 400
    assert client.get("/parrain/activer/zzz/abc/").status_code == 400


def test_csv_import_good_file(staff, django_capture_on_commit_callbacks):
    content = (
        "prenom;nom;email;entreprise;fonction\n"
        "Claire;Fontaine;claire@groupe.fr;Groupe Rivoli;DRH\n"
        "Karim;Haddad;karim@transports.fr;Transports Haddad;Chargé de recrutement\n"
        ";;;;\n"
        "Élodie;Mercier;elodie@clinique.fr;Clinique du Parc;\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse(URL), {"mode": "csv", "csv-fichier": csv_file(content, "cp1252")}
        )
    assert response.status_code == 302
    assert Parrain.objects.filter(statut="invite").count() == 3
    assert User.objects.get(email="elodie@clinique.fr").first_name == "Élodie"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "claire@groupe.fr",
        "elodie@clinique.fr",
        "karim@transports.fr",
    ]


def test_csv_with_bad_rows_imports_nothing(staff):
    UserFactory(email="deja@exemple.fr")
    content = (
        "prenom,nom,email,entreprise,fonction\n"
        "Claire,Fontaine,claire@groupe.fr,Groupe Rivoli,DRH\n"
        "Karim,Haddad,pas-une-adresse,Transports,\n"
        "Claire,Fontaine,CLAIRE@groupe.fr,Groupe Rivoli,DRH\n"
        "Paul,,paul@exemple.fr,,\n"
        "Déjà,Là,deja@exemple.fr,Société,\n"
    )
    response = staff.post(reverse(URL), {"mode": "csv", "csv-fichier": csv_file(content)})
    assert response.status_code == 200
    content = text(response)
    assert "Ligne 3 : adresse e-mail « pas-une-adresse » invalide." in content
    assert "Ligne 4 : l'adresse claire@groupe.fr figure déjà ligne 2." in content
    assert "Ligne 5 : nom manquant." in content
    assert "Ligne 5 : entreprise manquant." in content
    assert "Ligne 6 : un compte existe déjà pour deja@exemple.fr." in content
    assert not Parrain.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    "content,message",
    [
        ("nom,email\nFontaine,claire@groupe.fr\n", "Colonnes manquantes : prenom, entreprise"),
        ("", "est vide"),
        ("prenom,nom,email,entreprise,fonction\n", "aucune ligne"),
    ],
)
def test_csv_structure_errors(staff, content, message):
    response = staff.post(reverse(URL), {"mode": "csv", "csv-fichier": csv_file(content)})
    assert message in text(response)
    assert not Parrain.objects.exists()


def test_single_invite_existing_account(staff):
    UserFactory(email="deja@exemple.fr")
    response = staff.post(
        reverse(URL),
        {
            "mode": "un",
            "un-prenom": "A",
            "un-nom": "B",
            "un-email": "DEJA@exemple.fr",
            "un-entreprise": "X",
        },
    )
    assert "Un compte existe déjà pour deja@exemple.fr" in text(response)
    assert not Parrain.objects.exists()


def test_validate_self_offered_mentors(staff, django_capture_on_commit_callbacks):
    waiting = ParrainFactory(a_valider=True)
    active = ParrainFactory(statut="actif")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:parrainages_parrain_changelist"),
            {"action": "valider", "_selected_action": [waiting.pk, active.pk]},
            follow=True,
        )
    content = text(response)
    assert "1 parrain(s) validé(s)" in content
    assert "1 ligne(s) ignorée(s)" in content
    waiting.refresh_from_db()
    assert waiting.statut == "actif" and waiting.valide_le is not None
    assert [m.to for m in mail.outbox] == [[waiting.user.email]]


# --- Imports run by a worker ----------------------------------------------------------------------

BON_FICHIER = (
    "prenom;nom;email;entreprise;fonction\n"
    "Claire;Fontaine;claire@groupe.fr;Groupe Rivoli;DRH\n"
    "Karim;Haddad;karim@transports.fr;Transports Haddad;Chargé de recrutement\n"
)


def test_the_request_checks_the_file_and_answers_at_once(staff):
    """Nothing is written in the request but the import itself; the worker does the rest."""
    from parrainages.models import ImportParrains

    response = staff.post(reverse(URL), {"mode": "csv", "csv-fichier": csv_file(BON_FICHIER)})
    envoi = ImportParrains.objects.get()
    assert response["Location"] == reverse(
        "admin:parrainages_importparrains_change", args=[envoi.pk]
    )
    assert (envoi.statut, envoi.total, envoi.nom_fichier) == ("en_attente", 2, "parrains.csv")
    assert not Parrain.objects.exists() and not mail.outbox
    page = staff.get(response["Location"]).content.decode()
    assert "0 / 2 lignes" in page and 'http-equiv="refresh"' in page


def test_the_worker_imports_every_row_and_staff_see_it_done(
    staff, django_capture_on_commit_callbacks
):
    from parrainages.models import ImportParrains

    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse(URL), {"mode": "csv", "csv-fichier": csv_file(BON_FICHIER)})
    envoi = ImportParrains.objects.get()
    assert envoi.statut == "termine" and envoi.lignes == []
    assert Parrain.objects.filter(statut="invite").count() == 2
    page = staff.get(reverse("admin:parrainages_importparrains_change", args=[envoi.pk]))
    assert "2 / 2 lignes" in page.content.decode()
    assert 'http-equiv="refresh"' not in page.content.decode()


def test_a_row_that_became_wrong_meanwhile_imports_nothing(staff):
    from parrainages.models import ImportParrains
    from parrainages.services.onboarding import import_parrains_executer

    staff.post(reverse(URL), {"mode": "csv", "csv-fichier": csv_file(BON_FICHIER)})
    UserFactory(email="karim@transports.fr")  # signed up between the check and the run
    envoi = import_parrains_executer(import_id=ImportParrains.objects.get().pk)
    assert envoi.statut == "echoue"
    assert "Rien n'a été importé" in envoi.erreur and "karim@transports.fr" in envoi.erreur
    assert not Parrain.objects.exists()
    assert not User.objects.filter(email="claire@groupe.fr").exists()


def test_an_import_whose_worker_died_is_run_again(staff):
    import datetime as dt

    from django.utils import timezone

    from parrainages.models import ImportParrains
    from parrainages.services.onboarding import imports_balayer

    staff.post(reverse(URL), {"mode": "csv", "csv-fichier": csv_file(BON_FICHIER)})
    envoi = ImportParrains.objects.get()
    ImportParrains.objects.filter(pk=envoi.pk).update(
        statut="en_cours", mis_a_jour_le=timezone.now() - dt.timedelta(minutes=3)
    )
    enfiles = []
    assert imports_balayer(enqueue=enfiles.append) == 1
    assert enfiles == [envoi.pk]
    envoi.refresh_from_db()
    assert envoi.statut == "en_attente"


def test_who_sees_the_imports(client, staff):
    from parrainages.models import ImportParrains

    staff.post(reverse(URL), {"mode": "csv", "csv-fichier": csv_file(BON_FICHIER)})
    url = reverse("admin:parrainages_importparrains_change", args=[ImportParrains.objects.get().pk])
    client.force_login(ParrainFactory().user)
    assert client.get(url).status_code == 302  # the admin's login
    connecter(client, gestionnaire())
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:parrainages_importparrains_changelist")).status_code == 200
