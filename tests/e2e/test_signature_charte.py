"""The charter signed on a phone: a mentee on their charter's page (read, accept, receive the
code, sign), and a minor's legal guardian from the link of their own e-mailed to them."""

import re

import pytest
from django.core import mail

from mentorat.models import Partie
from parrainages.models import Charte
from parrainages.services import charte_emettre
from tests.parrainages.factories import (
    ParrainageFactory,
    RepresentantLegalFactory,
    partie_de,
    signer,
)
from tests.programmes.factories import ModeleCharteFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

TEXTE = (
    "Le filleul {filleul} s'engage à venir à chaque rencontre.\n\n"
    "Le parrain {parrain} s'engage à l'accompagner pendant six mois."
)


def _code():
    return re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE)[1]


def test_mentee_signs_on_a_phone(live_server, phone_page, axe, sceau):
    pair = ParrainageFactory(
        actif=True,
        filleul__user__email="ines@exemple.fr",
        filleul__user__first_name="Inès",
        programme__nom="Profession-emploi",
    )
    ModeleCharteFactory(programme=pair.programme, texte=TEXTE)
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
    assert page.get_by_role("heading", name="Signer en qualité de filleul ou filleule").is_visible()
    # The whole text in the page's flow (no box to scroll inside), before the form, and no
    # fingerprint jargon for the signer.
    texte = page.locator(".charte-texte")
    assert texte.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    assert texte.bounding_box()["y"] < page.locator("#signer").bounding_box()["y"]
    assert "SHA-256" not in page.content() and charte.texte_sha256 not in page.content()
    page.get_by_role("button", name="Recevoir mon code de signature").click()
    axe(page)
    assert page.get_by_text("Cochez la case").first.is_visible()
    page.get_by_label(re.compile("J'ai lu le document")).check()
    page.get_by_role("button", name="Recevoir mon code de signature").click()
    axe(page)
    page.get_by_label(re.compile("Code reçu par e-mail")).fill(_code())
    page.get_by_role("button", name="Signer le document").click()
    axe(page)
    assert page.get_by_text("votre signature est enregistrée").is_visible()
    signature = Partie.objects.signees().get()
    assert (signature.role, signature.user) == ("filleul", pair.filleul.user)
    assert signature.user_agent and signature.texte_sha256 == charte.texte_sha256
    assert len(axe.visited) == 5


def test_a_guardian_signs_a_minors_charter_from_their_link_on_a_phone(
    live_server, phone_page, axe, sceau, private_storage_dir
):
    representant = RepresentantLegalFactory(
        prenom="Nadia", nom="Benali", email="nadia.benali@exemple.fr"
    )
    pair = ParrainageFactory(actif=True, filleul=representant.filleul)
    ModeleCharteFactory(programme=pair.programme, texte=TEXTE)
    charte = charte_emettre(parrainage=pair)
    signer(partie_de(charte, "parrain"))
    signer(partie_de(charte, "filleul"))
    (invitation,) = [m for m in mail.outbox if m.to == ["nadia.benali@exemple.fr"]]
    lien = re.search(r"https?://\S+/signature/\S+/", invitation.body)[0]

    page = phone_page
    page.goto(live_server.url + lien.split("8000", 1)[1])
    axe(page)
    assert page.get_by_text(re.compile("s'engage à venir à chaque rencontre")).is_visible()
    assert page.get_by_text(re.compile("représentant légal du filleul")).first.is_visible()
    page.get_by_label(re.compile("J'ai lu le document")).check()
    page.get_by_role("button", name="Recevoir mon code de signature").click()
    axe(page)
    assert mail.outbox[-1].to == ["nadia.benali@exemple.fr"]
    page.get_by_label(re.compile("Code reçu par e-mail")).fill(_code())
    page.get_by_role("button", name="Signer le document").click()
    axe(page)
    assert page.get_by_text("votre signature est enregistrée").is_visible()
    assert page.get_by_text(re.compile("Vous avez déjà signé ce document")).is_visible()
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.SIGNEE and charte.pdf
    partie = partie_de(charte, "representant_legal_1")
    assert partie.user is None and partie.signee_le and partie.user_agent
    # The sealed charter, to the guardian too.
    assert any(m.to == ["nadia.benali@exemple.fr"] and m.attachments for m in mail.outbox), [
        m.subject for m in mail.outbox
    ]
    assert len(axe.visited) == 3
