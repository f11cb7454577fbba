"""What the scope costs: a regional coordinator's admin changelist takes exactly one query more
than the Administrateur's — the perimeter's read (mentorat/perimetre.py) — whatever the list.
The timing on national data is benchmarks/perimetre.py's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parrainages.models import MatchingRun
from programmes.models import Structure
from tests.mentorat.factories import UserFactory, administrateur, connecter
from tests.parrainages.factories import (
    CandidatureFactory,
    FilleulFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
)
from tests.parrainages.helpers import LYON, STRASBOURG, commune
from tests.programmes.factories import EvenementFactory, ProgrammeFactory, StructureFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "parrainages_filleul",
    "parrainages_parrain",
    "parrainages_candidature",
    "parrainages_parrainage",
    "parrainages_rencontre",
    "parrainages_matchingrun",
    "programmes_programme",
    "programmes_evenement",
]


@pytest.fixture
def national():
    nationale = StructureFactory(nom="Équipe nationale", type=Structure.Type.NATIONALE)
    programme = ProgrammeFactory(slug="national", structure=nationale)
    grand_est = StructureFactory(
        nom="Grand Est",
        type=Structure.Type.REGIONALE,
        parent=nationale,
        region="44",
        programmes=[programme],
    )
    for coords in (STRASBOURG, LYON, STRASBOURG):
        filleul = FilleulFactory(commune=commune(coords))
        parrain = ParrainFactory(commune=commune(coords))
        parrain.programmes.add(programme)
        CandidatureFactory(programme=programme, filleul=filleul, retenue=True)
        pair = ParrainageFactory(programme=programme, filleul=filleul, parrain=parrain, actif=True)
        RencontreFactory(parrainage=pair)
    EvenementFactory(programme=programme)
    MatchingRun.objects.create(
        programme=programme, structure=grand_est, departements=["67"], statut="termine"
    )
    MatchingRun.objects.create(programme=programme, statut="termine")  # national
    return {"programme": programme, "regional": UserFactory(is_staff=True, structure=grand_est)}


def _requetes(client, url):
    with CaptureQueriesContext(connection) as requetes:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(requetes), response.context["cl"].result_count


@pytest.mark.parametrize("modele", CHANGELISTS)
def test_a_scoped_changelist_costs_one_query_more_than_the_administrateurs(
    client, national, modele
):
    url = reverse(f"admin:{modele}_changelist")
    connecter(client, administrateur())
    client.get(url)  # first visit's one-off reads (content types, session) out of the count
    tout, lignes_tout = _requetes(client, url)
    connecter(client, national["regional"])
    client.get(url)
    borne, lignes_bornees = _requetes(client, url)

    assert borne == tout + 1
    # And the scope did hold: the region's rows only, where the rows have a place.
    if modele not in ("programmes_programme", "programmes_evenement"):
        assert lignes_bornees < lignes_tout
