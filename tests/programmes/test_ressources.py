"""Resources for mentors: the page per programme in the mentor portal, the private file behind
an access check, staff editing them in the admin within their perimeter, the upload checks."""

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from mentorat.televersements import (
    FichierTropGros,
    fichier_televerse_verifier,
    format_detecter,
    taille_lisible,
)
from programmes.models import Ressource
from tests.mentorat.factories import administrateur, connecter, gestionnaire
from tests.parrainages.factories import FilleulFactory, ParrainageFactory, ParrainFactory
from tests.programmes.factories import (
    PDF_MINIMAL,
    ModeleCharteFactory,
    ProgrammeFactory,
    RessourceFactory,
    StructureFactory,
    affecter,
)

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


def page(programme):
    return reverse("parrain:ressources_programme", kwargs={"slug": programme.slug})


def fichier_url(ressource):
    return reverse("parrain:ressource_fichier", kwargs={"pk": ressource.pk})


@pytest.fixture
def programme():
    return ProgrammeFactory(porteur="Ville de Paris et ANDRH", coordinateur=gestionnaire())


@pytest.fixture
def parrain(programme):
    parrain = ParrainFactory()
    parrain.programmes.add(programme)
    return parrain


# -- the mentor's page ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 20])
def test_the_page_shows_resources_charter_and_contacts_in_constant_queries(
    client, django_assert_num_queries, private_storage_dir, programme, parrain, n
):
    ModeleCharteFactory(programme=programme, version=1, texte="Ancienne version.")
    ModeleCharteFactory(
        programme=programme, version=2, texte="{parrain} accompagne {filleul} dans {programme}."
    )
    for i in range(n):
        RessourceFactory(programme=programme, titre=f"Lien {i}")
    guide = RessourceFactory(programme=programme, avec_fichier=True, titre="Guide de départ")
    RessourceFactory(programme=programme, brouillon=True, titre="Pas encore publié")
    RessourceFactory(titre="Ressource d'un autre programme")
    client.force_login(parrain.user)
    # savepoints, session (with the account and the mentor), the programme (with its
    # coordinator), its structures, the charter's current text, the resources
    with django_assert_num_queries(7):
        reponse = client.get(page(programme))
    assert reponse.status_code == 200
    contenu = text(reponse)
    assert contenu.count("(site externe)") == 2 * n
    assert f'href="{fichier_url(guide)}"' in contenu
    taille = taille_lisible(guide.fichier_taille)
    assert re.search(rf"Guide de départ</a>\s*<span class=\"meta\">\(PDF, {taille}\)", contenu)
    assert "Pas encore publié" not in contenu
    assert "autre programme" not in contenu
    assert (
        f"le parrain ou la marraine accompagne le filleul ou la filleule dans {programme.nom}."
        in contenu
    )
    assert "Ancienne version" not in contenu
    assert "Ville de Paris et ANDRH" in contenu
    assert programme.coordinateur.email in contenu
    assert programme.structures.get().nom in contenu


def test_the_mentor_reaches_the_programmes_of_their_pairs_and_profile_only(client, parrain):
    par_binome = ParrainageFactory(parrain=parrain, actif=True).programme
    decline = ParrainageFactory(parrain=parrain, statut="decline").programme
    etranger = ProgrammeFactory()
    client.force_login(parrain.user)
    liste = text(client.get(reverse("parrain:ressources")))
    assert par_binome.nom in liste and parrain.programmes.get().nom in liste
    assert decline.nom not in liste and etranger.nom not in liste
    assert client.get(page(par_binome)).status_code == 200
    assert client.get(page(decline)).status_code == 404
    assert client.get(page(etranger)).status_code == 404


def test_the_list_of_programmes_in_constant_queries(client, django_assert_num_queries, parrain):
    for _ in range(6):
        programme = ProgrammeFactory()
        parrain.programmes.add(programme)
        RessourceFactory(programme=programme)
        ParrainageFactory(parrain=parrain, programme=programme, actif=True)
    client.force_login(parrain.user)
    # savepoints, session (with the account and the mentor), the programmes with their
    # resources counted
    with django_assert_num_queries(4):
        reponse = client.get(reverse("parrain:ressources"))
    assert text(reponse).count("1 ressource") == 6


def test_a_link_to_the_platform_itself_is_not_marked_external(client, settings, programme):
    settings.SITE_URL = "https://mentorat.exemple.fr"
    interne = RessourceFactory(programme=programme, lien="https://mentorat.exemple.fr/charte/")
    externe = RessourceFactory(programme=programme, lien="https://www.service-public.fr/")
    assert not interne.lien_externe
    assert externe.lien_externe


# -- the file --------------------------------------------------------------------------------


def test_the_file_is_an_attachment_of_its_type_never_sniffed(
    client, django_assert_num_queries, private_storage_dir, programme, parrain
):
    ressource = RessourceFactory(programme=programme, avec_fichier=True, titre="Guide n°1 : été")
    client.force_login(parrain.user)
    # savepoints, session (with the account and the mentor), the resource
    with django_assert_num_queries(4):
        reponse = client.get(fichier_url(ressource))
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == 'attachment; filename="guide-n1-ete.pdf"'
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse.content == PDF_MINIMAL
    assert str(private_storage_dir) in ressource.fichier.path


