"""Applications deposited before their history was kept (or written in bulk by the demo) get
one: their deposit and their current status, as the applicant would have read them, with
staff's reason for the prescriber. Nothing is sent."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.models import Candidature, EvenementCandidature
from parrainages.services.decisions import historique_reconstituer
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import CandidatureFactory

pytestmark = pytest.mark.django_db

S = Candidature.Statut
MIGRATION = importlib.import_module("parrainages.migrations.0028_historique_des_candidatures")


def anciennes():
    """Applications as the former code left them: a status, dates, no history row."""
    depot = timezone.now() - dt.timedelta(days=40)
    decision = depot + dt.timedelta(days=9)
    coordinatrice = gestionnaire()
    deposee = CandidatureFactory(created_at=depot)
    refusee = CandidatureFactory(
        created_at=depot,
        statut=S.REFUSEE,
        motif_refus="Ne réside pas sur le territoire du programme.",
        decidee_le=decision,
        decidee_par=coordinatrice,
    )
    retenue = CandidatureFactory(
        created_at=depot, statut=S.RETENUE, decidee_le=decision, decidee_par=coordinatrice
    )
    EvenementCandidature.objects.all().delete()
    return deposee, refusee, retenue, depot, decision, coordinatrice


@pytest.mark.parametrize("par", ["migration", "service"])
def test_old_applications_get_their_deposit_and_current_status(par):
    deposee, refusee, retenue, depot, decision, coordinatrice = anciennes()
    envois, courriels = Envoi.objects.count(), len(mail.outbox)

    if par == "migration":
        MIGRATION.reconstituer(apps, None)
    else:
        EvenementCandidature.objects.bulk_create(
            historique_reconstituer(Candidature.objects.select_related("programme"))
        )

    def historique(c):
        return list(
            c.evenements.chronologiques().values_list("statut", "le", "par_id", "precision")
        )

    assert historique(deposee) == [(S.DEPOSEE, depot, None, "")]
    assert historique(retenue) == [
        (S.DEPOSEE, depot, None, ""),
        (S.RETENUE, decision, coordinatrice.pk, ""),
    ]
    assert historique(refusee) == [
        (S.DEPOSEE, depot, None, ""),
        (S.REFUSEE, decision, coordinatrice.pk, "Ne réside pas sur le territoire du programme."),
    ]
    # The applicant reads a gentle text, never the staff's reason.
    refus = refusee.evenements.get(statut=S.REFUSEE)
    assert "n'a pas été retenue" in refus.texte_candidat
    assert "territoire" not in refus.texte_candidat
    assert refusee.programme.nom in refus.texte_candidat
    # Nothing told again.
    assert (Envoi.objects.count(), len(mail.outbox)) == (envois, courriels)


def test_the_migration_leaves_alone_applications_that_have_a_history():
    deposee, *_ = anciennes()
    MIGRATION.reconstituer(apps, None)
    avant = EvenementCandidature.objects.count()
    MIGRATION.reconstituer(apps, None)
    assert EvenementCandidature.objects.count() == avant
    assert deposee.evenements.count() == 1


def test_the_applicant_reads_the_reconstructed_history(client):
    _, refusee, *_ = anciennes()
    MIGRATION.reconstituer(apps, None)
    client.force_login(refusee.filleul.user)
    page = client.get(reverse("filleul:tableau_de_bord")).content.decode().replace("&#x27;", "'")
    assert "Historique de la candidature" in page
    assert "Nous avons bien reçu votre candidature" in page
    assert "n'a pas été retenue" in page
    assert "territoire du programme" not in page
