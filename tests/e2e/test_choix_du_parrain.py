"""A mentee chooses her mentor among three, on a phone: from her space to the chosen mentor
asked, seeing first names, jobs and reasons, never a surname nor a contact."""

import re

import pytest

from parrainages.models import Parrainage
from programmes.models import AvisFilleul
from tests.e2e.helpers import cookie_de_session
from tests.parrainages.factories import FilleulFactory, ParrainageFactory, ParrainFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

PARRAINS = [
    ("Claire", "Dubreuil", "Directrice des ressources humaines", 70),
    ("Karim", "Haddad", "Responsable du recrutement", 64),
    ("Sophie", "Lemaire", "Cheffe de projet RH", 58),
]


def test_a_mentee_chooses_among_three_mentors_on_a_phone(live_server, phone_page, axe):
    programme = ProgrammeFactory(nom="Profession-emploi", avis_filleul=AvisFilleul.CHOISIR)
    filleul = FilleulFactory(user__first_name="Inès")
    options = [
        ParrainageFactory(
            programme=programme,
            filleul=filleul,
            parrain=ParrainFactory(
                user__first_name=prenom,
                user__last_name=nom,
                user__email=f"{prenom.lower()}@entreprise.fr",
                fonction=fonction,
            ),
            option=True,
            attente_filleul=True,
            score=score,
        )
        for prenom, nom, fonction, score in PARRAINS
    ]
    page = phone_page
    page.context.add_cookies([cookie_de_session(filleul.user, live_server)])

    page.goto(f"{live_server.url}/filleul/")
    axe(page)
    page.get_by_role("link", name="Choisir mon parrain ou ma marraine").click()
    page.wait_for_url(re.compile(r"/filleul/propositions/\d+/"))
    axe(page)
    texte = page.inner_text("main")
    for prenom, nom, fonction, _ in PARRAINS:
        assert prenom in texte and fonction in texte
        assert nom not in texte and "@entreprise.fr" not in texte
    assert "Même secteur : Commerce" in texte

    page.get_by_role("button", name="Choisir Karim").click()
    page.wait_for_url(re.compile(r"/filleul/$"))
    axe(page)
    assert "Nous demandons à Karim" in page.inner_text("main")

    statuts = {
        o.parrain.user.first_name: o.statut
        for o in Parrainage.objects.filter(pk__in=[o.pk for o in options]).select_related(
            "parrain__user"
        )
    }
    assert statuts == {
        "Karim": Parrainage.Statut.ATTENTE_PARRAIN,
        "Claire": Parrainage.Statut.NON_CHOISI,
        "Sophie": Parrainage.Statut.NON_CHOISI,
    }
