"""Staff confirm proposals on a 1366-pixel laptop screen: every column in view, no sideways
scrolling, a confirmation page before anything is sent."""

import pytest
from django.apps import apps

from mentorat.roles import sync_groups
from parrainages.models import Parrainage
from tests.e2e.helpers import cookie_de_session
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import FilleulFactory, ParrainageFactory, ParrainFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

LAPTOP = {"width": 1366, "height": 768}
BREVES = {
    "secteur": "secteur ✓",
    "distance": "12 km",
    "disponibilites": "disponibilités 2/3",
    "niveau": "expérience 4/6 ans",
    "attente": "attente 128 j",
}


def _proposition(programme, n):
    # Long names, as people have them.
    parrain = ParrainFactory(
        user__first_name="Marie-Christine",
        user__last_name=f"Delacroix-Montgolfier {n}",
        entreprise="Compagnie générale des eaux et de l'assainissement d'Alsace",
        capacite=3,
    )
    filleul = FilleulFactory(
        user__first_name="Jean-Baptiste", user__last_name=f"Abderrahmane-Lefebvre {n}"
    )
    return ParrainageFactory(
        programme=programme,
        parrain=parrain,
        filleul=filleul,
        score=87,
        raisons_breves=BREVES,
        distance_km=12.4,
    )


def test_the_proposals_fit_a_laptop_screen_and_are_confirmed_after_a_question(
    live_server, browser, axe
):
    sync_groups(apps)  # a transactional test: the groups of the migrations may be gone
    programme = ProgrammeFactory(nom="1.000 parrains pour 1.000 emplois — Ville de Paris")
    pairs = [_proposition(programme, n) for n in range(8)]
    context = browser.new_context(viewport=LAPTOP, locale="fr-FR")
    context.add_cookies([cookie_de_session(gestionnaire(), live_server)])
    page = context.new_page()

    page.goto(f"{live_server.url}/admin/parrainages/parrainage/?statut__exact=proposition")
    axe(page)
    largeurs = page.evaluate(
        """() => {
            const results = document.querySelector('#changelist .results');
            return {
                page: document.documentElement.scrollWidth,
                fenetre: document.documentElement.clientWidth,
                table: results.scrollWidth,
                visible: results.clientWidth,
            };
        }"""
    )
    assert largeurs["page"] <= largeurs["fenetre"], largeurs
    assert largeurs["table"] <= largeurs["visible"], largeurs
    for entete in ("Filleul", "Parrain", "Score", "Pourquoi", "Distance", "Places du parrain"):
        assert page.get_by_role("columnheader", name=entete, exact=True).is_visible(), entete

    page.locator("#action-toggle").check()
    page.locator("select[name=action]").first.select_option("confirmer")
    page.locator("button[name=index]").first.click()

    assert page.get_by_role("heading", level=1).inner_text() == "Confirmer 8 propositions ?"
    axe(page)
    assert set(Parrainage.objects.values_list("statut", flat=True)) == {"proposition"}
    page.get_by_role("button", name="Oui, confirmer et envoyer aux parrains").click()
    page.wait_for_load_state()

    statuts = set(
        Parrainage.objects.filter(pk__in=[p.pk for p in pairs]).values_list("statut", flat=True)
    )
    assert statuts == {Parrainage.Statut.ATTENTE_PARRAIN}
    context.close()
