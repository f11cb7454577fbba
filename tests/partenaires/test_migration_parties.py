"""Each convention's partner becomes its first party, the lead one (migration
``partenaires.0014_parties_existantes``): the database taken back to before it, a convention
written as the former code did (no party), then migrated forward again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from partenaires.models import PartieConvention
from tests.partenaires.factories import ConventionFactory, PartenaireFactory

pytestmark = pytest.mark.django_db(transaction=True)

AVANT = [("partenaires", "0013_conventions_a_plusieurs_parties")]
APRES = [("partenaires", "0014_parties_existantes")]


def migrer(cible):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(cible)
    return executor.loader.project_state(cible).apps


@pytest.fixture
def remigrer():
    try:
        yield
    finally:
        migrer(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_partner_of_each_convention_becomes_its_lead_party(remigrer):
    convention = ConventionFactory()
    co = PartenaireFactory()
    PartieConvention.objects.create(convention=convention, partenaire=co, role="co_financeur")
    ancienne = ConventionFactory()
    PartieConvention.objects.filter(convention=ancienne).delete()  # as before the parties
    PartieConvention.objects.filter(
        convention=convention, partenaire=convention.partenaire
    ).delete()

    migrer(AVANT)
    migrer(APRES)

    assert set(PartieConvention.objects.values_list("convention_id", "partenaire_id", "role")) == {
        (convention.pk, convention.partenaire_id, "porteur"),
        (convention.pk, co.pk, "co_financeur"),  # kept as it was
        (ancienne.pk, ancienne.partenaire_id, "porteur"),
    }
