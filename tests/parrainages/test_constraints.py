"""Structural rules held by the database itself, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from parrainages.models import Parrainage, Sortie, add_months, age_on
from partenaires.models import Objectif
from tests.mentorat.factories import PartieFactory
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    FilleulFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
    SortieFactory,
)
from tests.partenaires.factories import ConventionFactory, ObjectifFactory, RapportFactory
from tests.programmes.factories import EvenementFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def refused(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def test_one_open_pair_per_mentee_and_programme():
    pair = ParrainageFactory(actif=True)
    for statut in Parrainage.STATUTS_OUVERTS:
        refused(ParrainageFactory, programme=pair.programme, filleul=pair.filleul, statut=statut)
    # Closed pairs do not count, and another programme is another matter.
    ParrainageFactory(programme=pair.programme, filleul=pair.filleul, decline=True)
    ParrainageFactory(programme=pair.programme, filleul=pair.filleul, termine=True)
    ParrainageFactory(filleul=pair.filleul, actif=True)
    assert Parrainage.objects.filter(filleul=pair.filleul).count() == 4


def test_a_declined_mentee_can_be_proposed_again():
    pair = ParrainageFactory(attente=True)
    pair.decliner("Secteur trop éloigné.")
    pair.save()
    again = ParrainageFactory(programme=pair.programme, filleul=pair.filleul)
    assert again.est_ouvert


def test_capacity_is_never_negative():
    refused(ParrainFactory, capacite=-1)


def test_dates_in_order():
    refused(ProgrammeFactory, date_debut=dt.date(2026, 6, 1), date_fin=dt.date(2026, 5, 31))
    refused(
        ParrainageFactory,
        statut="termine",
        date_debut=dt.date(2026, 6, 1),
        date_fin=dt.date(2026, 5, 1),
    )
    refused(ImmersionFactory, date_debut=dt.date(2026, 6, 10), date_fin=dt.date(2026, 6, 9))
    debut = dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC)
    refused(EvenementFactory, debut=debut, fin=debut)
    refused(ConventionFactory, date_debut=dt.date(2026, 1, 2), date_fin=dt.date(2026, 1, 1))
    refused(RapportFactory, periode_debut=dt.date(2026, 4, 1), periode_fin=dt.date(2026, 3, 1))


def test_same_day_ranges_are_allowed():
    day = dt.date(2026, 6, 1)
    ProgrammeFactory(date_debut=day, date_fin=day)
    ImmersionFactory(date_debut=day, date_fin=day)
    RapportFactory(periode_debut=day, periode_fin=day)


def test_programme_offers_at_least_one_form():
    refused(ProgrammeFactory, offre_reguliere=False, offre_ponctuelle=False, offre_immersion=False)


def test_one_candidature_per_mentee_and_programme():
    candidature = CandidatureFactory()
    refused(CandidatureFactory, filleul=candidature.filleul, programme=candidature.programme)


def test_one_outcome_per_moment():
    sortie = SortieFactory()
    refused(SortieFactory, parrainage=sortie.parrainage, moment=Sortie.Moment.FIN)
    SortieFactory(parrainage=sortie.parrainage, moment=Sortie.Moment.SIX_MOIS)


def test_one_charter_in_force_per_pair_and_one_signature_per_role():
    charte = CharteFactory(parties=False)
    refused(CharteFactory, parrainage=charte.parrainage, modele=charte.modele)
    PartieFactory(document=charte, role="parrain")
    refused(PartieFactory, document=charte, role="parrain")
    refused(
        PartieFactory,
        document=charte,
        role="filleul",
        signee=True,
        refusee_le=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    )
    charte.annuler(motif="Réémission")
    charte.save()
    CharteFactory(parrainage=charte.parrainage, modele=charte.modele)


def test_objective_target_and_uniqueness():
    objectif = ObjectifFactory()
    refused(
        ObjectifFactory,
        convention=objectif.convention,
        indicateur=objectif.indicateur,
        periode=objectif.periode,
    )
    refused(ObjectifFactory, valeur_cible=-5, indicateur=Objectif.Indicateur.BINOMES_FORMES)


def test_birth_date_must_be_plausible():
    refused(FilleulFactory, date_naissance=dt.date(1890, 1, 1))


def test_age_counts_from_the_birthday_itself():
    born = dt.date(2002, 3, 15)
    assert age_on(born, dt.date(2026, 3, 14)) == 23
    assert age_on(born, dt.date(2026, 3, 15)) == 24
    leap = dt.date(2004, 2, 29)
    assert age_on(leap, dt.date(2026, 2, 28)) == 21
    assert age_on(leap, dt.date(2026, 3, 1)) == 22


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 6, 15), 12) == dt.date(2027, 6, 15)
