"""Signature codes, meeting messages, the day-before reminder and survey links go by SMS where
the person chose it, through Brevo's API shape served by a local fake: a mentee without an
e-mail address signs the charter with a code received by SMS."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentorat.envois import envois_creer, envois_expedier
from mentorat.models import Envoi, Partie
from parrainages import relances
from parrainages.services import charte_emettre
from parrainages.services.parrain import rencontre_planifier
from tests.mentorat.factories import UserFactory
from tests.mentorat.helpers import FauxBrevo
from tests.parrainages.factories import ParrainageFactory, RencontreFactory
from tests.programmes.factories import ModeleCharteFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 24, 8, 0))
SITE = "https://mentorat.exemple.fr"


@pytest.fixture
def brevo(settings):
    faux = FauxBrevo()
    settings.BREVO_API_KEY = FauxBrevo.CLE
    settings.BREVO_SMS_URL = faux.url
    settings.SMS_TIMEOUT = 2
    settings.SITE_URL = SITE
    yield faux
    faux.arreter()


def _chemin_court(texte: str) -> str:
    return re.search(rf"{SITE}(/l/\w{{8}}/)", texte)[1]


def test_a_mentee_without_email_signs_the_charter_with_a_code_by_sms(brevo, client, sceau):
    filleul = UserFactory(mobile=True, email=None, first_name="Yanis")
    pair = ParrainageFactory(actif=True, filleul__user=filleul)
    ModeleCharteFactory(programme=pair.programme, texte="Le binôme s'engage à se rencontrer.")
    charte = charte_emettre(parrainage=pair)
    client.force_login(filleul)
    url = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    reponse = client.post(url, {"action": "demander", "acceptation": "on"}, follow=True)
    assert "envoyé par SMS au 06 •• •• •• " in reponse.content.decode()
    sms = brevo.recus[-1]
    assert sms["recipient"] == filleul.telephone.lstrip("+")
    code = re.search(r"(\d{6})", sms["content"])[1]
    assert len(sms["content"]) <= 160
    reponse = client.post(url, {"action": "confirmer", "code": code})
    assert reponse.status_code == 302
    assert Partie.objects.signees().get().user == filleul
    ligne = Envoi.objects.get(regle="code_signature", canal="sms")
    assert ligne.confidentiel and ligne.texte == "" and ligne.cle.endswith(":sms")


def test_codes_follow_the_choice_email_sms_or_both(brevo, sceau):
    from mentorat.signatures import parties_de, signature_demander_code

    filleul = UserFactory(mobile=True, canaux={"codes": "les_deux"})
    pair = ParrainageFactory(actif=True, filleul__user=filleul)
    ModeleCharteFactory(programme=pair.programme)
    charte = charte_emettre(parrainage=pair)
    partie = parties_de(charte).get(user=filleul)
    mail.outbox.clear()
    demande = signature_demander_code(partie=partie)
    assert demande.canaux == ["email", "sms"]
    assert len(brevo.recus) == 1 and mail.outbox[-1].to == [filleul.email]
    code_sms = re.search(r"(\d{6})", brevo.recus[0]["content"])[1]
    assert re.search(rf"^{code_sms}$", mail.outbox[-1].body, re.MULTILINE)  # the same code


def test_a_stopped_person_without_email_is_told_why_no_code_comes(brevo, client, sceau):
    filleul = UserFactory(mobile=True, email=None, sms_refuses_le=timezone.now())
    pair = ParrainageFactory(actif=True, filleul__user=filleul)
    ModeleCharteFactory(programme=pair.programme)
    charte = charte_emettre(parrainage=pair)
    client.force_login(filleul)
    url = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    reponse = client.post(url, {"action": "demander", "acceptation": "on"})
    assert "réponse STOP" in reponse.content.decode()
    assert brevo.recus == [] and not Envoi.objects.filter(regle="code_signature").exists()


def test_a_planned_meeting_reaches_the_mentee_by_sms_and_the_mentor_by_email(brevo, client):
    filleul = UserFactory(tout_sms=True)
    pair = ParrainageFactory(actif=True, filleul__user=filleul)
    mail.outbox.clear()
    rencontre_planifier(
        parrainage=pair,
        par=pair.parrain.user,
        donnees={
            "debut": (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0),
            "duree_minutes": 45,
            "modalite": "presentiel",
            "lieu": "Médiathèque",
            "sujet": "",
        },
    )
    assert [m.to for m in mail.outbox] == [[pair.parrain.user.email]]
    assert mail.outbox[0].attachments  # the .ics, by e-mail only
    (sms,) = brevo.recus
    assert sms["content"].startswith("Mentorat : rencontre prévue le ")
    client.force_login(filleul)
    reponse = client.get(_chemin_court(sms["content"]))
    assert reponse.status_code == 302 and reponse["Location"].endswith("/filleul/#rencontres")


@pytest.mark.parametrize(
    "nom",
    [
        ("Jean-Christophe", "Dupont-Aignan-Lefebvre"),  # the cut falls inside a word
        ("Đorđe", "Przybyłowski-Wiśniewski 😀"),
    ],
)
def test_a_meeting_proposed_by_a_long_named_mentor_fits_in_one_sms(brevo, settings, nom):
    from mentorat import gsm7
    from parrainages.models import Rencontre
    from parrainages.services.rencontres import invitation_envoyer

    settings.SITE_URL = "https://parrainage.emploi.exemple-ville.fr"  # 42 characters
    filleul = UserFactory(tout_sms=True)
    rencontre = RencontreFactory(
        statut=Rencontre.Statut.PROPOSEE,
        parrainage__filleul__user=filleul,
        parrainage__parrain__user__first_name=nom[0],
        parrainage__parrain__user__last_name=nom[1],
    )
    invitation_envoyer(rencontre, "REQUEST", "Rencontre proposée")
    sms = Envoi.objects.get(canal=Envoi.Canal.SMS, destinataire=filleul)
    assert "à confirmer" in sms.texte
    assert gsm7.septets(sms.texte) is not None and gsm7.septets(sms.texte) <= 160


def _demain_a(heure):
    demain = timezone.localtime(NOW).date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(demain, dt.time(heure, 0)))


def test_the_day_before_reminder_goes_by_the_channels_chosen(brevo):
    filleul = UserFactory(mobile=True, email=None, last_name="De La Tour d'Auvergne-Lauraguais")
    parrain = UserFactory(mobile=True, canaux={"rencontres": "les_deux"})
    pair = ParrainageFactory(actif=True, filleul__user=filleul, parrain__user=parrain)
    rencontre = RencontreFactory(parrainage=pair, debut=_demain_a(18))
    lignes = relances.rencontre_demain(NOW)
    assert sorted((e.cle, e.canal) for e in lignes) == sorted(
        [
            (f"rencontre_demain:{rencontre.pk}:{parrain.pk}", "email"),
            (f"rencontre_demain:{rencontre.pk}:{parrain.pk}:sms", "sms"),
            (f"rencontre_demain:{rencontre.pk}:{filleul.pk}:sms", "sms"),
        ]
    )
    assert envois_creer(lignes) == 3
    assert envois_creer(relances.rencontre_demain(NOW)) == 0  # planned twice: nothing new
    assert envois_expedier() == {"envoye": 3}
    assert envois_expedier() == {}
    assert len(brevo.recus) == 2
    for sms in brevo.recus:
        assert sms["content"].startswith("Mentorat : rappel, rencontre demain à 18:00 avec ")
        assert len(sms["content"]) <= 160 and "/l/" in sms["content"]


def test_the_day_before_reminder_respects_the_unsubscription(brevo):
    filleul = UserFactory(tout_sms=True, relances_non_essentielles=False)
    pair = ParrainageFactory(actif=True, filleul__user=filleul)
    RencontreFactory(parrainage=pair, debut=_demain_a(18))
    envois_creer(relances.rencontre_demain(NOW))
    assert envois_expedier()["annule"] == 1
    assert brevo.recus == []


def test_survey_links_go_by_sms_as_short_links(brevo, client):
    aujourd_hui = timezone.localtime(NOW).date()
    filleul = UserFactory(mobile=True, canaux={"enquetes": "sms"})
    ParrainageFactory(
        termine=True,
        filleul__user=filleul,
        date_debut=aujourd_hui - dt.timedelta(days=200),
        date_fin=aujourd_hui - dt.timedelta(days=1),
    )
    lignes = relances.enquete_fin(NOW)
    assert sorted(e.canal for e in lignes) == ["email", "sms"]  # mentor by e-mail
    envois_creer(lignes)
    envois_expedier()
    (sms,) = brevo.recus
    reponse = client.get(_chemin_court(sms["content"]))
    assert reponse.status_code == 302 and "/enquete/" in reponse["Location"]
    assert client.get(reponse["Location"].removeprefix(SITE)).status_code == 200


def test_an_application_survey_reaches_a_person_without_email_by_sms(brevo):
    from parrainages.models import Candidature
    from tests.parrainages.factories import CandidatureFactory

    filleul = UserFactory(mobile=True, email=None)
    candidature = CandidatureFactory(
        filleul__user=filleul,
        statut=Candidature.Statut.RETENUE,
        decidee_le=NOW - dt.timedelta(days=800),
        programme__duree_parrainage_mois=6,
    )
    Candidature.objects.filter(pk=candidature.pk).update(updated_at=NOW - dt.timedelta(days=800))
    lignes = relances.enquete_candidature_fin(NOW)
    assert [(e.canal, e.email) for e in lignes] == [("sms", filleul.telephone)]


def test_the_check_in_reaches_a_mentee_on_sms_once(brevo, client):
    """The periodic check-in goes by the channel chosen for surveys: a mentee on SMS gets a
    short link that opens her own check-in; the next beat writes nothing more."""
    from parrainages.services.qualite import points_etape_planifier

    filleule = UserFactory(tout_sms=True, first_name="Inès")
    pair = ParrainageFactory(
        actif=True, filleul__user=filleule, date_debut=timezone.localdate() - dt.timedelta(30)
    )
    assert points_etape_planifier() == 2
    assert points_etape_planifier() == 0
    lignes = Envoi.objects.filter(regle="point_etape")
    assert sorted(lignes.values_list("destinataire", "canal")) == sorted(
        [(filleule.pk, "sms"), (pair.parrain.user_id, "email")]
    )
    (sms,) = [r for r in brevo.recus if r["recipient"] == filleule.telephone.lstrip("+")]
    assert len(sms["content"]) <= 160 and "parrainage" in sms["content"]
    cible = client.get(_chemin_court(sms["content"]))["Location"]
    assert cible.startswith(f"{SITE}/point-etape/")
    page = client.get(cible.removeprefix(SITE))
    assert page.status_code == 200 and "Où en est votre parrainage ?" in page.content.decode()
