"""The outbox at volume: writing by batches, claiming with one statement, on both databases."""

import gc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentorat.envois import NouvelEnvoi, envois_creer, envois_reserver, sans_ramasse_miettes
from mentorat.models import Envoi
from tests.mentorat.factories import EnvoiFactory, UserFactory

pytestmark = pytest.mark.django_db


def nouvel(cle, user, *, essentiel=True):
    return NouvelEnvoi(
        "essai",
        cle,
        user.pk,
        user.email,
        "Un rappel",
        "parrainages/emails/relance",
        {"titre": "Bonjour « Zoé »,", "lignes": ['Ligne\tavec\\ des "signes".'], "lien": "x"},
        essentiel,
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


def test_writing_model_rows_and_nothing():
    user = UserFactory()
    assert envois_creer([]) == 0
    assert envois_creer([nouvel("essai:modele", user, essentiel=False).envoi()]) == 1
    envoi = Envoi.objects.get()
    assert (envoi.cle, envoi.essentiel, envoi.email) == ("essai:modele", False, user.email)


@pytest.mark.parametrize("n", [3, 30])
def test_claiming_a_batch_takes_a_constant_number_of_queries(n):
    EnvoiFactory.create_batch(n)
    with CaptureQueriesContext(connection) as requetes:
        _, lot = envois_reserver(lot=100)
    assert len(lot) == n
    # PostgreSQL: one UPDATE … RETURNING, plus the look for abandoned claims (short batch).
    assert len(requetes) == (2 if connection.vendor == "postgresql" else 4)


def test_claimed_rows_read_the_rest_on_access(django_assert_num_queries):
    quiet = UserFactory(relances_non_essentielles=False)
    EnvoiFactory(destinataire=quiet, email=quiet.email, essentiel=False)
    EnvoiFactory(destinataire=None, email="sans-compte@exemple.fr")
    jeton, (avec, sans) = envois_reserver()
    with django_assert_num_queries(0):
        assert avec.destinataire.pk == quiet.pk
        assert avec.destinataire.relances_non_essentielles is False
        assert (avec.statut, avec.reserve_par) == (Envoi.Statut.EN_COURS, jeton)
        assert avec.contexte["lignes"] == ["Un rappel."]
        assert sans.destinataire is None
    stored = Envoi.objects.get(pk=avec.pk)
    assert (avec.reserve_le, avec.cree_le) == (stored.reserve_le, stored.cree_le)
    assert avec.destinataire.email == quiet.email


def test_collector_paused_then_restored():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), sans_ramasse_miettes():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with sans_ramasse_miettes():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
