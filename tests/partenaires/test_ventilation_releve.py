"""The breakdown by public and sector (``indicateurs.ventiler``, one statement) against its
definition counted group by group: for each indicator, the rows ``indicateurs.lignes`` counts
whose mentee (through any of its paths) is among the group's mentees
(``publics.condition``), one query per group and indicator. Any change in the figures of the
one-statement breakdown fails here, on the hand-built data of ``scenario.py`` and on the
publics' scenario of ``test_ventilation.py``."""

import pytest

from partenaires import indicateurs, selectors
from tests.partenaires import scenario
from tests.partenaires.scenario import Q1, Q2
from tests.partenaires.ventilation import assert_identique

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return scenario.construire()


@pytest.mark.parametrize("periode", [Q1, Q2])
def test_the_breakdown_is_its_definition_counted_group_by_group(s, periode):
    for convention in (s.convention_a, s.convention_b):
        assert_identique(convention, *periode)
    # Since the start of the convention, and something to compare: rows in some group.
    attendu = assert_identique(s.convention_a, s.convention_a.date_debut, periode[1])
    assert any(v for valeurs in attendu.values() for v in valeurs.values())


def test_the_breakdown_is_two_queries_whatever_the_indicators(s, django_assert_num_queries):
    # The sectors, then every indicator of every group in one statement.
    with django_assert_num_queries(2):
        indicateurs.ventiler(s.convention_a, *Q1)


def test_a_report_reads_its_figures_in_a_fixed_number_of_queries(s, django_assert_num_queries):
    """The indicators, curves and participants in one statement; the breakdown in one. The
    others: objectives, outcomes, events (3), cohort, programmes, partner, parties, actions,
    sectors."""
    s.convention_a.refresh_from_db()
    with django_assert_num_queries(13):
        contenu = selectors.contenu_rapport(s.convention_a, *Q1)
    assert contenu["lignes"] and contenu["series"] and contenu["participants"]