def test_another_programme_file_and_an_unpublished_one_answer_404(
    client, private_storage_dir, programme, parrain
):
    autre = RessourceFactory(avec_fichier=True)
    brouillon = RessourceFactory(programme=programme, avec_fichier=True, brouillon=True)
    lien = RessourceFactory(programme=programme)
    client.force_login(parrain.user)
    assert client.get(fichier_url(autre)).status_code == 404
    assert client.get(fichier_url(brouillon)).status_code == 404
    assert client.get(fichier_url(lien)).status_code == 404
    # Staff of the programme check a draft before publishing it; others' staff do not see it.
    connecter(client, gestionnaire())
    assert client.get(fichier_url(brouillon)).status_code == 200
    ailleurs = gestionnaire(structure=StructureFactory(nom="Autre structure"))
    connecter(client, ailleurs)
    assert client.get(fichier_url(brouillon)).status_code == 404
    assert client.get(page(programme)).status_code == 404


def test_mentees_and_partners_get_nothing(client, private_storage_dir, programme):
    ressource = RessourceFactory(programme=programme, avec_fichier=True)
    filleul = FilleulFactory()
    ParrainageFactory(filleul=filleul, programme=programme, actif=True)
    client.force_login(filleul.user)
    assert client.get(page(programme)).status_code == 404
    assert client.get(fichier_url(ressource)).status_code == 404
    client.logout()
    assert client.get(fichier_url(ressource)).status_code == 302


def test_a_paused_mentor_still_reads_an_inactive_one_does_not(client, programme, parrain):
    client.force_login(parrain.user)
    parrain.statut = parrain.Statut.PAUSE
    parrain.save()
    assert client.get(page(programme)).status_code == 200
    parrain.statut = parrain.Statut.INACTIF
    parrain.save()
    assert client.get(page(programme)).status_code == 404


# -- what is uploaded -----------------------------------------------------------------------


def _docx() -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return tampon.getvalue()


