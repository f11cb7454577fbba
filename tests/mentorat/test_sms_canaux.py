"""A person's mobile number (verified by a code), their channel per kind of message, the
dispatcher that writes one row per channel, short links, and STOP by the provider's callback."""

import datetime as dt
import html
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorat import canaux
from mentorat.canaux import Genre, message_ecrire, telephone_code_envoyer, telephone_verifier
from mentorat.envois import NouvelEnvoi
from mentorat.liens import lien_court
from mentorat.limites import LimiteAtteinte
from mentorat.models import CodeTelephone, Envoi, User
from tests.mentorat.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_console(settings):
    """SMS sent to the console (as in the demo); the tests read them from the outbox rows."""
    settings.SMS_CONSOLE = True


def _code_envoye(capsys) -> str:
    sortie = capsys.readouterr().out
    return sortie.split("vérification est ")[1][:6]


def texte(reponse):
    return html.unescape(reponse.content.decode())


# --- Normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numero", "attendu"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("07.81.23.45.67", "+33781234567"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe
        ("0692 12 34 56", "+262692123456"),  # La Réunion
        ("0694 20 12 34", "+594694201234"),  # Guyane
        ("0639 01 23 45", "+262639012345"),  # Mayotte
        ("01 44 55 66 77", ""),  # a landline
        ("08 99 12 34 56", ""),  # premium
        ("+44 7700 900123", ""),  # foreign mobile
        ("123", ""),
        ("", ""),
    ],
)
def test_numbers_are_read_in_french_formats(numero, attendu):
    from mentorat.telephones import telephone_e164

    assert telephone_e164(numero) == attendu


def test_partners_read_numbers_through_the_core():
    from mentorat.telephones import telephone_e164
    from partenaires import orientations

    assert orientations.telephone_e164 is telephone_e164


# --- Verification ---------------------------------------------------------------------------


def test_a_number_is_verified_by_the_code_sent_to_it(sms_console, capsys):
    user = UserFactory()
    telephone_code_envoyer(user=user, numero="06 12 34 56 78")
    user.refresh_from_db()
    assert user.telephone == "+33612345678" and user.telephone_verifie_le is None
    envoi = Envoi.objects.get(regle="code_telephone")
    assert envoi.canal == Envoi.Canal.SMS and envoi.confidentiel and envoi.texte == ""
    code = _code_envoye(capsys)
    demande = CodeTelephone.objects.get()
    assert code not in demande.code_hash  # only a keyed hash is kept
    with pytest.raises(ValidationError, match="pas le bon. Il vous reste 4 essais"):
        telephone_verifier(user=user, code="000000" if code != "000000" else "111111")
    telephone_verifier(user=user, code=code)
    user.refresh_from_db()
    assert user.telephone_verifie_le is not None
    with pytest.raises(ValidationError, match="expiré ou n'existe pas"):
        telephone_verifier(user=user, code=code)  # used once


