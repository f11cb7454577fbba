"""The convention indicators against hand-built data (see ``scenario.py`` for each row)."""

import datetime as dt

import pytest

from partenaires import indicateurs, selectors
from partenaires.indicateurs import Demande
from partenaires.models import Convention, Objectif
from tests.partenaires import scenario
from tests.partenaires.factories import ConventionFactory, ObjectifFactory
from tests.partenaires.scenario import (
    ATTENDU_A_CUMUL_Q1,
    ATTENDU_A_Q1,
    ATTENDU_A_Q2,
    ATTENDU_B_Q1,
    IND,
    Q1,
    Q2,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return scenario.construire()


def figures(convention, debut, fin):
    demandes = {ind: Demande(ind, debut, fin) for ind in IND.values}
    valeurs = indicateurs.compter(convention, list(demandes.values()))
    return {ind: valeurs[d] for ind, d in demandes.items()}


def test_every_indicator_over_a_quarter(s, django_assert_num_queries):
    # One statement for every indicator, whatever the number of rows (``Releve``).
    with django_assert_num_queries(1):
        assert figures(s.convention_a, *Q1) == ATTENDU_A_Q1


def test_the_other_partner_counts_its_own_people(s):
    assert figures(s.convention_b, *Q1) == ATTENDU_B_Q1


def test_rows_after_the_period_count_in_the_next_one(s):
    # s3 (a positive outcome recorded on 15 April) is outside Q1 and inside Q2.
    assert figures(s.convention_a, *Q2) == ATTENDU_A_Q2


def test_since_the_start_of_the_convention(s):
    assert figures(s.convention_a, dt.date(2025, 10, 1), Q1[1]) == ATTENDU_A_CUMUL_Q1


def test_a_pair_ended_early_still_counts_with_its_meetings_and_outcome(s):
    rows = lambda ind: indicateurs.lignes(  # noqa: E731
        ind, partenaire=s.a.pk, convention=s.convention_a.pk, debut=Q1[0], fin=Q1[1]
    )
    assert s.b2 in rows(IND.BINOMES_FORMES)
    assert set(rows(IND.RENCONTRES_TENUES).values_list("parrainage", flat=True)) == {
        s.b1.pk,
        s.b2.pk,
        s.b3.pk,
    }
    assert set(rows(IND.SORTIES_POSITIVES_6_MOIS).values_list("parrainage", flat=True)) == {
        s.b2.pk,
        s.b3.pk,
    }


def test_a_period_that_holds_nothing(s):
    assert set(figures(s.convention_a, dt.date(2030, 1, 1), dt.date(2030, 1, 31)).values()) == {0}
    # An inverted period counts nothing rather than failing.
    assert set(figures(s.convention_a, Q1[1], Q1[0]).values()) == {0}


def test_every_convention_side_by_side(s, django_assert_num_queries):
    # The conventions, their objectives, then one statement for every figure of all of them.
    with django_assert_num_queries(3):
        conventions = {c.reference: c for c in selectors.comparatif_conventions(*Q1)}
    a, b = conventions["CONV-A"], conventions["CONV-B"]
    assert [c["valeur"] for c in a.cellules] == [ATTENDU_A_Q1[i] for i in IND.values]
    assert [c["valeur"] for c in b.cellules] == [ATTENDU_B_Q1[i] for i in IND.values]
    assert a.cellules[0]["objectifs"] == ["objectif 10 par an"]


def test_a_draft_convention_is_not_compared(s):
    ConventionFactory(reference="BROUILLON")
    assert "BROUILLON" not in {c.reference for c in selectors.comparatif_conventions(*Q1)}


def test_monthly_series_add_up_to_the_period(s, django_assert_num_queries):
    with django_assert_num_queries(1):
        mois = indicateurs.par_mois(
            IND.FILLEULS_ORIENTES, convention=s.convention_a, debut=dt.date(2025, 10, 1), fin=Q2[1]
        )
    assert mois == [
        (dt.date(2025, 10, 1), 0),
        (dt.date(2025, 11, 1), 0),
        (dt.date(2025, 12, 1), 1),
        (dt.date(2026, 1, 1), 1),
        (dt.date(2026, 2, 1), 1),
        (dt.date(2026, 3, 1), 0),
        (dt.date(2026, 4, 1), 1),
        (dt.date(2026, 5, 1), 0),
        (dt.date(2026, 6, 1), 0),
    ]
    # A share (satisfaction, goals reached) is a mean: its months do not add up.
    for ind in set(IND.values) - set(indicateurs.PARTS):
        serie = indicateurs.par_mois(ind, convention=s.convention_a, debut=Q1[0], fin=Q1[1])
        assert sum(n for _, n in serie) == ATTENDU_A_Q1[ind], ind


def test_outcomes_breakdown(s):
    comptes = indicateurs.sorties_par_type(s.convention_a, *Q1)
    assert comptes == {
        ("fin", "cdd_court"): 1,
        ("six_mois", "cdi"): 1,
        ("six_mois", "alternance"): 1,
        ("fin", "aucune"): 1,
    }


@pytest.mark.parametrize(
    ("periode", "reference", "attendu"),
    [
        (Objectif.Periode.CONVENTION, dt.date(2026, 3, 31), ("2025-10-15", "2027-03-31")),
        (Objectif.Periode.ANNEE, dt.date(2026, 3, 31), ("2025-10-15", "2026-10-14")),
        (Objectif.Periode.ANNEE, dt.date(2026, 10, 15), ("2026-10-15", "2027-03-31")),
        (Objectif.Periode.TRIMESTRE, dt.date(2026, 1, 15), ("2026-01-15", "2026-04-14")),
        (Objectif.Periode.TRIMESTRE, dt.date(2026, 1, 14), ("2025-10-15", "2026-01-14")),
        (Objectif.Periode.MOIS, dt.date(2026, 2, 28), ("2026-02-15", "2026-03-14")),
        # Before the start and after the end: the first and the last window.
        (Objectif.Periode.MOIS, dt.date(2025, 1, 1), ("2025-10-15", "2025-11-14")),
        (Objectif.Periode.TRIMESTRE, dt.date(2028, 1, 1), ("2027-01-15", "2027-03-31")),
    ],
)
def test_objective_windows(periode, reference, attendu):
    convention = Convention(date_debut=dt.date(2025, 10, 15), date_fin=dt.date(2027, 3, 31))
    objectif = Objectif(convention=convention, periode=periode)
    debut, fin = indicateurs.fenetre_objectif(objectif, reference)
    assert (debut.isoformat(), fin.isoformat()) == attendu


def test_objectives_at_the_end_of_the_quarter(s, django_assert_num_queries):
    objectifs = list(s.convention_a.objectifs.select_related("convention"))
    with django_assert_num_queries(1):  # three objectives on three indicators, one statement
        avancements = indicateurs.avancements(s.convention_a, objectifs, Q1[1])
    par_indicateur = {a.objectif.indicateur: a for a in avancements}
    orientes = par_indicateur[IND.FILLEULS_ORIENTES]
    # Year 1 of the convention, counted up to 31 March: f4, f1, f2.
    assert (orientes.debut, orientes.fin, orientes.jusqu_au) == (
        dt.date(2025, 10, 1),
        dt.date(2026, 9, 30),
        dt.date(2026, 3, 31),
    )
    assert (orientes.valeur, orientes.cible, orientes.taux, orientes.atteint) == (3, 10, 30, False)
    binomes = par_indicateur[IND.BINOMES_FORMES]
    assert (binomes.valeur, binomes.taux) == (3, 75)
    # The convention's second quarter (January–March 2026) holds s2 and s4: past the target.
    sorties = par_indicateur[IND.SORTIES_POSITIVES_6_MOIS]
    assert (sorties.debut, sorties.fin) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert (sorties.valeur, sorties.taux, sorties.taux_jauge, sorties.atteint) == (2, 200, 1, True)


def test_a_zero_target_has_no_rate(s):
    objectif = ObjectifFactory(
        convention=s.convention_a, indicateur=IND.PARTICIPATION, valeur_cible=0
    )
    (avancement,) = indicateurs.avancements(s.convention_a, [objectif], Q1[1])
    assert avancement.taux is None


def test_every_indicator_has_a_definition():
    assert set(indicateurs.DEFINITIONS) == set(IND.values)
    for definition in indicateurs.DEFINITIONS.values():
        assert definition.definition and definition.date and definition.attribution
    texte = indicateurs.DEFINITIONS[IND.SORTIES_POSITIVES_6_MOIS].definition
    for mot in ("CDI", "CDD", "intérim", "six mois", "alternance", "formation qualifiante"):
        assert mot in texte


def test_the_documentation_follows_the_definitions():
    from django.conf import settings

    doc = (settings.BASE_DIR / "docs" / "indicateurs.md").read_text()
    for definition in indicateurs.DEFINITIONS.values():
        assert definition.libelle in doc
    for type_ in ("CDI", "CDD de 6 mois ou plus", "Intérim de 6 mois ou plus", "Alternance"):
        assert type_ in doc


def test_immersions_done_and_leading_to_a_hire(s):
    def rows(partenaire, convention, indicateur):
        return set(
            indicateurs.lignes(
                indicateur,
                partenaire=partenaire.pk,
                convention=convention.pk,
                debut=Q1[0],
                fin=Q1[1],
            )
        )

    # Done: the tutor's assessment counts at least a day there (i3 none, i6 not assessed yet).
    assert rows(s.a, s.convention_a, IND.IMMERSIONS_REALISEES) == {s.i1, s.i2, s.i7}
    assert rows(s.a, s.convention_a, IND.IMMERSIONS_EMBAUCHE) == {s.i1}
    # B prescribed i4 on a pair that is nobody's: it counts for B, as its mentee's i7 does.
    assert rows(s.b, s.convention_b, IND.IMMERSIONS_REALISEES) == {s.i4, s.i7}
    assert rows(s.b, s.convention_b, IND.IMMERSIONS_EMBAUCHE) == {s.i4}
