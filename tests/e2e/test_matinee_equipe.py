"""A staff member's morning in the back office, on a phone and on a desktop: the work queue,
an application reviewed and retained, candidates invited to the next selection session,
proposals confirmed, then the follow-up of the pairs. Every page goes through axe-core and the
Nu checker (the ``axe`` fixture); the clicks are counted, to keep the morning short."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.utils import timezone

from mentorat.roles import sync_groups
from parrainages.models import Candidature, Parrainage, ParticipationSelection
from parrainages.services import candidature_deposer
from tests.e2e.helpers import ECRANS, cookie_de_session
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import (
    FilleulFactory,
    ParrainageFactory,
    ParrainFactory,
    session_selection,
)
from tests.programmes.factories import ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture
def programme():
    sync_groups(apps)  # a transactional test: the groups of the migrations may be gone
    programme = ProgrammeFactory(nom="100 chances 100 emplois", niveau_diplome_min=3)
    for n in range(2):
        filleul = FilleulFactory(
            user__first_name=["Jean-Baptiste", "Awa"][n],
            user__last_name=["Abderrahmane-Lefebvre", "Traoré"][n],
        )
        candidature_deposer(filleul=filleul, programme=programme)
    session_selection(programme=programme)
    for n in range(3):
        ParrainageFactory(
            programme=programme,
            parrain=ParrainFactory(user__last_name=f"Delacroix {n}", capacite=2),
            filleul__user__last_name=f"Martin {n}",
            score=80 + n,
            raisons_breves={"secteur": "secteur ✓", "distance": "8 km"},
            distance_km=8.2,
        )
    # A pair formed two months ago that never met: the follow-up shows it.
    ParrainageFactory(
        programme=programme,
        actif=True,
        date_debut=timezone.localdate() - dt.timedelta(days=60),
        filleul__user__last_name="Sans-Rencontre",
    )
    return programme


@pytest.mark.parametrize("ecran", ECRANS)
def test_a_morning_in_the_back_office(live_server, browser, axe, programme, ecran):
    context = browser.new_context(locale="fr-FR", **ECRANS[ecran])
    context.add_cookies([cookie_de_session(gestionnaire(), live_server)])
    page = context.new_page()
    clics = 0

    def cliquer(locator):
        nonlocal clics
        clics += 1
        locator.click()
        page.wait_for_load_state()

    # 9:00, the work queue.
    page.goto(f"{live_server.url}/admin/")
    axe(page)
    file = page.locator("table", has=page.get_by_role("link", name="100 chances 100 emplois"))
    assert (
        file.get_by_role("row", name=re.compile("Candidatures à étudier"))
        .inner_text()
        .endswith("2")
    )

    # The applications to review, the first one opened, retained.
    cliquer(page.get_by_role("link", name="Candidatures à étudier"))
    axe(page)
    cliquer(page.get_by_role("link", name=re.compile("Abderrahmane-Lefebvre")).first)
    axe(page)
    cliquer(page.get_by_role("button", name="Retenir", exact=True))
    assert "enregistrée pour" in page.locator(".messagelist").inner_text()
    axe(page)
    # The other one without going back to the list (the list is newest first).
    cliquer(page.get_by_role("link", name=re.compile("Candidature (suivante|précédente)")))
    axe(page)
    assert "Traoré" in page.locator("#content").inner_text()

    # Candidates to invite to the next session: from the queue to the cohort's sheet.
    cliquer(page.get_by_role("link", name="Administration").first)
    cliquer(page.get_by_role("link", name="Candidats à inviter à la sélection"))
    axe(page)
    page.get_by_role("checkbox", name=re.compile("Traoré")).check()
    clics += 1
    cliquer(page.get_by_role("button", name="Inviter et prévenir"))
    axe(page)
    assert ParticipationSelection.objects.filter(
        candidature__filleul__user__last_name="Traoré"
    ).exists()

    # The proposals: all selected, confirmed after a question.
    cliquer(page.get_by_role("link", name="Administration").first)
    cliquer(page.get_by_role("link", name="Propositions de binômes à confirmer"))
    axe(page)
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").first.select_option("confirmer")
    clics += 2
    cliquer(page.locator("button[name=index]").first)
    axe(page)
    cliquer(page.get_by_role("button", name="Oui, confirmer et envoyer aux parrains"))
    axe(page)
    assert Parrainage.objects.filter(statut=Parrainage.Statut.ATTENTE_PARRAIN).count() == 3

    # The follow-up: the pair that never met.
    cliquer(page.get_by_role("link", name="Administration").first)
    cliquer(page.get_by_role("link", name="Binômes sans rencontre"))
    axe(page)
    assert "Sans-Rencontre" in page.locator("#en-panne").inner_text()

    assert Candidature.objects.filter(statut=Candidature.Statut.RETENUE).count() == 1
    # Queue → review → retain → next → invite → confirm → follow-up, in this many clicks.
    assert clics <= 17, clics
    context.close()
