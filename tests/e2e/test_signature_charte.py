"""A mentee signs the charter on a phone: read, accept, receive the code, sign."""

import re

import pytest
from django.core import mail

from parrainages.models import Signature
from parrainages.services import charte_emettre
from tests.parrainages.factories import ParrainageFactory
from tests.programmes.factories import ModeleCharteFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_mentee_signs_on_a_phone(live_server, phone_page, axe, sceau):
    pair = ParrainageFactory(
        actif=True,
        filleul__user__email="ines@exemple.fr",
        filleul__user__first_name="Inès",
        programme__nom="Profession-emploi",
    )
    ModeleCharteFactory(
        programme=pair.programme,
        texte="Le filleul {filleul} s'engage à venir à chaque rencontre.\n\n"
        "Le parrain {parrain} s'engage à l'accompagner pendant six mois.",
    )
    charte = charte_emettre(parrainage=pair)
    page = phone_page
    page.goto(f"{live_server.url}/comptes/login/")
    page.get_by_label("Courriel").fill("ines@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("motdepasse-de-test")
    page.get_by_role("button", name="Connexion").click()
    if "/confirm-email/" in page.url:
        code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE)[1]
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name=re.compile("Confirm", re.IGNORECASE)).click()

    page.goto(f"{live_server.url}/filleul/")
    axe(page)
    page.get_by_role("link", name=re.compile("Charte du parrainage")).first.click()
    axe(page)
    assert page.get_by_text(re.compile("s'engage à venir à chaque rencontre")).is_visible()
    page.get_by_role("button", name="Recevoir mon code de signature").click()
    axe(page)
    assert page.get_by_text("Cochez la case").first.is_visible()
    page.get_by_label(re.compile("J'ai lu la charte")).check()
    page.get_by_role("button", name="Recevoir mon code de signature").click()
    axe(page)
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE)[1]
    page.get_by_label(re.compile("Code reçu par e-mail")).fill(code)
    page.get_by_role("button", name="Signer la charte").click()
    axe(page)
    assert page.get_by_text("votre signature est enregistrée").is_visible()
    signature = Signature.objects.get(charte=charte)
    assert signature.role == "filleul" and signature.user_agent
    assert len(axe.visited) == 5
