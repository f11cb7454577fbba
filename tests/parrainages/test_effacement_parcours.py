"""Erasing an account closes what was waiting on the person: their applications leave the
staff's review queue (withdrawn), their pairs end, their meetings and event registrations to
come are cancelled, and the other party of a pair (never the erased person) is told."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.models import Candidature, Filleul, Parrain, Parrainage, Rencontre
from parrainages.services import compte_effacer
from programmes.models import Inscription
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    FilleulFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
)
from tests.partenaires.factories import MembreFactory
from tests.programmes.factories import EvenementFactory, InscriptionFactory

pytestmark = pytest.mark.django_db

OUVERTES = [
    Candidature.Statut.ATTENTE_AUTORISATION,
    Candidature.Statut.DEPOSEE,
    Candidature.Statut.EN_ETUDE,
    Candidature.Statut.INVITEE_SELECTION,
    Candidature.Statut.LISTE_ATTENTE,
    Candidature.Statut.RETENUE,
]


def _dans(jours):
    return timezone.now() + dt.timedelta(days=jours)


def _evenement(jours):
    return EvenementFactory(debut=_dans(jours), fin=_dans(jours) + dt.timedelta(hours=2))


def _rien_n_attend(*, filleul=None, parrain=None):
    personne = {"filleul": filleul} if filleul is not None else {"parrain": parrain}
    assert not Parrainage.objects.filter(**personne, statut__in=Parrainage.STATUTS_OUVERTS).exists()
    assert not Rencontre.objects.filter(
        **{f"parrainage__{k}": v for k, v in personne.items()},
        statut=Rencontre.Statut.PREVUE,
        debut__gt=timezone.now(),
    ).exists()
    assert not Inscription.objects.filter(
        **personne, statut=Inscription.Statut.INSCRIT, evenement__debut__gt=timezone.now()
    ).exists()


def test_a_mentees_erasure_closes_applications_pairs_meetings_and_registrations(client):
    filleul = FilleulFactory()
    email = filleul.user.email
    conseiller = MembreFactory()
    candidatures = [
        CandidatureFactory(filleul=filleul, statut=statut, prescripteur=conseiller.partenaire)
        for statut in OUVERTES
    ]
    refusee = CandidatureFactory(filleul=filleul, refusee=True)
    pair = ParrainageFactory(filleul=filleul, actif=True)
    future = RencontreFactory(parrainage=pair, debut=_dans(5))
    CharteFactory(parrainage=pair)
    proposition = ParrainageFactory(filleul=filleul, attente=True)
    a_venir = InscriptionFactory(filleul=filleul, evenement=_evenement(10))
    passee = InscriptionFactory(filleul=filleul, evenement=_evenement(-10))
    coordinateur = gestionnaire()
    envois_avant = set(Envoi.objects.values_list("pk", flat=True))

    compte_effacer(user=filleul.user, notifier=False)

    for candidature in candidatures:
        candidature.refresh_from_db()
        assert candidature.statut == Candidature.Statut.DESISTEE
    refusee.refresh_from_db()
    assert refusee.statut == Candidature.Statut.REFUSEE
    _rien_n_attend(filleul=filleul)
    pair.refresh_from_db()
    proposition.refresh_from_db()
    assert pair.statut == Parrainage.Statut.INTERROMPU
    assert proposition.statut == Parrainage.Statut.ANNULE
    future.refresh_from_db()
    assert future.statut == Rencontre.Statut.ANNULEE
    a_venir.refresh_from_db()
    passee.refresh_from_db()
    assert (a_venir.statut, passee.statut) == (Inscription.Statut.ANNULE, "inscrit")

    nouveaux = Envoi.objects.exclude(pk__in=envois_avant)
    # The mentor: the end of the pair, and the meeting's cancellation with its .ics.
    mentor = pair.parrain.user.email
    fin = nouveaux.get(regle="parrainage_fin", email=mentor)
    assert "supprimé son compte" in fin.texte
    annulation = nouveaux.get(regle="rencontre_invitation", email=mentor)
    assert annulation.cle == f"rencontre_invitation:{future.pk}:CANCEL:{pair.parrain.user_id}"
    assert nouveaux.filter(regle="parrainage_fin", email=coordinateur.email).exists()
    # The prescriber hears of the withdrawals, by a number, never by a name.
    prescripteur = nouveaux.filter(
        regle="candidature_evenement_prescripteur", email=conseiller.user.email
    )
    assert prescripteur.count() == len(OUVERTES)
    assert all(f"Filleul anonymisé n° {filleul.pk}" in e.texte for e in prescripteur)
    # Nothing is written to the erased person, nor names them.
    for envoi in nouveaux:
        assert envoi.email != email
        assert email not in envoi.texte
    # The review queue no longer shows them as waiting.
    connecter(client, coordinateur)
    queue = client.get(
        reverse("admin:parrainages_candidature_changelist"), {"statut__exact": "deposee"}
    )
    assert queue.status_code == 200
    assert f"Filleul anonymisé n° {filleul.pk}" not in queue.content.decode()


def test_a_mentors_erasure_ends_their_pairs_and_tells_the_mentees():
    parrain = ParrainFactory()
    email = parrain.user.email
    pairs = [ParrainageFactory(parrain=parrain, actif=True) for _ in range(2)]
    futures = [RencontreFactory(parrainage=p, debut=_dans(3)) for p in pairs]
    attente = ParrainageFactory(parrain=parrain, attente=True)
    inscription = InscriptionFactory(parrain=parrain, evenement=_evenement(7))

    compte_effacer(user=parrain.user, notifier=False)

    _rien_n_attend(parrain=parrain)
    attente.refresh_from_db()
    assert attente.statut == Parrainage.Statut.ANNULE
    inscription.refresh_from_db()
    assert inscription.statut == Inscription.Statut.ANNULE
    for pair, rencontre in zip(pairs, futures, strict=True):
        pair.refresh_from_db()
        assert pair.statut == Parrainage.Statut.INTERROMPU
        mentee = pair.filleul.user
        fin = Envoi.objects.get(regle="parrainage_fin", email=mentee.email)
        assert "Votre parrain ou votre marraine a supprimé son compte" in fin.texte
        assert Envoi.objects.filter(
            cle=f"rencontre_invitation:{rencontre.pk}:CANCEL:{mentee.pk}"
        ).exists()
    assert not Envoi.objects.filter(regle="parrainage_fin", email=email).exists()
    assert not Envoi.objects.filter(regle="rencontre_invitation", email=email).exists()


def test_a_partner_members_registrations_are_cancelled():
    membre = MembreFactory()
    inscription = InscriptionFactory(membre=membre.user, evenement=_evenement(4))
    compte_effacer(user=membre.user, notifier=False)
    inscription.refresh_from_db()
    assert inscription.statut == Inscription.Statut.ANNULE


def test_people_erased_before_are_closed_by_the_command():
    """Erased before erasure closed anything: their application still « Déposée », their pair
    still in progress, their registration still active."""
    filleul = FilleulFactory()
    candidature = CandidatureFactory(filleul=filleul)
    pair = ParrainageFactory(filleul=filleul, actif=True)
    inscription = InscriptionFactory(filleul=filleul, evenement=_evenement(6))
    parrain = ParrainFactory()
    autre = ParrainageFactory(parrain=parrain, actif=True)
    user, mentor = filleul.user, parrain.user
    Filleul.objects.filter(pk=filleul.pk).update(user=None, anonymise_le=timezone.now())
    Parrain.objects.filter(pk=parrain.pk).update(user=None, statut=Parrain.Statut.INACTIF)
    user.delete()
    mentor.delete()
    sortie = io.StringIO()

    call_command("clore_parcours_effaces", stdout=sortie)

    assert "2 personne(s)" in sortie.getvalue()
    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.DESISTEE
    _rien_n_attend(filleul=filleul)
    _rien_n_attend(parrain=parrain)
    inscription.refresh_from_db()
    assert inscription.statut == Inscription.Statut.ANNULE
    assert Envoi.objects.filter(regle="parrainage_fin", email=pair.parrain.user.email).exists()
    assert Envoi.objects.filter(regle="parrainage_fin", email=autre.filleul.user.email).exists()
    # Run again: nothing left to close, nothing written twice.
    avant = Envoi.objects.count()
    call_command("clore_parcours_effaces", stdout=sortie)
    assert "0 personne(s)" in sortie.getvalue()
    assert Envoi.objects.count() == avant


def test_a_retained_application_whose_pair_was_formed_stays_history():
    """A mentee who went through a pair, then erased: their retained application is what it
    was (no withdrawal written after the fact), and the closing command finds nothing left."""
    from parrainages.relances import enquete_fin

    candidature = CandidatureFactory(retenue=True)
    filleul = candidature.filleul
    fini = ParrainageFactory(
        filleul=filleul, programme=candidature.programme, candidature=candidature, termine=True
    )
    compte_effacer(user=filleul.user, notifier=False)
    candidature.refresh_from_db()
    assert candidature.statut == Candidature.Statut.RETENUE
    sortie = io.StringIO()
    call_command("clore_parcours_effaces", stdout=sortie)
    assert "0 personne(s)" in sortie.getvalue()
    # Nobody is asked, at the end nor six months later, about a person who was erased.
    assert [e for e in enquete_fin(timezone.now()) if f":{fini.pk}:" in e.cle] == []


def test_outcomes_a_mentor_declared_before_the_rule_keep_counting():
    """The data migration: declarations recorded before ``confirmee_le`` existed are taken as
    confirmed at their own creation, so past figures do not change."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from parrainages.models import Sortie
    from tests.parrainages.factories import SortieFactory

    ancienne = SortieFactory(source=Sortie.Source.PARRAIN, type=Sortie.Type.CDI)
    Sortie.objects.filter(pk=ancienne.pk).update(confirmee_le=None)
    executor = MigrationExecutor(connection)
    migration = executor.loader.get_migration("parrainages", "0040_sorties_parrain_anterieures")
    apps = executor.loader.project_state(("parrainages", "0040_sorties_parrain_anterieures")).apps
    migration.operations[0].code(apps, None)
    ancienne.refresh_from_db()
    assert ancienne.confirmee_le == ancienne.created_at
    assert Sortie.objects.filter(Sortie.compte_positive(), pk=ancienne.pk).exists()
