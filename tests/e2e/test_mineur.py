"""A pupil signs up with their guardian and applies; the guardian consents from their phone."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from parrainages.models import Candidature
from programmes.models import Commune
from tests.mentorat.factories import EmailAddressFactory, UserFactory
from tests.partenaires.factories import PartenaireFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture
def club():
    clermont = Commune.objects.create(
        code_insee="63113",
        nom="Clermont-Ferrand",
        code_postal="63000",
        codes_postaux="63000 63100",
        departement="63",
        latitude=45.78,
        longitude=3.08,
    )
    PartenaireFactory(etablissement=True, nom="Collège Albert Camus", commune=clermont)
    return ProgrammeFactory(
        nom="Club des 1.000",
        slug="club-des-1000",
        age_min=13,
        age_max=16,
        public_eleves=True,
    )


def test_a_pupil_applies_and_the_guardian_consents_on_a_phone(live_server, phone_page, axe, club):
    user = UserFactory(email="lea@exemple.fr", first_name="Léa", last_name="Martin")
    EmailAddressFactory(user=user)
    page = phone_page
    page.goto(f"{live_server.url}/comptes/login/?next=/programmes/{club.slug}/candidater/")
    page.get_by_label("Courriel").fill("lea@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("motdepasse-de-test")
    page.get_by_role("button", name="Connexion").click()

    page.wait_for_url(re.compile("/filleul/profil/1/"))
    axe(page)
    naissance = timezone.localdate() - dt.timedelta(days=365 * 14 + 30)
    page.get_by_label("Date de naissance").fill(naissance.isoformat())
    page.get_by_role("button", name="Continuer").click()

    # Under 18: the guardian's step, a fieldset per guardian.
    axe(page)
    premier = page.get_by_role("group", name="Premier représentant légal")
    premier.get_by_label("Prénom").fill("Nadia")
    premier.get_by_label(re.compile(r"^Nom")).fill("Martin")
    premier.get_by_label("Lien avec vous").select_option("mere")
    premier.get_by_label("Adresse e-mail").fill("nadia.martin@exemple.fr")
    premier.get_by_label("Téléphone").fill("06 11 22 33 44")
    page.get_by_role("button", name="Continuer").click()
    axe(page)
    page.get_by_label("Commune de résidence").fill("63000")
    page.get_by_label("Non").check()
    page.get_by_role("button", name="Continuer").click()
    axe(page)
    page.get_by_label("Votre situation aujourd'hui").select_option("eleve_3e_rep")
    page.get_by_label("Votre diplôme le plus élevé").select_option("0")
    page.get_by_role("button", name="Continuer").click()
    # A pupil's school, typed by its code.
    axe(page)
    page.get_by_label("Votre établissement scolaire").fill("Collège Albert Camus")
    page.get_by_label("Votre classe").select_option("3e")
    page.get_by_role("button", name="Continuer").click()
    axe(page)
    page.get_by_role("button", name="Continuer").click()
    axe(page)
    page.get_by_label(re.compile("^J'accepte")).check()
    page.get_by_role("button", name="Enregistrer mon profil").click()

    page.wait_for_url(re.compile("/candidater/"))
    axe(page)
    assert page.get_by_text("élève de 3e ✓").is_visible()
    page.get_by_label(re.compile("Je confirme ma candidature")).check()
    page.get_by_role("button", name="Déposer ma candidature").click()
    axe(page)
    assert page.get_by_text(re.compile("nous avons écrit à votre représentant légal")).is_visible()
    candidature = Candidature.objects.get()
    assert candidature.statut == Candidature.Statut.ATTENTE_AUTORISATION

    # The guardian opens their link on their own phone, reads, receives the code and consents.
    invitation = next(m for m in mail.outbox if m.to == ["nadia.martin@exemple.fr"])
    lien = re.search(r"(/signature/[^/\s]+/)", invitation.body)[1]
    page.goto(f"{live_server.url}{lien}")
    axe(page)
    assert page.get_by_text(re.compile("Ce à quoi vous donnez votre accord")).is_visible()
    page.get_by_label(re.compile("J'ai lu le document")).check()
    page.get_by_role("button", name="Recevoir mon code de signature").click()
    axe(page)
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE)[1]
    page.get_by_label(re.compile("Code reçu par e-mail")).fill(code)
    page.get_by_role("button", name="Signer le document").click()
    axe(page)
    assert page.get_by_text(re.compile("Votre accord a déjà été donné le")).is_visible()
    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.DEPOSEE