def test_a_code_expires_and_allows_five_tries(sms_console, capsys):
    user = UserFactory()
    telephone_code_envoyer(user=user, numero="0612345678")
    code = _code_envoye(capsys)
    faux = "000000" if code != "000000" else "111111"
    for _ in range(CodeTelephone.ESSAIS_MAX):
        with pytest.raises(ValidationError):
            telephone_verifier(user=user, code=faux)
    with pytest.raises(ValidationError, match="Trop d'essais"):
        telephone_verifier(user=user, code=code)
    telephone_code_envoyer(user=user, numero="0612345678")
    code = _code_envoye(capsys)
    CodeTelephone.objects.update(expire_le=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expiré"):
        telephone_verifier(user=user, code=code)


def test_codes_are_rate_limited(sms_console):
    user = UserFactory()
    for _ in range(canaux.CODES_MAX_PAR_10_MIN):
        telephone_code_envoyer(user=user, numero="0612345678")
    with pytest.raises(LimiteAtteinte, match="attendez quelques minutes"):
        telephone_code_envoyer(user=user, numero="0612345678")
    CodeTelephone.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    for _ in range(canaux.CODES_MAX_PAR_JOUR - canaux.CODES_MAX_PAR_10_MIN):
        CodeTelephone.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
        telephone_code_envoyer(user=user, numero="0612345678")
    CodeTelephone.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    with pytest.raises(LimiteAtteinte, match="aujourd'hui"):
        telephone_code_envoyer(user=user, numero="0612345678")


def test_a_number_that_is_not_a_french_mobile_is_refused_and_nothing_changes(sms_console):
    user = UserFactory(mobile=True)
    avant = (user.telephone, user.telephone_verifie_le)
    for numero in ("01 44 55 66 77", "+44 7700 900123", "08 99 12 34 56", "n'importe quoi"):
        with pytest.raises(ValidationError, match="mobile de France"):
            telephone_code_envoyer(user=user, numero=numero)
    user.refresh_from_db()
    assert (user.telephone, user.telephone_verifie_le) == avant
    assert not Envoi.objects.exists() and not CodeTelephone.objects.exists()


def test_changing_the_number_unverifies_it(sms_console):
    user = UserFactory(tout_sms=True)
    telephone_code_envoyer(user=user, numero=user.telephone)  # the same: still verified
    user.refresh_from_db()
    assert user.telephone_verifie_le is not None
    telephone_code_envoyer(user=user, numero="07 98 76 54 32")
    user.refresh_from_db()
    assert user.telephone == "+33798765432" and user.telephone_verifie_le is None
    assert canaux.canaux_de(user, Genre.CODES) == [Envoi.Canal.EMAIL]


def test_without_an_sms_channel_no_code_is_sent(settings):
    settings.DEBUG = settings.SMS_CONSOLE = False
    with pytest.raises(ValidationError, match="pas disponible"):
        telephone_code_envoyer(user=UserFactory(), numero="0612345678")


# --- The dispatcher -------------------------------------------------------------------------


def _ecrire(user, cle="rappel:1", **kwargs):
    return message_ecrire(
        destinataire=user,
        genre=Genre.RENCONTRES,
        regle="rencontre_demain",
        cle=cle,
        sujet="Rencontre demain",
        gabarit="parrainages/emails/relances/rencontre_demain",
        contexte={
            "date": "01/12/2026",
            "heure": "18:00",
            "avec": "Jean Dupont",
            "lieu": "Paris",
            "sujet": "",
            "lien": "http://testserver/filleul/",
        },
        texte_sms="parrainages/sms/relances/rencontre_demain.txt",
        lien="http://testserver/filleul/",
        **kwargs,
    )


@pytest.fixture
def site(settings):
    settings.SITE_URL = "http://testserver"


@pytest.mark.parametrize(
    ("choix", "attendus"),
    [
        (None, ["email"]),
        ("email", ["email"]),
        ("sms", ["sms"]),
        ("les_deux", ["email", "sms"]),
    ],
)
def test_one_row_per_channel_chosen_with_distinct_keys(sms_console, site, choix, attendus):
    user = UserFactory(mobile=True, canaux={"rencontres": choix} if choix else {})
    assert _ecrire(user) == attendus
    assert _ecrire(user) == []  # written once
    lignes = {e.canal: e for e in Envoi.objects.all()}
    assert sorted(lignes) == attendus
    if "sms" in lignes:
        assert lignes["sms"].cle == "rappel:1:sms" and lignes["sms"].email == user.telephone
        assert "http://testserver/l/" in lignes["sms"].texte


@pytest.mark.parametrize(
    "raison", ["non_verifie", "stop", "sans_canal", "sans_numero"], ids=lambda r: r
)
def test_sms_falls_back_to_email_when_it_cannot_go(sms_console, site, settings, raison):
    user = UserFactory(tout_sms=True)
    if raison == "non_verifie":
        user.telephone_verifie_le = None
    elif raison == "stop":
        user.sms_refuses_le = timezone.now()
    elif raison == "sans_numero":
        user.telephone = ""
    else:
        settings.SMS_CONSOLE = settings.DEBUG = False
    user.save()
    assert _ecrire(user) == ["email"]


def test_a_person_without_email_gets_sms_whatever_they_chose(sms_console, site):
    user = UserFactory(mobile=True, email=None)
    assert _ecrire(user) == ["sms"]
    user.sms_refuses_le = timezone.now()
    user.save()
    assert _ecrire(user, cle="rappel:2") == []  # STOP and no address: nothing


def test_the_rows_are_in_the_callers_transaction(sms_console, site):
    from django.db import transaction

    user = UserFactory(mobile=True, canaux={"rencontres": "les_deux"})
    with pytest.raises(RuntimeError), transaction.atomic():
        _ecrire(user)
        raise RuntimeError
    assert not Envoi.objects.exists()


def test_bulk_rows_are_split_by_channel_in_two_queries(sms_console, django_assert_num_queries):
    courriel = UserFactory()
    deux = UserFactory(mobile=True, canaux={"enquetes": "les_deux"})
    sms = UserFactory(mobile=True, email=None)
    lignes = [
        NouvelEnvoi(
            "enquete_fin",
            f"enquete_fin:1:{u.pk}",
            u.pk,
            u.email or "",
            "S",
            "p/emails/relances/enquete",
            {},
        )
        for u in (courriel, deux, sms)
    ]
    with django_assert_num_queries(2):  # the keys already written, the recipients
        repartis = canaux.envois_repartir(lignes, genre=Genre.ENQUETES)
    assert sorted((e.cle, e.canal, e.email) for e in repartis) == sorted(
        [
            (f"enquete_fin:1:{courriel.pk}", "email", courriel.email),
            (f"enquete_fin:1:{deux.pk}", "email", deux.email),
            (f"enquete_fin:1:{deux.pk}:sms", "sms", deux.telephone),
            (f"enquete_fin:1:{sms.pk}:sms", "sms", sms.telephone),
        ]
    )
    assert {e.gabarit for e in repartis if e.canal == "sms"} == {"p/sms/relances/enquete"}


# --- Short links ----------------------------------------------------------------------------


def test_a_short_link_leads_to_its_page_until_it_expires(client, site):
    from mentorat.models import LienCourt

    court = lien_court(url="http://testserver/filleul/#rencontres", cle="rappel:9:sms")
    assert court == lien_court(url="http://testserver/filleul/#rencontres", cle="rappel:9:sms")
    assert len(court) == len("http://testserver/l/12345678/")
    chemin = court.removeprefix("http://testserver")
    reponse = client.get(chemin)
    assert reponse.status_code == 302 and reponse["Location"].endswith("/filleul/#rencontres")
    LienCourt.objects.update(expire_le=timezone.now())
    assert client.get(chemin).status_code == 404
    assert client.get(reverse("lien_court", kwargs={"code": "abcdefgh"})).status_code == 404
    with pytest.raises(ValueError):
        lien_court(url="https://ailleurs.example/", cle="x")


# --- STOP -----------------------------------------------------------------------------------


@pytest.fixture
def jeton(settings):
    settings.BREVO_WEBHOOK_TOKEN = "secret-partage-du-webhook"
    return settings.BREVO_WEBHOOK_TOKEN


def _rappel(client, corps, jeton=None):
    entetes = {"HTTP_AUTHORIZATION": f"Bearer {jeton}"} if jeton else {}
    return client.post(
        reverse("sms_entrant"), json.dumps(corps), content_type="application/json", **entetes
    )


REPONSE_STOP = {
    "id": 1,
    "to": "33612345678",
    "msg_status": "replied",
    "reply": "Stop",
    "date": "2026-12-07 10:00:00",
    "messageId": 1000001,
}


def test_an_unsigned_or_badly_signed_callback_is_refused(client, jeton):
    user = UserFactory(telephone="+33612345678", telephone_verifie_le=timezone.now())
    assert _rappel(client, REPONSE_STOP).status_code == 403
    assert _rappel(client, REPONSE_STOP, jeton="mauvais").status_code == 403
    user.refresh_from_db()
    assert user.sms_refuses_le is None


def test_without_a_configured_secret_everything_is_refused(client, settings):
    settings.BREVO_WEBHOOK_TOKEN = ""
    assert _rappel(client, REPONSE_STOP, jeton="").status_code == 403
    assert (
        client.post(
            reverse("sms_entrant"),
            "{}",
            content_type="application/json",
            HTTP_AUTHORIZATION="Bearer ",
        ).status_code
        == 403
    )


def test_stop_opts_the_number_out_and_the_page_offers_to_opt_back_in(
    client, jeton, sms_console, site
):
    user = UserFactory(tout_sms=True, telephone="+33612345678")
    autre = UserFactory(tout_sms=True, telephone="+33698765432")
    assert _rappel(client, {**REPONSE_STOP, "reply": "bonjour"}, jeton).status_code == 204
    user.refresh_from_db()
    assert user.sms_refuses_le is None  # not a STOP
    assert _rappel(client, REPONSE_STOP, jeton).status_code == 204
    user.refresh_from_db()
    autre.refresh_from_db()
    assert user.sms_refuses_le is not None and autre.sms_refuses_le is None
    assert canaux.canaux_de(user, Genre.CODES) == ["email"]
    client.force_login(user)
    page = texte(client.get(reverse("preferences")))
    assert "Vous avez répondu STOP" in page and "Recevoir de nouveau les SMS" in page
    client.post(reverse("preferences"), {"action": "reprendre_sms"})
    user.refresh_from_db()
    assert user.sms_refuses_le is None
    assert canaux.canaux_de(user, Genre.CODES) == ["sms"]


@pytest.mark.parametrize("mot", ["STOP", " stop ", "Arret", "ARRÊT", "stop sms", "STOP."])
def test_stop_words(mot):
    assert canaux.est_un_stop(mot)


@pytest.mark.parametrize("mot", ["", "Stop de m'écrire à 22h svp", "merci", "OK"])
def test_other_replies_are_not_stop(mot):
    assert not canaux.est_un_stop(mot)


def test_brevos_unsubscribe_event_opts_out_too(client, jeton):
    user = UserFactory(telephone="+262692123456", telephone_verifie_le=timezone.now())
    corps = {"msg_status": "unsubscribe", "to": "262692123456"}
    assert _rappel(client, corps, jeton).status_code == 204
    user.refresh_from_db()
    assert user.sms_refuses_le is not None


def test_a_garbled_callback_changes_nothing(client, jeton):
    reponse = client.post(
        reverse("sms_entrant"),
        "pas du json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {jeton}",
    )
    assert reponse.status_code == 400
    assert _rappel(client, ["liste"], jeton).status_code == 400
    assert not User.objects.filter(sms_refuses_le__isnull=False).exists()


# --- Pages ----------------------------------------------------------------------------------


def test_preferences_offer_sms_only_with_a_verified_number(
    client, sms_console, django_assert_num_queries
):
    user = UserFactory()
    client.force_login(user)
    page = texte(client.get(reverse("preferences")))
    assert "ajouter un numéro de mobile" in page and "Par SMS" not in page
    user.telephone, user.telephone_verifie_le = "+33612345678", timezone.now()
    user.save()
    with django_assert_num_queries(3):
        page = texte(client.get(reverse("preferences")))
    assert "Par SMS" in page and "Rappels de rencontre" in page and "Enquêtes" in page
    assert "Propositions de parrainage" in page
    choix = {"codes": "sms", "propositions": "sms", "rencontres": "les_deux", "enquetes": "email"}
    reponse = client.post(reverse("preferences"), choix)
    assert reponse.status_code == 302
    user.refresh_from_db()
    assert user.canaux == choix
    assert user.relances_non_essentielles is False  # unticked
    reponse = client.post(reverse("preferences"), {"codes": "pigeon"})
    assert reponse.status_code == 200
    user.refresh_from_db()
    assert user.canaux["codes"] == "sms"


def test_the_number_page_sends_and_checks_the_code(
    client, sms_console, capsys, django_assert_num_queries
):
    user = UserFactory()
    client.force_login(user)
    with django_assert_num_queries(4):
        assert client.get(reverse("telephone")).status_code == 200
    reponse = client.post(reverse("telephone"), {"action": "envoyer", "numero": "01 44 55 66 77"})
    assert "mobile de France" in texte(reponse)
    reponse = client.post(reverse("telephone"), {"action": "envoyer", "numero": "06 12 34 56 78"})
    assert reponse.status_code == 302
    code = _code_envoye(capsys)
    page = texte(client.get(reverse("telephone")))
    assert "Taper le code reçu au 06 12 34 56 78" in page
    reponse = client.post(reverse("telephone"), {"action": "verifier", "code": code})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("preferences")
    user.refresh_from_db()
    assert user.telephone_verifie_le is not None
    client.post(reverse("telephone"), {"action": "retirer"})
    user.refresh_from_db()
    assert user.telephone == "" and user.telephone_verifie_le is None


def test_a_profile_form_changing_the_number_unverifies_it():
    user = UserFactory(telephone="+33612345678", telephone_verifie_le=timezone.now())
    assert canaux.telephone_saisir(user, "06 12 34 56 78") == []  # the same, typed otherwise
    assert user.telephone == "+33612345678" and user.telephone_verifie_le is not None
    assert canaux.telephone_saisir(user, "07 81 23 45 67") == ["telephone", "telephone_verifie_le"]
    assert user.telephone == "07 81 23 45 67" and user.telephone_verifie_le is None
