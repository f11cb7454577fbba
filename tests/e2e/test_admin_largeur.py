"""The back office on a 1366-pixel laptop screen: the programme's settings form and the
partners' figures side by side fit its width (no sideways scrolling of the page; a table
wider than the screen scrolls inside its own frame) — axe-core on both pages."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from mentorat.roles import sync_groups
from partenaires.models import Objectif
from tests.e2e.helpers import cookie_de_session
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import ParrainFactory
from tests.partenaires.factories import ConventionFactory, ObjectifFactory, PartenaireFactory
from tests.programmes.factories import EtapeFactory, ModeleCharteFactory, ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

LAPTOP = {"width": 1366, "height": 768}
LARGEURS = """() => ({
    page: document.documentElement.scrollWidth,
    fenetre: window.innerWidth,
})"""


def ouvrir(browser, live_server, axe, url):
    context = browser.new_context(viewport=LAPTOP, locale="fr-FR")
    context.add_cookies([cookie_de_session(gestionnaire(), live_server)])
    page = context.new_page()
    page.goto(f"{live_server.url}{url}")
    axe(page)
    return context, page


def test_the_programme_form_fits_a_laptop_screen(live_server, browser, axe):
    sync_groups(apps)  # a transactional test: the groups of the migrations may be gone
    programme = ProgrammeFactory(
        nom="1.000 parrains pour 1.000 emplois — Ville de Paris et Établissement public "
        "territorial Grand-Orly Seine Bièvre",
        porteur="Direction de l'attractivité et de l'emploi, service de l'insertion",
        departements=["75", "92", "93", "94"],
    )
    for n in range(4):
        EtapeFactory(
            programme=programme,
            nom=f"Entretien individuel de présélection avec la conseillère référente {n}",
            description="Un échange d'une heure pour vérifier les attentes et la "
            "disponibilité de la personne " * 3,
        )
    ModeleCharteFactory(programme=programme, texte="Le parrain s'engage à … " * 80)
    context, page = ouvrir(
        browser, live_server, axe, reverse("admin:programmes_programme_change", args=[programme.pk])
    )
    largeurs = page.evaluate(LARGEURS)
    assert largeurs["page"] <= largeurs["fenetre"], largeurs
    context.close()


def test_the_partners_figures_fit_a_laptop_screen(live_server, browser, axe):
    sync_groups(apps)
    for n in range(6):
        convention = ConventionFactory(
            active=True,
            partenaire=PartenaireFactory(
                nom=f"Mission locale intercommunale de l'agglomération de Saint-Quentin {n}"
            ),
            reference=f"CONV-2026-ML-INTERCOMMUNALE-{n:04d}",
        )
        for indicateur in Objectif.Indicateur.values:
            for periode in (Objectif.Periode.ANNEE, Objectif.Periode.TRIMESTRE):
                ObjectifFactory(
                    convention=convention,
                    indicateur=indicateur,
                    periode=periode,
                    valeur_cible=12500,
                )
    url = reverse("admin:partenaires_indicateurs")
    context, page = ouvrir(browser, live_server, axe, f"{url}?debut=2026-01-01&fin=2026-12-31")
    assert page.locator(".comparatif tbody tr").count() == 6
    largeurs = page.evaluate(LARGEURS)
    assert largeurs["page"] <= largeurs["fenetre"], largeurs
    # Every column of the table can be reached: the table is either whole on the screen or in
    # a frame that scrolls by itself, which the keyboard reaches.
    tableau = page.evaluate(
        """() => {
            const table = document.querySelector('.comparatif table');
            const cadre = table.parentElement;
            return {
                table: table.getBoundingClientRect().right,
                fenetre: window.innerWidth,
                defile: getComputedStyle(cadre).overflowX,
                tabindex: cadre.getAttribute('tabindex'),
            };
        }"""
    )
    assert tableau["table"] <= tableau["fenetre"] or (
        tableau["defile"] in ("auto", "scroll") and tableau["tabindex"] == "0"
    ), tableau
    assert page.get_by_text("Indicateurs du 01/01/2026 au 31/12/2026").is_visible()
    context.close()


def test_autocomplete_fields_are_named_after_their_label(live_server, browser, axe):
    """select2 names its box after the chosen value only: an empty one had no name."""
    sync_groups(apps)
    parrain = ParrainFactory()
    context, page = ouvrir(
        browser, live_server, axe, reverse("admin:parrainages_parrain_change", args=[parrain.pk])
    )
    assert page.get_by_role("combobox", name=re.compile(r"^Commune")).is_visible()
    assert page.get_by_role("searchbox", name=re.compile(r"^Secteurs")).count() == 1
    context.close()
