"""Error pages in French, in the site's layout, and bounded uploads (413 before reading)."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse

from parrainages.services import charte_emettre
from tests.parrainages.factories import ParrainageFactory
from tests.programmes.factories import ModeleCharteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.mentorat.urls_erreurs"


def page(response):
    return html.unescape(response.content.decode())


def test_404_in_french(client, production):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in page(response) and 'lang="fr"' in page(response)


def test_400_in_french(client, production):
    response = client.get("/", HTTP_HOST="inconnu.example")
    assert response.status_code == 400
    assert "Requête invalide" in page(response)


def test_403_in_french(client, production):
    response = client.get("/refuse/")
    assert response.status_code == 403
    assert "Accès refusé" in page(response)


def test_500_in_french(client, production):
    client.raise_request_exception = False
    response = client.get("/casse/")
    assert response.status_code == 500
    assert "Le service rencontre un problème" in page(response)
    assert "n'a pas été enregistré" in page(response)


def test_csrf_failure_in_french(production):
    response = Client(enforce_csrf_checks=True).post(
        reverse("account_login"), {"login": "a@example.org", "password": "x"}
    )
    assert response.status_code == 403
    assert "Ce formulaire a expiré" in page(response) and "Forbidden" not in page(response)


@pytest.fixture
def verification_url():
    pair = ParrainageFactory(actif=True)
    ModeleCharteFactory(programme=pair.programme, texte="Charte {parrain} et {filleul}.")
    charte = charte_emettre(parrainage=pair)
    return reverse("charte_verifier", kwargs={"uuid": charte.uuid})


def test_a_body_announced_too_large_is_refused_before_it_is_read(client, verification_url):
    """An anonymous 1 GiB upload is answered 413 on its Content-Length, unread."""
    response = client.post(
        verification_url,
        {"fichier": SimpleUploadedFile("gros.pdf", b"%PDF-1.7 rien", "application/pdf")},
        CONTENT_LENGTH=str(1024**3),
    )
    assert response.status_code == 413
    assert "dépasse 10 Mo" in page(response) and "Rien n'a été enregistré" in page(response)


def test_a_file_past_the_limit_is_not_stored(client, verification_url, monkeypatch):
    """Past 5 MB the data is no longer handed to the temporary file, and the form says why."""
    stocke = []
    recevoir = TemporaryFileUploadHandler.receive_data_chunk

    def compter(self, raw_data, start):
        stocke.append(len(raw_data))
        return recevoir(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", compter)
    contenu = b"%PDF-1.7\n" + b"0" * (8 * 1024 * 1024)
    response = client.post(
        verification_url,
        {"fichier": SimpleUploadedFile("charte.pdf", contenu, "application/pdf")},
    )
    assert response.status_code == 200
    assert "Le fichier dépasse 5 Mo" in page(response)
    assert sum(stocke) <= 5 * 1024 * 1024


def test_a_file_under_the_limit_is_checked_as_usual(client, verification_url):
    response = client.post(
        verification_url,
        {"fichier": SimpleUploadedFile("x.pdf", b"pas un pdf", "application/pdf")},
    )
    assert "Ce fichier n'est pas un PDF" in page(response)
