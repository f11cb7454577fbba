"""Staff's earlier checks of a declared QPV become the team's decision on the result from the
address (``parrainages.0030_filleul_qpv_verifications_reprises``), and back."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from parrainages.models import Filleul
from tests.mentorat.factories import UserFactory
from tests.parrainages.factories import FilleulFactory
from tests.programmes.factories import CommuneFactory

pytestmark = pytest.mark.django_db(transaction=True)

AVANT = [("parrainages", "0029_filleul_adresse_qpv")]


def migrer(cible):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(cible)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(cible).apps


def aujourd_hui():
    """Every app's latest migration: today's schema, that today's models read."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def remigrer():
    try:
        yield
    finally:
        # Every app's latest migration, not only the one under test: the migrations written
        # after it are applied again too.
        migrer(aujourd_hui())


def test_confirme_et_infirme_deviennent_des_decisions_de_l_equipe_et_reviennent(remigrer):
    # Their accounts and communes are written first, with today's models; the mentees' rows as
    # the code of that time wrote them, through the models of that migration (today's model has
    # columns added since).
    gabarits = [FilleulFactory.build(user=UserFactory(), commune=CommuneFactory()) for _ in "abc"]
    FilleulAlors = migrer(AVANT).get_model("parrainages", "Filleul")

    def ecrire(gabarit, qpv):
        return FilleulAlors.objects.create(
            user_id=gabarit.user.pk,
            commune_id=gabarit.commune.pk,
            date_naissance=gabarit.date_naissance,
            situation=gabarit.situation,
            niveau_diplome=gabarit.niveau_diplome,
            qpv=qpv,
        )

    confirme = ecrire(gabarits[0], "confirme")
    infirme = ecrire(gabarits[1], "infirme")
    declare = ecrire(gabarits[2], "declare")

    # Forward again, to today's schema (the rows are read through today's models).
    migrer(aujourd_hui())
    etats = {
        f.pk: (f.qpv, f.qpv_resultat, f.qpv_origine)
        for f in Filleul.objects.filter(pk__in=[confirme.pk, infirme.pk, declare.pk])
    }
    assert etats[confirme.pk] == ("confirme", "dans", "equipe")
    assert etats[infirme.pk] == ("infirme", "hors", "equipe")
    assert etats[declare.pk] == ("declare", "indetermine", "")
    assert Filleul.objects.get(pk=confirme.pk).qpv_motif.startswith("Vérification faite")

    migrer(AVANT)
    assert set(
        Filleul.objects.filter(pk__in=[confirme.pk, infirme.pk]).values_list(
            "qpv", "qpv_resultat", "qpv_origine", "qpv_motif"
        )
    ) == {("confirme", "indetermine", "", ""), ("infirme", "indetermine", "", "")}
