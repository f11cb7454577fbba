"""An HR mentor's path: accept a proposal, plan a meeting, log one, record an outcome."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from parrainages.models import Parrainage, Rencontre
from tests.parrainages.factories import ParrainageFactory, ParrainFactory, RencontreFactory
from tests.programmes.factories import ModeleCharteFactory, ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def donnees():
    programme = ProgrammeFactory(nom="1.000 parrains pour 1.000 emplois", slug="paris")
    ModeleCharteFactory(programme=programme)
    parrain = ParrainFactory(
        user__email="claire@entreprise.fr", user__first_name="Claire", capacite=3
    )
    proposition = ParrainageFactory(
        programme=programme,
        parrain=parrain,
        attente=True,
        filleul__user__first_name="Yanis",
        raisons=["même secteur : Industrie"],
    )
    actif = ParrainageFactory(
        programme=programme, parrain=parrain, actif=True, filleul__user__first_name="Sarah"
    )
    RencontreFactory(parrainage=actif, debut=timezone.now() - dt.timedelta(days=2))
    return parrain, proposition, actif


@pytest.mark.parametrize(
    "viewport", [DESKTOP, {"width": 375, "height": 812}], ids=["ordinateur", "telephone"]
)
def test_mentor_path(live_server, browser, axe, donnees, viewport):
    parrain, proposition, actif = donnees
    context = browser.new_context(viewport=viewport, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/comptes/login/")
    axe(page)
    page.get_by_label("Courriel").fill("claire@entreprise.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("motdepasse-de-test")
    page.get_by_role("button", name="Connexion").click()

    # Unverified address: allauth asks for the code first. Verify it from the e-mail.
    if "/confirm-email/" in page.url:
        from django.core import mail

        code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE)[1]
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name=re.compile("Confirm", re.IGNORECASE)).click()

    page.wait_for_url(re.compile("/parrain/$"))
    axe(page)
    page.get_by_role("link", name=re.compile("Yanis")).click()
    axe(page)
    assert page.get_by_text("même secteur : Industrie").is_visible()
    page.get_by_role("button", name=re.compile("J'accepte")).click()

    # The pair's page: contact details, then plan a meeting.
    page.wait_for_url(re.compile(f"/parrain/binomes/{proposition.pk}/$"))
    axe(page)
    assert page.get_by_text(proposition.filleul.user.email).first.is_visible()
    debut = (timezone.localtime() + dt.timedelta(days=5)).replace(hour=18, minute=30)
    page.get_by_label("Date et heure").fill(debut.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("radio", name="En personne").check()
    page.get_by_role("textbox", name=re.compile("Lieu")).fill("Siège, 10 rue de Rivoli")
    page.get_by_label("Sujet").fill("Préparer les entretiens")
    page.get_by_role("button", name=re.compile("Planifier")).click()
    axe(page)
    assert page.get_by_text("Rencontre planifiée").is_visible()

    # Log the past meeting of the other pair, from the dashboard.
    page.goto(f"{live_server.url}/parrain/")
    page.get_by_role("link", name=re.compile("avec Sarah")).click()
    axe(page)
    page.get_by_label("Simulation d'entretien").check()
    page.get_by_label(re.compile("Notes privées")).fill("Bonne énergie, CV à reprendre.")
    page.get_by_role("button", name="Consigner la rencontre").click()
    axe(page)

    # Record the outcome and end the pair.
    page.get_by_label(re.compile("Situation de la personne")).select_option("cdd_long")
    page.get_by_label(re.compile("Employeur")).fill("Transports Durand")
    # Nothing pre-filled and an explicit confirmation (no false outcome in one tap).
    page.get_by_label(re.compile("Je confirme la fin du parrainage")).check()
    page.get_by_role("button", name=re.compile("Terminer le parrainage")).click()
    axe(page)
    assert page.get_by_text(re.compile("Le parrainage est terminé")).is_visible()
    context.close()

    proposition.refresh_from_db()
    actif.refresh_from_db()
    assert proposition.statut == Parrainage.Statut.ACTIF
    assert proposition.chartes.count() == 1
    assert proposition.rencontres.get().lieu == "Siège, 10 rue de Rivoli"
    assert actif.statut == Parrainage.Statut.TERMINE
    assert actif.sorties.get().type == "cdd_long"
    assert actif.rencontres.get().statut == Rencontre.Statut.TENUE
    assert len(axe.visited) == 8