@pytest.mark.parametrize(
    ("nom", "contenu", "code"),
    [
        ("guide.pdf", PDF_MINIMAL, "pdf"),
        ("modele.docx", _docx(), "docx"),
        ("image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
        ("notes.txt", "Première rencontre : écouter.".encode(), "txt"),
    ],
)
def test_accepted_formats_are_read_from_the_content(nom, contenu, code):
    assert fichier_televerse_verifier(SimpleUploadedFile(nom, contenu)).code == code


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        # A text renamed .pdf: its reader would be misled.
        ("guide.pdf", b"Ceci n'est pas un PDF.", "ne correspond pas à son extension « .pdf »"),
        ("guide.pdf", b"\x00\x01\x02MZ\x90\x00binaire", "type de fichier n'est pas accepté"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 30, "type de fichier n'est pas accepté"),
        ("page.html", b"\x00<html>", "type de fichier n'est pas accepté"),
        ("vide.pdf", b"", "vide"),
        ("sans-extension", PDF_MINIMAL, "pas d'extension"),
    ],
)
def test_refused_uploads_say_why(nom, contenu, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as erreur:
        fichier_televerse_verifier(SimpleUploadedFile(nom, contenu))
    assert message in " ".join(erreur.value.messages)


@override_settings(TELEVERSEMENT_TAILLE_MAX=1024 * 1024)
def test_a_file_past_the_limit_is_refused_without_being_read():
    from django.core.exceptions import ValidationError

    trop = FichierTropGros("guide.pdf", "application/pdf", 1024 * 1024 + 1)
    with pytest.raises(ValidationError, match="dépasse la taille maximale de 1 Mo"):
        fichier_televerse_verifier(trop)


def test_detection_ignores_the_announced_type():
    faux = SimpleUploadedFile("guide.pdf", b"texte", content_type="application/pdf")
    assert format_detecter(faux) == "txt"


def test_sizes_read_as_people_say_them():
    assert taille_lisible(1) == "1 octet"
    assert taille_lisible(512) == "512 octets"
    assert taille_lisible(240 * 1024) == "240 Ko"
    assert taille_lisible(240 * 1024 + 1) == "241 Ko"
    assert taille_lisible(1_300_000) == "1,2 Mo"


# -- staff, in the admin --------------------------------------------------------------------


def admin_url(vue, *args):
    return reverse(f"admin:programmes_ressource_{vue}", args=args)


def donnees(programme, **autres):
    return {
        "programme": programme.pk,
        "titre": "Guide du parrain",
        "type": Ressource.Type.GUIDE,
        "description": "",
        "lien": "",
        "ordre": "1",
        "publiee": "on",
        **autres,
    }


def test_staff_upload_a_guide_kept_private_with_its_format_and_size(
    client, private_storage_dir, settings, programme
):
    connecter(client, gestionnaire())
    fichier = SimpleUploadedFile("guide.pdf", PDF_MINIMAL, content_type="application/pdf")
    reponse = client.post(admin_url("add"), donnees(programme, fichier=fichier))
    assert reponse.status_code == 302, text(reponse)
    ressource = Ressource.objects.get()
    assert (ressource.fichier_format, ressource.fichier_taille) == ("pdf", len(PDF_MINIMAL))
    assert (private_storage_dir / ressource.fichier.name).read_bytes() == PDF_MINIMAL
    assert not (Path(str(settings.MEDIA_ROOT)) / ressource.fichier.name).exists()
    change = text(client.get(admin_url("change", ressource.pk)))
    assert fichier_url(ressource) in change
    assert settings.MEDIA_URL + "ressources" not in change


def test_a_fake_pdf_is_refused_and_nothing_stored(client, private_storage_dir, programme):
    connecter(client, gestionnaire())
    faux = SimpleUploadedFile("guide.pdf", b"<script>alert(1)</script>", "application/pdf")
    reponse = client.post(admin_url("add"), donnees(programme, fichier=faux))
    assert reponse.status_code == 200
    assert "ne correspond pas à son extension « .pdf »" in text(reponse)
    assert not Ressource.objects.exists()
    assert not any(private_storage_dir.rglob("*.pdf"))


@pytest.mark.parametrize(
    ("autres", "message"),
    [
        ({}, "Joignez un fichier ou indiquez un lien."),
        ({"lien": "http://exemple.fr/guide"}, "commençant par https://"),
    ],
)
def test_a_resource_is_a_file_or_an_https_link(client, programme, autres, message):
    connecter(client, gestionnaire())
    reponse = client.post(admin_url("add"), donnees(programme, **autres))
    assert message in text(reponse)
    assert not Ressource.objects.exists()


def test_a_file_and_a_link_together_are_refused(client, private_storage_dir, programme):
    connecter(client, gestionnaire())
    fichier = SimpleUploadedFile("guide.pdf", PDF_MINIMAL)
    reponse = client.post(
        admin_url("add"), donnees(programme, fichier=fichier, lien="https://exemple.fr/")
    )
    assert "un fichier ou un lien, pas les deux" in text(reponse)
    assert not Ressource.objects.exists()


def test_a_replaced_file_and_a_deleted_resource_lose_their_file_after_the_commit(
    client, private_storage_dir, django_capture_on_commit_callbacks, programme
):
    connecter(client, gestionnaire())
    ressource = RessourceFactory(programme=programme, avec_fichier=True)
    ancien = private_storage_dir / ressource.fichier.name
    nouveau = SimpleUploadedFile("notes.txt", b"Nouvelles notes.")
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        reponse = client.post(
            admin_url("change", ressource.pk), donnees(programme, fichier=nouveau)
        )
        assert reponse.status_code == 302, text(reponse)
    # Still there until the commit: a rolled-back change keeps its file.
    assert ancien.exists()
    for rappel in rappels:
        rappel()
    assert not ancien.exists()
    ressource.refresh_from_db()
    assert (ressource.fichier_format, ressource.fichier_taille) == ("txt", 16)
    remplace = private_storage_dir / ressource.fichier.name
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(admin_url("delete", ressource.pk), {"post": "yes"})
    assert reponse.status_code == 302
    assert not Ressource.objects.exists()
    assert not remplace.exists()


def test_staff_see_and_change_only_their_perimeter_resources(client, programme):
    ressource = RessourceFactory(programme=programme)
    autre_structure = StructureFactory(nom="Mission locale voisine")
    leur_programme = ProgrammeFactory(structure=autre_structure)
    la_leur = RessourceFactory(programme=leur_programme, titre="Fiche de la Mission locale")
    ailleurs = gestionnaire(structure=autre_structure)
    connecter(client, ailleurs)
    liste = text(client.get(admin_url("changelist")))
    assert la_leur.titre in liste and ressource.titre not in liste
    assert client.get(admin_url("change", ressource.pk)).status_code == 404
    reponse = client.post(admin_url("add"), donnees(programme, lien="https://exemple.fr/"))
    assert reponse.status_code == 200
    assert "Sélectionnez un choix valide" in text(reponse)
    assert Ressource.objects.count() == 2


def test_read_only_staff_cannot_add_a_resource(client, programme):
    lecteur = gestionnaire(structure=False)
    affecter(lecteur, programme.structures.get(), role="lecture")
    connecter(client, lecteur)
    reponse = client.post(admin_url("add"), donnees(programme, lien="https://exemple.fr/"))
    assert reponse.status_code == 403
    assert not Ressource.objects.exists()


def test_the_administrateur_sees_every_programme_resources(client, programme):
    RessourceFactory(programme=programme, titre="Guide A")
    RessourceFactory(titre="Guide B")
    connecter(client, administrateur())
    liste = text(client.get(admin_url("changelist")))
    assert "Guide A" in liste and "Guide B" in liste
