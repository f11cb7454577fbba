"""Staff review an application on a phone: the whole page passes axe-core and the Nu checker
(the admin's chrome, its autocompletes and breadcrumbs included), nothing scrolls sideways, and
a decision is made from the keyboard alone."""

import pytest
from django.apps import apps

from mentorat.roles import sync_groups
from parrainages.models import Candidature
from parrainages.services import candidature_deposer
from tests.e2e.helpers import cookie_de_session
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import FilleulFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

PHONE = {"width": 375, "height": 812}


def test_an_application_is_reviewed_and_retained_on_a_phone_with_the_keyboard(
    live_server, browser, axe
):
    sync_groups(apps)  # a transactional test: the groups of the migrations may be gone
    programme = ProgrammeFactory(nom="100 chances 100 emplois", niveau_diplome_min=3)
    filleul = FilleulFactory(
        user__first_name="Jean-Baptiste", user__last_name="Abderrahmane-Lefebvre"
    )
    candidature = candidature_deposer(filleul=filleul, programme=programme)
    context = browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True)
    context.add_cookies([cookie_de_session(gestionnaire(), live_server)])
    page = context.new_page()

    page.goto(f"{live_server.url}/admin/parrainages/candidature/{candidature.pk}/change/")
    axe(page)
    assert page.get_by_role("heading", name="Éligibilité au dépôt").is_visible()
    assert page.get_by_role("row", name="Diplôme").get_by_text("rempli").is_visible()
    largeurs = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert largeurs[0] <= largeurs[1], largeurs

    bouton = page.get_by_role("button", name="Retenir", exact=True)
    bouton.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "enregistrée pour" in page.locator(".messagelist").inner_text()
    axe(page)
    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.RETENUE
    context.close()
