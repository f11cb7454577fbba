"""An immersion convention on a phone: the mentor proposes it on the portal's form, the tutor
signs it from their link, then fills the end-of-placement assessment; axe-core on each page."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from mentorat.signatures import parties_de
from parrainages.models import Immersion
from parrainages.services.immersion import bilans_demander
from tests.parrainages.factories import ParrainageFactory, ParrainFactory
from tests.partenaires.factories import PartenaireFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_a_convention_proposed_signed_and_assessed_on_a_phone(live_server, phone_page, axe):
    programme = ProgrammeFactory(nom="1.000 parrains pour 1.000 emplois", offre_immersion=True)
    PartenaireFactory(type="france_travail", nom="France Travail Paris 19")
    pair = ParrainageFactory(
        actif=True,
        programme=programme,
        parrain=ParrainFactory(
            offre_immersion=True, entreprise="Paie & Cie", user__email="claire@entreprise.fr"
        ),
        filleul__user__first_name="Yanis",
    )
    page = phone_page
    page.goto(f"{live_server.url}/comptes/login/")
    page.get_by_label("Courriel").fill("claire@entreprise.fr")
    page.get_by_label(re.compile(r"^Mot de passe")).fill("motdepasse-de-test")
    page.get_by_role("button", name="Connexion").click()
    if "/confirm-email/" in page.url:
        code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.MULTILINE)[1]
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name=re.compile("Confirm", re.IGNORECASE)).click()

    # The mentor proposes it from the pair's page.
    page.goto(f"{live_server.url}{pair.get_portal_url()}")
    axe(page)
    page.get_by_role("link", name="Proposer une immersion").click()
    axe(page)
    debut = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("Premier jour").fill(f"{debut:%Y-%m-%d}")
    page.get_by_label("Dernier jour").fill(f"{debut + dt.timedelta(days=11):%Y-%m-%d}")
    page.get_by_role("radio", name="Confirmer un projet professionnel").check()
    page.get_by_label(re.compile("^Objectifs précis")).fill("Confirmer le projet de paie.")
    page.get_by_label("Code ROME du métier").fill("M1501")
    page.get_by_label(re.compile(r"^Métier\b")).fill("Gestionnaire de paie")
    page.get_by_label("SIRET de l'établissement d'accueil").fill("732 829 320 00074")
    page.get_by_label(re.compile(r"^Adresse de l'établissement")).fill("10 rue de Rivoli, Paris")
    page.get_by_label("Lieu d'exécution").fill("Siège")
    page.get_by_label("Prénom du tuteur").fill("Marc")
    page.get_by_label(re.compile(r"^Nom du tuteur")).fill("Martin")
    page.get_by_label("Fonction du tuteur").fill("Responsable paie")
    page.get_by_label("E-mail du tuteur").fill("marc.martin@paie.example")
    page.get_by_label("Structure prescriptrice").select_option(label="France Travail Paris 19")
    page.get_by_label("Prénom du conseiller").fill("Sonia")
    page.get_by_label(re.compile(r"^Nom du conseiller")).fill("Lefèvre")
    page.get_by_label("E-mail du conseiller").fill("sonia@francetravail.example")
    page.get_by_label("Activités confiées").fill("Saisie des variables de paie.")
    page.get_by_label(re.compile("^Compétences observées")).fill("Saisir\nContrôler")
    page.get_by_label("Personne à prévenir en cas d'urgence").fill("Nadia Benali")
    page.get_by_label("Téléphone en cas d'urgence").fill("0611223344")
    page.get_by_role("button", name=re.compile("Proposer la convention")).click()
    axe(page)
    assert page.get_by_text(re.compile("Convention proposée")).is_visible()
    immersion = pair.immersions.get()
    assert immersion.resume_horaires()["semaine"] == "35 h"

    # The tutor signs from their link.
    invitation = next(m for m in mail.outbox if m.to == ["marc.martin@paie.example"])
    lien = urlsplit(re.search(r"https?://\S+/signature/\S+/", invitation.body)[0]).path
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{lien}")
    axe(page)
    page.get_by_label(re.compile("J'ai lu le document")).check()
    page.get_by_role("button", name="Recevoir mon code de signature").click()
    axe(page)
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE)[1]
    page.get_by_label(re.compile("Code reçu par e-mail")).fill(code)
    page.get_by_role("button", name="Signer le document").click()
    axe(page)
    assert page.get_by_text("votre signature est enregistrée").is_visible()
    assert parties_de(immersion).get(role="tuteur").signee_le

    # Validated and ended: the tutor fills the assessment from the link received.
    Immersion.objects.filter(pk=immersion.pk).update(
        statut=Immersion.Statut.VALIDEE,
        valide_le=timezone.now(),
        date_debut=timezone.localdate() - dt.timedelta(days=12),
        date_fin=timezone.localdate() - dt.timedelta(days=1),
    )
    assert bilans_demander() == 1
    lien = urlsplit(re.search(r"https?://\S+/immersion/bilan/\S+/", mail.outbox[-1].body)[0]).path
    page.goto(f"{live_server.url}{lien}")
    axe(page)
    page.get_by_label("Jours de présence").fill("8")
    page.get_by_label("Jours d'absence").fill("0")
    page.locator("fieldset, div").filter(has_text="Compétence : Saisir").get_by_label(
        "Acquise"
    ).first.check()
    page.locator("fieldset, div").filter(has_text="Compétence : Contrôler").get_by_label(
        "En cours d'acquisition"
    ).first.check()
    page.get_by_label("Une embauche est envisagée").check()
    page.get_by_role("button", name="Transmettre le bilan").click()
    axe(page)
    assert page.get_by_text(re.compile("le bilan est transmis")).is_visible()
    immersion.refresh_from_db()
    assert immersion.statut == Immersion.Statut.TERMINEE
    assert immersion.bilan.issue == "embauche"
    assert len(axe.visited) == 8
