"""The whole path of a job seeker, on a phone and on a laptop: programme page to their space."""

import re

import pytest
from django.core import mail

from parrainages.models import Candidature
from programmes.models import Commune
from tests.programmes.factories import ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture
def programme():
    Commune.objects.create(
        code_insee="31555",
        nom="Toulouse",
        code_postal="31000",
        codes_postaux="31000 31100 31200 31300 31400 31500",
        departement="31",
        latitude=43.6,
        longitude=1.44,
    )
    return ProgrammeFactory(
        nom="Profession-emploi",
        slug="profession-emploi",
        porteur="Mission locale Haute-Garonne",
        age_min=16,
        age_max=25,
        departements=["31"],
        offre_ponctuelle=True,
    )


def test_programme_to_application(live_server, ecran_page, axe, programme):
    page = ecran_page
    page.goto(f"{live_server.url}/")
    axe(page)
    page.get_by_role("link", name="Profession-emploi").click()
    axe(page)
    page.get_by_role("link", name=re.compile("je candidate")).click()
    # Not signed in: the login page offers to create an account, keeping the way back.
    axe(page)
    page.get_by_role("link", name="enregistrer").click()
    axe(page)
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label(re.compile(r"^Nom\s*:?$")).fill("Benali")
    page.get_by_label("Courriel").fill("ines@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill("un-mot-de-passe-solide-42")
    page.get_by_label("Mot de passe (confirmation)").fill("un-mot-de-passe-solide-42")
    page.get_by_role("button", name="Création de compte").click()

    # The e-mail code, as the person reads it on their phone.
    axe(page)
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE)[1]
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name=re.compile("Confirm", re.IGNORECASE)).click()

    # Profile, in five short steps.
    page.wait_for_url(re.compile("/filleul/profil/1/"))
    axe(page)
    page.get_by_label("Date de naissance").fill("2004-03-15")
    page.get_by_role("button", name="Continuer").click()
    axe(page)
    page.get_by_label("Commune de résidence").fill("31400")
    page.get_by_label("Non").check()
    page.get_by_role("button", name="Continuer").click()
    axe(page)
    page.get_by_label("Votre situation aujourd'hui").select_option("mission_locale")
    page.get_by_label("Votre diplôme le plus élevé").select_option("4")
    page.get_by_role("button", name="Continuer").click()
    axe(page)
    page.get_by_label("Mardi soir").check()
    page.get_by_role("button", name="Continuer").click()
    axe(page)
    page.get_by_label(re.compile("^J'accepte")).check()
    page.get_by_role("button", name="Enregistrer mon profil").click()

    # Back to the application: eligibility line by line, then apply.
    page.wait_for_url(re.compile("/programmes/profession-emploi/candidater/"))
    axe(page)
    assert page.get_by_text(re.compile(r"Âge : \d+ ans — entre 16 et 25 ans ✓")).is_visible()
    page.get_by_label(re.compile("Je confirme ma candidature")).check()
    page.get_by_role("button", name="Déposer ma candidature").click()

    page.wait_for_url(re.compile("/filleul/$"))
    axe(page)
    assert page.get_by_text("Profession-emploi").first.is_visible()
    assert page.get_by_text("Déposée", exact=True).is_visible()
    candidature = Candidature.objects.get()
    assert candidature.filleul.user.email == "ines@exemple.fr"
    assert candidature.filleul.commune.nom == "Toulouse"
    assert len(axe.visited) == 12


def test_a_mentee_proposes_a_meeting_from_a_phone(live_server, phone_page, axe):
    """In their space: propose a meeting by video call; the mentor accepts it; the mentee sees
    it confirmed with the link to join and the calendar entry to download."""
    import datetime as dt

    from django.utils import timezone

    from parrainages.models import Rencontre
    from parrainages.services import rencontre_accepter
    from tests.parrainages.factories import ParrainageFactory

    pair = ParrainageFactory(actif=True, filleul__user__email="yanis@exemple.fr")
    page = phone_page
    page.goto(f"{live_server.url}/comptes/login/")
    page.get_by_label("Courriel").fill("yanis@exemple.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("motdepasse-de-test")
    page.get_by_role("button", name="Connexion").click()
    if "/confirm-email/" in page.url:
        code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE)[1]
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name=re.compile("Confirm", re.IGNORECASE)).click()

    page.goto(f"{live_server.url}/filleul/")
    axe(page)
    page.get_by_role("link", name="Proposer une rencontre").click()
    axe(page)
    jour = timezone.localdate() + dt.timedelta(days=4)
    page.get_by_label("Date et heure").fill(f"{jour:%Y-%m-%d}T18:30")
    page.get_by_role("radio", name="Visioconférence").check()
    page.get_by_role("textbox", name=re.compile("Lien de visioconférence")).fill(
        "https://visio.exemple.fr/yanis"
    )
    page.get_by_label("Sujet").fill("Préparer mon entretien")
    page.get_by_role("button", name="Proposer la rencontre").click()

    page.wait_for_url(re.compile("/filleul/#rencontres$"))
    axe(page)
    assert page.get_by_text("À confirmer par votre parrain ou marraine").is_visible()
    rencontre = pair.rencontres.get()
    assert rencontre.statut == Rencontre.Statut.PROPOSEE
    assert [m.to for m in mail.outbox[-1:]] == [[pair.parrain.user.email]]

    rencontre_accepter(rencontre=rencontre, par=pair.parrain.user)
    page.reload()
    axe(page)
    assert page.get_by_text("Confirmée", exact=True).is_visible()
    lien = page.get_by_role("link", name=re.compile("Rejoindre la visioconférence"))
    assert lien.get_attribute("href") == "https://visio.exemple.fr/yanis"
    assert lien.get_attribute("rel") == "noopener"
    with page.expect_download() as telechargement:
        page.get_by_role("link", name=re.compile(r"Ajouter à mon agenda \(\.ics\)")).click()
    assert telechargement.value.suggested_filename == f"rencontre-{jour:%Y-%m-%d}.ics"
    assert len(axe.visited) == 4
