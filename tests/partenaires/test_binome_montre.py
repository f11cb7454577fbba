"""Which pair a partner reads for a referred mentee who chose among options proposed
together (``Programme.avis_filleul`` « choisir »): the one chosen, never one she left."""

import datetime as dt

import pytest
from django.utils import timezone

from parrainages.models import Parrainage
from partenaires import selectors
from programmes.models import AvisFilleul
from tests.parrainages.factories import CandidatureFactory, ParrainageFactory
from tests.partenaires.factories import ConventionFactory, MembreFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

S = Parrainage.Statut


@pytest.mark.parametrize("choisie_en", [0, 1, 2])
@pytest.mark.parametrize("statut", [S.ATTENTE_PARRAIN, S.ACTIF])
def test_the_partner_reads_the_chosen_option_not_one_left(choisie_en, statut):
    membre = MembreFactory()
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    convention = ConventionFactory(
        partenaire=membre.partenaire,
        active=True,
        date_debut=timezone.localdate() - dt.timedelta(days=30),
        date_fin=timezone.localdate() + dt.timedelta(days=30),
    )
    convention.programmes.add(programme)
    candidature = CandidatureFactory(
        programme=programme, prescripteur=membre.partenaire, retenue=True
    )
    meme_moment = timezone.now() - dt.timedelta(days=2)
    options = [
        ParrainageFactory(
            programme=programme,
            filleul=candidature.filleul,
            candidature=candidature,
            option=True,
            statut=S.NON_CHOISI,
            propose_le=meme_moment,
        )
        for _ in range(3)
    ]
    choisie = options[choisie_en]
    Parrainage.objects.filter(pk=choisie.pk).update(
        statut=statut,
        envoye_le=timezone.now(),
        date_debut=timezone.localdate() if statut == S.ACTIF else None,
    )
    libelle = choisie.Statut(statut).label

    (ligne,) = selectors.filleuls_orientes([membre.partenaire])
    assert ligne.binome_statut == statut

    (ligne,) = selectors.lignes_filleuls(convention, convention.date_debut, timezone.localdate())
    assert ligne[7] == libelle
