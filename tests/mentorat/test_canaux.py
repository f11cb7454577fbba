"""The outbox is one queue for every channel: a channel registers its sender, and claiming,
retries, confidentiality and exactly-once stay the queue's."""

import pytest
from django.core import mail

from mentorat import envois
from mentorat.envois import EnvoiRefuse, canal_enregistrer, courriel_ecrire_rendu, envois_expedier
from mentorat.models import Envoi

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms(monkeypatch):
    """A text-message provider, as a future SMS channel would plug in."""
    monkeypatch.setattr(envois, "_CANAUX", dict(envois._CANAUX))
    recus, pannes = [], []

    def envoyer(envoi, contexte, jointes):
        if pannes:
            raise pannes.pop(0)
        recus.append((envoi.email, envoi.texte))

    canal_enregistrer(Envoi.Canal.SMS, envoyer)
    return recus, pannes


def ecrire(cle="code:1", **kwargs):
    return courriel_ecrire_rendu(
        regle="code",
        cle=cle,
        a="+33612345678",
        sujet="Code",
        texte="Votre code : 123456",
        canal=Envoi.Canal.SMS,
        confidentiel=True,
        **kwargs,
    )


def test_a_text_message_goes_through_the_same_queue_once(sms):
    recus, _pannes = sms
    assert ecrire() is True
    assert ecrire() is False  # the same key: nothing written twice
    assert recus == [("+33612345678", "Votre code : 123456")]
    assert mail.outbox == []  # not an e-mail
    envoi = Envoi.objects.get()
    assert envoi.statut == Envoi.Statut.ENVOYE and envoi.texte == ""  # confidential: emptied
    assert envois_expedier() == {}


def test_its_transient_failures_are_retried_and_refusals_fail(sms, settings):
    settings.ENVOIS_IMMEDIATS = False
    recus, pannes = sms
    pannes.append(ConnectionError("opérateur injoignable"))
    ecrire()
    assert envois_expedier() == {"reessai": 1}
    Envoi.objects.update(prochain_essai=Envoi.objects.get().created_at)
    assert envois_expedier() == {"envoye": 1}
    assert len(recus) == 1

    pannes.append(EnvoiRefuse("numéro inexistant"))
    ecrire(cle="code:2")
    assert envois_expedier() == {"echec": 1}
    assert Envoi.objects.get(cle="code:2").refus_definitif


def test_without_a_provider_text_messages_go_to_the_console_in_development(capsys, settings):
    settings.SMS_CONSOLE = True
    ecrire()
    assert "SMS pour +33612345678 :\nVotre code : 123456" in capsys.readouterr().out
    assert Envoi.objects.get().statut == Envoi.Statut.ENVOYE


def test_a_message_without_an_address_is_not_written():
    assert courriel_ecrire_rendu(regle="code", cle="code:x", a="", sujet="S", texte="T") is False
    assert courriel_ecrire_rendu(regle="code", cle="code:y", a=None, sujet="S", texte="T") is False
    assert not Envoi.objects.exists()


def test_a_channel_without_a_sender_fails_with_the_reason(settings, capsys):
    """In production (no DEBUG, no SMS_CONSOLE) the console sender is not there: a code
    never reaches the logs."""
    settings.ENVOIS_IMMEDIATS = False
    settings.DEBUG = False
    settings.SMS_CONSOLE = False
    assert not envois.canal_disponible(Envoi.Canal.SMS)
    ecrire()
    assert envois_expedier() == {"echec": 1}
    assert "canal « sms »" in Envoi.objects.get().erreur
    assert "123456" not in capsys.readouterr().out
    settings.DEBUG = True
    assert envois.canal_disponible(Envoi.Canal.SMS)
