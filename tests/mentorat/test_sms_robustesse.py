"""What a text message must never do: break the change that writes it (a text too long), go to
a number nobody verified or that changed since, be sent twice across channels, hold the outbox
behind a provider that hangs; and what a refusal leaves (the e-mail instead, no content)."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorat import canaux, gsm7
from mentorat.canaux import Genre, message_ecrire, telephone_code_envoyer, telephone_verifier
from mentorat.emails import rendre_texte
from mentorat.envois import NouvelEnvoi, courriel_ecrire_rendu, envois_creer, envois_expedier
from mentorat.liens import lien_court
from mentorat.limites import LimiteAtteinte
from mentorat.models import CodeTelephone, Envoi
from tests.mentorat.factories import UserFactory, administrateur, connecter
from tests.mentorat.helpers import FauxBrevo

pytestmark = pytest.mark.django_db

SITE_LONG = "https://parrainage.emploi.exemple-ville.fr"  # 42 characters (docs/sms.md)


@pytest.fixture
def faux_brevo(settings):
    faux = FauxBrevo()
    settings.BREVO_API_KEY = FauxBrevo.CLE
    settings.BREVO_SMS_URL = faux.url
    settings.SMS_EXPEDITEUR = "Mentorat"
    settings.SMS_TIMEOUT = 0.5
    settings.ENVOIS_IMMEDIATS = False
    settings.SITE_URL = SITE_LONG
    yield faux
    faux.arreter()


@pytest.fixture
def sms_console(settings):
    settings.SMS_CONSOLE = True
    settings.SITE_URL = SITE_LONG


def _rappel(user, cle):
    return {
        "destinataire": user,
        "genre": Genre.RENCONTRES,
        "regle": "rencontre_demain",
        "cle": cle,
        "sujet": "Rencontre demain",
        "gabarit": "parrainages/emails/relances/rencontre_demain",
        "contexte": {
            "date": "01/12/2026",
            "heure": "18:00",
            "avec": "Jean-Christophe Dupont",
            "lieu": "Paris",
            "sujet": "",
            "lien": f"{SITE_LONG}/filleul/",
        },
        "lien": f"{SITE_LONG}/filleul/",
    }


# --- Texts that fit ---------------------------------------------------------------------------


class _Rencontre:
    def __init__(self):
        import datetime as dt

        self.debut = timezone.make_aware(dt.datetime(2026, 12, 31, 23, 59))


@pytest.mark.parametrize(
    "nom",
    [
        "Jean-Christophe Dupont-Aignan-Lefebvre",  # the cut falls inside a word
        "Marie-Hélène Bérénice Côté-Lefèvre de Saint-Éloi",
        "Đorđe Łukasz Przybyłowski-Wiśniewski",
        "Amélie 😀 Poulain-Fabuleux-Destin-de-Montmartre",
        "Jean [dit] {Jojo} ~ Dupont € | Durand ^ Martin",  # extension characters: two septets
    ],
)
@pytest.mark.parametrize("a_confirmer", [True, False])
def test_a_meeting_text_fits_with_any_name(sms_console, nom, a_confirmer):
    texte = rendre_texte(
        "parrainages/sms/rencontre.txt",
        {
            "rencontre": _Rencontre(),
            "annulation": False,
            "a_confirmer": a_confirmer,
            "avec": nom,
            "lien_court": lien_court(url=f"{SITE_LONG}/binome/", cle="r"),
        },
    ).strip()
    assert gsm7.septets(texte) is not None and gsm7.septets(texte) <= 160, texte


def test_abreger_counts_septets_not_characters():
    coupe = gsm7.abreger("€" * 40, 30)
    assert gsm7.septets(coupe) <= 30 and coupe.endswith(".")
    assert gsm7.abreger("Jean-Christophe Dupont-Aignan-Lefebvre", 30) == (
        "Jean-Christophe Dupont-Aignan."
    )


def test_letters_without_a_decomposition_are_transliterated_never_ucs2():
    assert gsm7.vers_gsm7("Đorđe Łukasz ħ") == "Dorde Lukasz h"
    assert gsm7.septets(gsm7.abreger("Zoé 😀 ☃ 中文", 30)) is not None


def test_a_text_that_does_not_fit_falls_back_to_email_and_never_breaks_the_change(
    sms_console, settings, tmp_path, caplog
):
    gabarits = tmp_path / "sms"
    gabarits.mkdir()
    (gabarits / "long.txt").write_text("{{ avec }}" + "x" * 140)
    (gabarits / "trop.txt").write_text("x" * 170)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}
    ]
    user = UserFactory(tout_sms=True)

    def ecrire(cle, gabarit):
        return message_ecrire(**_rappel(user, cle), texte_sms=gabarit)

    assert ecrire("a", "sms/long.txt") == ["sms"]  # the name cut shorter: it fits
    assert len(Envoi.objects.get(cle="a:sms").texte) <= 160
    assert ecrire("b", "sms/trop.txt") == ["email"]  # nothing fits: by e-mail
    assert any(r.levelname == "ERROR" for r in caplog.records)


# --- One message, whatever the channel ------------------------------------------------------


def _enquete(user):
    return NouvelEnvoi(
        "enquete_fin",
        f"enquete_fin:1:{user.pk}",
        user.pk,
        user.email,
        "Votre situation",
        "parrainages/emails/relances/enquete",
        {},
    )


def test_switching_channel_does_not_send_a_survey_again(sms_console):
    user = UserFactory(mobile=True)
    assert envois_creer(canaux.envois_repartir([_enquete(user)], genre=Genre.ENQUETES)) == 1
    user.canaux = {"enquetes": "sms"}
    user.save()
    assert canaux.envois_repartir([_enquete(user)], genre=Genre.ENQUETES) == []
    assert Envoi.objects.count() == 1


def test_switching_channel_does_not_write_a_message_again(sms_console):
    user = UserFactory(mobile=True, canaux={"rencontres": "sms"})
    kwargs = {
        **_rappel(user, "rencontre_demain:1"),
        "texte_sms": "parrainages/sms/relances/rencontre_demain.txt",
    }
    assert message_ecrire(**kwargs) == ["sms"]
    user.canaux = {"rencontres": "email"}
    user.save()
    assert message_ecrire(**kwargs) == []
    assert Envoi.objects.count() == 1


# --- At sending time ------------------------------------------------------------------------


def _sms(user, cle="rappel:1:sms", regle="rencontre_demain", **kwargs):
    return courriel_ecrire_rendu(
        regle=regle,
        cle=cle,
        a=user.telephone,
        destinataire=user,
        sujet="Rappel",
        texte="Mentorat : rencontre demain.",
        canal=Envoi.Canal.SMS,
        **kwargs,
    )


def test_a_hung_provider_costs_one_timeout_per_run_and_emails_go_on(faux_brevo):
    faux_brevo.pannes.append("lent")
    user = UserFactory(mobile=True)
    for i in range(4):
        _sms(user, cle=f"rappel:{i}:sms")
    courriel_ecrire_rendu(regle="x", cle="courriel", a="a@example.org", sujet="S", texte="T")
    debut = time.monotonic()
    assert envois_expedier() == {"reessai": 1, "differe": 3, "envoye": 1}
    assert time.monotonic() - debut < 1.5  # one timeout (0.5 s), not four
    differes = Envoi.objects.filter(canal="sms", tentatives=0)
    assert differes.count() == 3
    assert all(e.prochain_essai > timezone.now() for e in differes)
    assert envois_expedier() == {}  # nothing due until the delay passes


def test_a_number_changed_since_the_row_was_written_gets_nothing(faux_brevo):
    user = UserFactory(mobile=True)
    _sms(user)
    user.telephone = "+33698765432"
    user.save()
    assert envois_expedier() == {"annule": 1}
    assert "changé" in Envoi.objects.get().erreur
    assert faux_brevo.recus == []


def test_a_number_no_longer_verified_gets_nothing_but_its_own_code(faux_brevo):
    user = UserFactory(mobile=True)
    _sms(user)
    _sms(user, cle="code_telephone:1", regle="code_telephone")
    user.telephone_verifie_le = None
    user.save()
    assert envois_expedier() == {"annule": 1, "envoye": 1}
    assert Envoi.objects.get(cle="code_telephone:1").statut == Envoi.Statut.ENVOYE


def test_an_invalid_number_unverifies_it_and_the_code_goes_by_email(faux_brevo):
    user = UserFactory(tout_sms=True)
    message_ecrire(
        destinataire=user,
        genre=Genre.CODES,
        regle="code_signature",
        cle="code_signature:1",
        sujet="Votre code",
        gabarit="mentorat/emails/code_signature",
        contexte={"code": "123456", "titre": "Charte", "minutes": 10, "prenom": "Zoé"},
        texte_sms="mentorat/sms/code_signature.txt",
        confidentiel=True,
    )
    assert Envoi.objects.get().canal == "sms"
    faux_brevo.numeros_invalides.add(user.telephone.lstrip("+"))
    bilan = envois_expedier()
    assert bilan["echec"] == 1 and bilan["envoye"] == 1
    sms = Envoi.objects.get(cle="code_signature:1:sms")
    assert sms.statut == Envoi.Statut.ECHEC
    assert sms.texte == "" and sms.contexte == {}  # a code: emptied on failure too
    courriel = Envoi.objects.get(cle="code_signature:1")
    assert courriel.canal == "email" and courriel.email == user.email
    assert courriel.statut == Envoi.Statut.ENVOYE
    user.refresh_from_db()
    assert user.telephone_verifie_le is None


def test_a_text_sent_keeps_no_e_mail_version(faux_brevo):
    user = UserFactory(tout_sms=True)
    message_ecrire(
        **_rappel(user, "r:1"), texte_sms="parrainages/sms/relances/rencontre_demain.txt"
    )
    assert Envoi.objects.get().contexte["repli"]["texte"]
    assert envois_expedier() == {"envoye": 1}
    assert Envoi.objects.get().contexte == {}


def test_a_bulk_text_that_cannot_be_rendered_fails_alone(sms_console, tmp_path, settings):
    (tmp_path / "p" / "sms").mkdir(parents=True)
    (tmp_path / "p" / "sms" / "long.txt").write_text("x" * 170)
    (tmp_path / "p" / "sms" / "bon.txt").write_text("Mentorat : bonjour")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}
    ]
    user = UserFactory(mobile=True, email=None)  # no e-mail to fall back to
    lignes = [
        NouvelEnvoi(
            "r", f"r:{nom}:sms", user.pk, user.telephone, "S", f"p/sms/{nom}", {}, True, "sms"
        )
        for nom in ("long", "bon", "absent")
    ]
    envois_creer(lignes)
    assert envois_expedier() == {"echec": 2, "envoye": 1}
    assert "trop long" in Envoi.objects.get(cle="r:long:sms").erreur
    assert "impossible à rendre" in Envoi.objects.get(cle="r:absent:sms").erreur


# --- STOP -----------------------------------------------------------------------------------


@pytest.mark.parametrize("numero", ["33612345678", "+33612345678", "0612345678", "06 12 34 56 78"])
def test_stop_matches_the_number_in_any_format(client, settings, numero):
    settings.BREVO_WEBHOOK_TOKEN = "jeton"
    user = UserFactory(telephone="+33612345678", telephone_verifie_le=timezone.now())
    reponse = client.post(
        reverse("sms_entrant"),
        {"to": numero, "msg_status": "replied", "reply": "STOP"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer jeton",
    )
    assert reponse.status_code == 204
    user.refresh_from_db()
    assert user.sms_refuses_le is not None


# --- Staff and the number -------------------------------------------------------------------


def _formulaire(reponse) -> dict:
    form = reponse.context["adminform"].form
    donnees = {}
    for nom, champ in form.fields.items():
        if champ.disabled:
            continue
        valeur = form[nom].value()
        if isinstance(valeur, list | tuple):
            donnees[nom] = [str(v) for v in valeur]
        elif isinstance(valeur, bool):
            if valeur:
                donnees[nom] = "on"
        elif valeur is not None:
            donnees[nom] = str(valeur)
    return donnees


def test_staff_changing_a_number_unverifies_it_and_see_its_dates_read_only(client):
    connecter(client, administrateur())
    user = UserFactory(mobile=True, sms_refuses_le=timezone.now())
    page = reverse("admin:mentorat_user_change", args=[user.pk])
    reponse = client.get(page)
    assert {"telephone_verifie_le", "sms_refuses_le"} <= set(
        reponse.context["adminform"].readonly_fields
    )
    donnees = _formulaire(reponse)
    assert "telephone_verifie_le" not in donnees and "sms_refuses_le" not in donnees
    # The same number in another format keeps its verification.
    verifie_le = user.telephone_verifie_le
    national = "0" + user.telephone.removeprefix("+33")
    reponse = client.post(page, {**donnees, "telephone": national})
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.telephone_verifie_le == verifie_le
    reponse = client.post(page, {**donnees, "telephone": "+33698765432"})
    assert reponse.status_code == 302
    user.refresh_from_db()
    assert user.telephone == "+33698765432" and user.telephone_verifie_le is None
    assert user.sms_refuses_le is not None


# --- Abuse of the verification codes --------------------------------------------------------


def test_one_number_gets_a_bounded_number_of_codes_whatever_the_accounts(sms_console, settings):
    settings.SMS_CODES_PAR_NUMERO_PAR_JOUR = 3
    for _ in range(3):
        telephone_code_envoyer(user=UserFactory(), numero="0612345678")
    with pytest.raises(LimiteAtteinte, match="à ce numéro"):
        telephone_code_envoyer(user=UserFactory(), numero="06 12 34 56 78")
    telephone_code_envoyer(user=UserFactory(), numero="0698765432")  # another number goes


def test_the_platform_sends_a_bounded_number_of_codes_a_day(sms_console, settings):
    settings.SMS_CODES_PAR_JOUR = 2
    telephone_code_envoyer(user=UserFactory(), numero="0612345601")
    telephone_code_envoyer(user=UserFactory(), numero="0612345602")
    with pytest.raises(LimiteAtteinte, match="plateforme"):
        telephone_code_envoyer(user=UserFactory(), numero="0612345603")
    assert CodeTelephone.objects.count() == 2


def test_a_number_verified_on_enough_accounts_is_refused_on_another(sms_console, settings):
    settings.SMS_COMPTES_PAR_NUMERO = 1
    UserFactory(telephone="+33612345678", telephone_verifie_le=timezone.now())
    with pytest.raises(ValidationError, match="déjà vérifié"):
        telephone_code_envoyer(user=UserFactory(), numero="0612345678")
    settings.SMS_COMPTES_PAR_NUMERO = 2  # a household sharing a phone
    telephone_code_envoyer(user=UserFactory(), numero="0612345678")


def test_a_number_verified_elsewhere_meanwhile_is_not_verified_twice(sms_console, settings, capsys):
    settings.SMS_COMPTES_PAR_NUMERO = 1
    user = UserFactory()
    telephone_code_envoyer(user=user, numero="0612345678")
    code = capsys.readouterr().out.split("vérification est ")[1][:6]
    UserFactory(telephone="+33612345678", telephone_verifie_le=timezone.now())
    with pytest.raises(ValidationError, match="déjà vérifié"):
        telephone_verifier(user=user, code=code)
    user.refresh_from_db()
    assert user.telephone_verifie_le is None


def test_after_a_stop_no_code_is_sent_and_the_page_says_how_to_opt_back_in(client, sms_console):
    user = UserFactory(sms_refuses_le=timezone.now())
    with pytest.raises(ValidationError, match="STOP"):
        telephone_code_envoyer(user=user, numero="0612345678")
    assert not CodeTelephone.objects.exists() and not Envoi.objects.exists()
    connecter(client, user)
    page = client.get(reverse("telephone")).content.decode()
    assert "répondu STOP" in page and reverse("preferences") in page
    assert 'value="envoyer"' not in page


# --- Erasure, retention, export -------------------------------------------------------------


def test_erasing_a_person_empties_the_texts_rendered_when_written(sms_console):
    from mentorat.envois import envois_effacer

    mentor = UserFactory(mobile=True)
    _sms(mentor)  # « rencontre demain avec <the person erased> »
    envoi = Envoi.objects.get()
    assert envoi.texte
    envois_effacer(ids=[envoi.pk])
    envoi.refresh_from_db()
    assert envoi.texte == "" and envoi.contexte == {}


def test_the_retention_run_deletes_expired_short_links(sms_console):
    from mentorat.liens import lien_court_suivre
    from mentorat.models import LienCourt
    from parrainages.retention import retention_appliquer

    lien_court(url=f"{SITE_LONG}/a/", cle="vieux")
    lien_court(url=f"{SITE_LONG}/b/", cle="recent")
    LienCourt.objects.filter(cle="vieux").update(expire_le=timezone.now())
    assert retention_appliquer(dry_run=True).liens_courts_purges == 1
    assert retention_appliquer().liens_courts_purges == 1
    assert list(LienCourt.objects.values_list("cle", flat=True)) == ["recent"]
    code = lien_court(url=f"{SITE_LONG}/b/", cle="recent").rstrip("/").rsplit("/", 1)[-1]
    assert lien_court_suivre(code) == f"{SITE_LONG}/b/"


def test_the_mentees_export_holds_her_number_choices_and_stop():
    from parrainages.services import filleul_exporter
    from tests.parrainages.factories import FilleulFactory

    filleul = FilleulFactory(
        user=UserFactory(tout_sms=True, sms_refuses_le=timezone.now()),
    )
    identite = filleul_exporter(filleul=filleul)["identite"]
    user = filleul.user
    assert identite["telephone"] == user.telephone
    assert identite["telephone_verifie_le"] == user.telephone_verifie_le.isoformat()
    assert identite["sms_refuses_le"] == user.sms_refuses_le.isoformat()
    assert identite["canaux_choisis"] == {"codes": "sms", "rencontres": "sms", "enquetes": "sms"}
