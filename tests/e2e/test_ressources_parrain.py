"""A mentor finds their programme's resources on a phone and on a laptop: the guide's format
and size, external links said to be so, the charter, the contacts; the guide downloads."""

import re

import pytest

from tests.e2e.helpers import ECRANS, cookie_de_session
from tests.parrainages.factories import ParrainageFactory
from tests.programmes.factories import (
    PDF_MINIMAL,
    ModeleCharteFactory,
    ProgrammeFactory,
    RessourceFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.mark.parametrize("ecran", sorted(ECRANS))
def test_mentor_reads_and_downloads_the_resources(
    live_server, browser, axe, private_storage_dir, ecran
):
    programme = ProgrammeFactory(nom="1.000 parrains pour 1.000 emplois", slug="paris")
    ModeleCharteFactory(programme=programme, texte="{parrain} accompagne {filleul}.")
    pair = ParrainageFactory(programme=programme, actif=True)
    RessourceFactory(
        programme=programme,
        avec_fichier=True,
        titre="Guide du parrain et de la marraine, édition complète pour toute l'année",
    )
    RessourceFactory(
        programme=programme,
        titre="Le mentorat sur 1 jeune 1 solution",
        lien="https://www.1jeune1solution.gouv.fr/mentorat/une-adresse-tres-longue-sans-espace",
    )
    context = browser.new_context(locale="fr-FR", **ECRANS[ecran])
    context.add_cookies([cookie_de_session(pair.parrain.user, live_server)])
    page = context.new_page()
    page.goto(f"{live_server.url}/parrain/")
    page.get_by_role("link", name="Ressources", exact=True).click()
    axe(page)
    page.get_by_role("link", name=programme.nom).click()
    axe(page)
    assert page.get_by_text(f"(PDF, {len(PDF_MINIMAL)} octets)").is_visible()
    assert page.get_by_role(
        "link", name="Le mentorat sur 1 jeune 1 solution (site externe)"
    ).is_visible()
    assert page.get_by_text("le parrain ou la marraine accompagne").is_visible()
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=re.compile("^Guide du parrain")).click()
    assert telechargement.value.suggested_filename.endswith(".pdf")
    context.close()
    assert len(axe.visited) == 2
