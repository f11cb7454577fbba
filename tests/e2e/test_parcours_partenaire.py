"""A partner member's path: sign in, read a convention's indicators, request a report, follow
its production, download it — axe-core on every page."""

import re

import pytest
from allauth.account.models import EmailAddress

from partenaires import services
from partenaires.models import Rapport
from tests.partenaires import scenario

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def donnees(private_storage_dir):
    s = scenario.construire()
    EmailAddress.objects.create(
        user=s.membre_a.user, email=s.membre_a.user.email, verified=True, primary=True
    )
    return s


@pytest.mark.parametrize(
    "viewport", [DESKTOP, {"width": 375, "height": 812}], ids=["ordinateur", "telephone"]
)
def test_partner_path(live_server, browser, axe, donnees, viewport):
    s = donnees
    context = browser.new_context(viewport=viewport, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/comptes/login/")
    axe(page)
    page.get_by_label("Courriel").fill("membre.a@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("motdepasse-de-test")
    page.get_by_role("button", name="Connexion").click()

    page.wait_for_url(re.compile("/partenaire/$"))
    axe(page)
    assert page.get_by_text("Mission locale A").first.is_visible()
    assert page.get_by_text("CONV-B").count() == 0
    page.get_by_role("link", name="Convention de la Mission locale A").click()

    # The convention: gauges against the objectives, the curves, the request form.
    page.wait_for_url(re.compile(f"/partenaire/conventions/{s.convention_a.pk}/$"))
    axe(page)
    assert page.get_by_role("img", name=re.compile("Filleuls orientés et binômes formés")).count()
    assert page.locator("progress").count() == 3
    page.get_by_label("Premier jour de la période").fill("2026-01-01")
    page.get_by_label("Dernier jour de la période").fill("2026-03-31")
    page.get_by_role("button", name="Produire le rapport").click()

    # Produced in-process after the commit: the page offers the files.
    page.wait_for_url(re.compile(r"/partenaire/rapports/\d+/$"))
    axe(page)
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Rapport (PDF)").click()
    fichier = telechargement.value
    assert fichier.suggested_filename == "rapport-conv-a-2026-01-01-au-2026-03-31.pdf"
    with open(fichier.path(), "rb") as contenu:
        assert contenu.read(5) == b"%PDF-"

    # A report still waiting for the worker: the page follows its production and reloads.
    en_attente = Rapport.objects.create(
        convention=s.convention_a,
        periode_debut=s.convention_a.date_debut,
        periode_fin=scenario.Q1[1],
    )
    page.goto(f"{live_server.url}/partenaire/rapports/{en_attente.pk}/")
    axe(page)
    assert page.get_by_role("status").get_by_text(re.compile("En attente")).is_visible()
    services.rapport_produire(rapport_id=en_attente.pk)
    page.get_by_role("link", name="Tableur complet (XLSX)").wait_for(timeout=15_000)
    axe(page)
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Tableur complet (XLSX)").click()
    assert telechargement.value.suggested_filename == "rapport-conv-a-2025-10-01-au-2026-03-31.xlsx"

    page.goto(f"{live_server.url}/partenaire/filleuls/")
    axe(page)
    assert page.get_by_role("cell", name="Bilal Deux").is_visible()
    page.goto(f"{live_server.url}/partenaire/rapports/")
    axe(page)
    context.close()
    assert len(axe.visited) == 8
