"""The notice of an erased account says where to write: the sender address reads nothing."""

import pytest
from django.core import mail
from django.test import override_settings

from mentorat.envois import courriel_ecrire
from mentorat.models import Envoi
from parrainages.services import compte_effacer
from tests.parrainages.factories import FilleulFactory

pytestmark = pytest.mark.django_db


@override_settings(CONTACT_EMAIL="equipe@ville.example")
def test_the_deletion_notice_is_answered_to_the_team(django_capture_on_commit_callbacks):
    user = FilleulFactory().user
    adresse = user.email
    with django_capture_on_commit_callbacks(execute=True):
        compte_effacer(user=user)
    (message,) = [m for m in mail.outbox if m.to == [adresse]]
    assert message.message()["Reply-To"] == "equipe@ville.example"
    assert "écrivez à equipe@ville.example" in message.body
    assert 'href="mailto:equipe@ville.example"' in message.alternatives[0][0]
    assert Envoi.objects.get(regle="compte_supprime").repondre_a == "equipe@ville.example"


def test_other_messages_have_no_reply_to(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        courriel_ecrire(
            regle="essai",
            cle="essai:1",
            a="personne@example.org",
            sujet="Essai",
            gabarit="parrainages/emails/compte_supprime",
            contexte={"prenom": "", "contact": "x@example.org"},
        )
    assert "Reply-To" not in mail.outbox[-1].message()
