"""The outbox at volume: writing by batches, claiming with a conditional update (one statement
on PostgreSQL), on both databases."""

import base64

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentorat.envois import (
    NouvelEnvoi,
    envoi_expedier,
    envois_creer,
    envois_expedier,
    envois_reserver,
)
from mentorat.models import Envoi
from tests.mentorat.factories import EnvoiFactory, UserFactory

pytestmark = pytest.mark.django_db


def nouvel(cle, user, *, essentiel=True):
    return NouvelEnvoi(
        regle="essai",
        cle=cle,
        destinataire_id=user.pk,
        email=user.email,
        sujet="Votre parrainage se termine bientôt",
        gabarit="parrainages/emails/relances/fin_proche",
        contexte={"programme": 'Ligne\tavec\\ des "signes" « Zoé »', "date_fin": "x"},
        essentiel=essentiel,
    )


def test_writing_counts_only_new_keys_across_batches():
    user = UserFactory()
    EnvoiFactory(cle="essai:deja", destinataire=user)
    lignes = [nouvel(f"essai:{n}", user) for n in range(5)]
    lignes += [nouvel("essai:deja", user), nouvel("essai:2", user)]  # present, then repeated
    assert envois_creer(iter(lignes), taille_lot=2) == 5
    assert envois_creer(lignes, taille_lot=3) == 0
    assert Envoi.objects.count() == 6
    envoi = Envoi.objects.get(cle="essai:3")
    assert envoi.contexte == lignes[3].contexte
    assert (envoi.statut, envoi.tentatives, envoi.reserve_par, envoi.erreur) == (
        Envoi.Statut.A_ENVOYER,
        0,
        "",
        "",
    )
    assert envoi.prochain_essai <= timezone.now() and envoi.destinataire == user
    assert envoi in Envoi.objects.dus(timezone.now())


def test_writing_nothing():
    assert envois_creer([]) == 0
    assert not Envoi.objects.exists()


@pytest.mark.parametrize("n", [3, 30])
def test_claiming_a_batch_takes_a_constant_number_of_queries(n):
    EnvoiFactory.create_batch(n)
    with CaptureQueriesContext(connection) as requetes:
        _, lot = envois_reserver(lot=100)
    assert len(lot) == n
    # PostgreSQL: one UPDATE … RETURNING, plus the look for abandoned claims (short batch);
    # elsewhere the due rows are picked, claimed and read, then abandoned claims looked for.
    assert len(requetes) == (2 if connection.vendor == "postgresql" else 4)


def test_claimed_rows_read_the_rest_on_access(django_assert_num_queries):
    quiet = UserFactory(relances_non_essentielles=False)
    EnvoiFactory(destinataire=quiet, email=quiet.email, essentiel=False)
    EnvoiFactory(destinataire=None, email="sans-compte@exemple.fr")
    jeton, (avec, sans) = envois_reserver()
    with django_assert_num_queries(0):
        assert (avec.destinataire_id, avec.relances_acceptees) == (quiet.pk, False)
        assert (avec.statut, avec.reserve_par) == (Envoi.Statut.EN_COURS, jeton)
        assert avec.contexte["programme"] == "Insertion"
        assert (sans.destinataire_id, sans.relances_acceptees) == (None, None)
    stored = Envoi.objects.get(pk=avec.pk)
    assert (avec.reserve_le, avec.created_at) == (stored.reserve_le, stored.created_at)
    assert avec.destinataire.email == quiet.email


def test_claimed_rows_keep_their_attachments_and_send_them():
    """Every JSON field of a claimed row is read as such (on PostgreSQL too, where the claim is
    one raw statement): the attachments go with the e-mail."""
    contenu = base64.b64encode(b"%PDF-1.7 charte").decode("ascii")
    jointes = [{"nom": "charte.pdf", "type": "application/pdf", "contenu": contenu}]
    EnvoiFactory(texte="Votre charte, signée.", pieces_jointes=jointes)  # as courriel_ecrire
    jeton, (envoi,) = envois_reserver()
    assert envoi.pieces_jointes == jointes and envoi.contexte["programme"] == "Insertion"
    assert envoi_expedier(envoi, jeton) == "envoye"
    assert mail.outbox[0].attachments == [("charte.pdf", b"%PDF-1.7 charte", "application/pdf")]


def test_a_row_written_before_the_rules_had_their_own_templates_still_reads_well():
    EnvoiFactory(
        gabarit="parrainages/emails/relance",
        contexte={
            "titre": "Bonjour Zoé,",
            "lignes": ["Le parrainage « Insertion » se termine le 01/12/2026."],
            "lien": "http://127.0.0.1:8000/espace/",
            "libelle_lien": "Voir mon espace",
        },
    )
    assert envois_expedier() == {"envoye": 1}
    texte = mail.outbox[0].body
    assert texte.startswith("Bonjour Zoé,\n\nLe parrainage « Insertion » se termine le 01/12/2026.")
    assert "Voir mon espace : http://127.0.0.1:8000/espace/" in texte
    assert ">Voir mon espace</a>" in mail.outbox[0].alternatives[0][0]
