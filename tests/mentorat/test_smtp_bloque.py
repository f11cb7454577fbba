"""A mail server that accepts connections and never answers: no request waits on it, and the
worker that sends the outbox gives up on each attempt after EMAIL_TIMEOUT, to retry later."""

import socket
import threading

import pytest
from django.core import mail
from django.urls import reverse

from mentorat import envois
from mentorat.models import Envoi
from tests.parrainages.factories import ParrainageFactory
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import ModeleCharteFactory, ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.apres_commit]


class ServeurMuet:
    """Accepts TCP connections on loopback and never says a word."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connexions = []
        self._fil = threading.Thread(target=self._accepter, daemon=True)
        self._fil.start()

    def _accepter(self):
        while True:
            try:
                connexion, _ = self.socket.accept()
            except OSError:
                return
            self.connexions.append(connexion)

    def fermer(self):
        self.socket.close()
        for connexion in self.connexions:
            connexion.close()


@pytest.fixture
def smtp_muet(settings, monkeypatch):
    serveur = ServeurMuet()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", serveur.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    # The worker is elsewhere: what the request hands it is recorded, not run here.
    signaux = []
    monkeypatch.setattr(envois, "_expedier", lambda: signaux.append(1))
    serveur.signaux = signaux
    yield serveur
    serveur.fermer()


def test_a_mentor_accepts_while_the_mail_server_hangs(client, smtp_muet):
    pair = ParrainageFactory(attente=True)
    ModeleCharteFactory(programme=pair.programme, texte="{parrain} et {filleul}.")
    client.force_login(pair.parrain.user)
    response = client.post(
        reverse("parrain:proposition", kwargs={"pk": pair.pk}), {"action": "accepter"}
    )
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.statut == "actif"
    assert smtp_muet.connexions == []  # the request never talked to the mail server
    assert smtp_muet.signaux  # the worker was told, after the commit
    a_envoyer = Envoi.objects.filter(statut=Envoi.Statut.A_ENVOYER)
    assert {e.regle for e in a_envoyer} == {"parrainage_accepte", "signature_invitation"}

    # The worker's turn: each attempt ends after EMAIL_TIMEOUT, to be retried later.
    bilan = envois.envois_expedier()
    assert bilan == {"reessai": a_envoyer.count()}
    assert all("timed out" in e.erreur for e in Envoi.objects.all())
    assert mail.outbox == []


def test_a_referral_is_saved_and_its_invitation_waits_for_the_server(client, smtp_muet):
    membre = MembreFactory()
    programme = ProgrammeFactory(statut="ouvert")
    client.force_login(membre.user)
    response = client.post(
        reverse("partenaires:prescrire"),
        {
            "partenaire": membre.partenaire.pk,
            "programme": programme.pk,
            "prenom": "Sarah",
            "nom": "Diallo",
            "email": "sarah.diallo@exemple.fr",
            "message": "",
        },
    )
    assert response.status_code == 302
    assert smtp_muet.connexions == []
    envoi = Envoi.objects.get(regle="invitation_prescription")
    assert envoi.statut == Envoi.Statut.A_ENVOYER
