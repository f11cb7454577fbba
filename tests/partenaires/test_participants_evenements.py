"""The participants in the events of a convention's programmes, by audience: counted by
``indicateurs.participants_aux_evenements`` and again here, row by row in Python."""

import datetime as dt
import zoneinfo

import pytest

from partenaires import indicateurs, selectors
from programmes.models import Evenement, Inscription
from tests.mentorat.factories import UserFactory
from tests.parrainages.factories import ParrainFactory
from tests.partenaires.factories import ConventionFactory
from tests.programmes.factories import EvenementFactory, InscriptionFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
P, S = Evenement.Public, Inscription.Statut


def a_paris(annee, mois, jour, heure=10, minute=0):
    return dt.datetime(annee, mois, jour, heure, minute, tzinfo=PARIS)


def evenement(programme, debut, statut=Evenement.Statut.TERMINE):
    return EvenementFactory(
        programme=programme,
        publics=P.values,
        statut=statut,
        debut=debut,
        fin=debut + dt.timedelta(hours=1),
    )


def inscrire(e, public, statut):
    personne = {
        P.FILLEULS: {},
        P.PARRAINS: {"parrain": ParrainFactory()},
        P.PARTENAIRES: {"membre": UserFactory()},
    }[public]
    return InscriptionFactory(evenement=e, statut=statut, **personne)


@pytest.fixture
def monde():
    """A convention (2026) on two programmes; events in and out of it, in and out of its
    dates (on both sides of midnight, Paris time), cancelled or not."""
    p1, p2, dehors = ProgrammeFactory(), ProgrammeFactory(), ProgrammeFactory()
    convention = ConventionFactory(
        active=True, date_debut=dt.date(2026, 1, 1), date_fin=dt.date(2026, 12, 31)
    )
    convention.programmes.add(p1, p2)
    table_ronde = evenement(p1, a_paris(2026, 2, 10))
    for public, statut in [
        (P.FILLEULS, S.PRESENT),
        (P.FILLEULS, S.ABSENT),
        (P.FILLEULS, S.ANNULE),
        (P.PARRAINS, S.PRESENT),
        (P.PARRAINS, S.PRESENT),
        (P.PARTENAIRES, S.PRESENT),
        (P.PARTENAIRES, S.INSCRIT),
    ]:
        inscrire(table_ronde, public, statut)
    visite = evenement(p2, a_paris(2026, 12, 31, 23, 30))  # the last evening counts
    inscrire(visite, P.PARTENAIRES, S.PRESENT)
    inscrire(visite, P.FILLEULS, S.PRESENT)
    annule = evenement(p1, a_paris(2026, 3, 1), statut=Evenement.Statut.ANNULE)
    inscrire(annule, P.PARRAINS, S.PRESENT)
    avant = evenement(p1, a_paris(2025, 12, 31, 23, 30))  # the day before the convention
    inscrire(avant, P.FILLEULS, S.PRESENT)
    apres = evenement(p2, a_paris(2027, 1, 1, 0, 30))
    inscrire(apres, P.PARRAINS, S.PRESENT)
    ailleurs = evenement(dehors, a_paris(2026, 5, 5))
    inscrire(ailleurs, P.PARTENAIRES, S.PRESENT)
    return convention


def recompter(convention, debut, fin):
    """The same figures, read row by row."""
    debut, fin = max(debut, convention.date_debut), min(fin, convention.date_fin)
    programmes = set(convention.programmes.values_list("pk", flat=True))
    resultat = {p: {"inscrits": 0, "presents": 0} for p in P.values}
    for i in Inscription.objects.select_related("evenement"):
        e = i.evenement
        jour = e.debut.astimezone(PARIS).date()
        if (
            e.programme_id in programmes
            and e.statut != Evenement.Statut.ANNULE
            and i.statut != S.ANNULE
            and debut <= jour <= fin
        ):
            resultat[i.public]["inscrits"] += 1
            resultat[i.public]["presents"] += i.statut == S.PRESENT
    return resultat


PERIODES = [
    (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    (dt.date(2025, 1, 1), dt.date(2027, 12, 31)),  # clamped to the convention's dates
    (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    (dt.date(2026, 12, 31), dt.date(2026, 12, 31)),
    (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    (dt.date(2027, 1, 1), dt.date(2027, 3, 31)),  # after the convention: nothing
]


@pytest.mark.parametrize(("debut", "fin"), PERIODES)
def test_participants_by_audience_match_a_row_by_row_count(
    monde, debut, fin, django_assert_num_queries
):
    attendu = recompter(monde, debut, fin)
    with django_assert_num_queries(1 if fin >= monde.date_debut and debut <= monde.date_fin else 0):
        assert indicateurs.participants_aux_evenements(monde, debut, fin) == attendu


def test_the_whole_convention_by_hand(monde):
    assert indicateurs.participants_aux_evenements(
        monde, dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    ) == {
        P.FILLEULS: {"inscrits": 3, "presents": 2},
        P.PARRAINS: {"inscrits": 2, "presents": 2},
        P.PARTENAIRES: {"inscrits": 3, "presents": 2},
    }


def test_the_report_lists_each_audience_then_the_total(monde):
    lignes = selectors.participants_par_public(monde, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert [(ligne.public, ligne.inscrits, ligne.presents) for ligne in lignes] == [
        ("filleuls", 2, 1),
        ("parrains", 2, 2),
        ("partenaires", 2, 1),
        ("total", 6, 4),
    ]
