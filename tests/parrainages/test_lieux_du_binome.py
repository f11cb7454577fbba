"""Where a pair's mentee and mentor live (``Parrainage.lieu_filleul``, ``lieu_parrain``), kept
by the database.

The triggers of migration ``parrainages 0049`` copy the people's communes on their pairs on
every write; a regional team's lists test the territory on these columns
(``ParrainageAdmin.portee``). These tests write pairs and people by every path the code and the
admin use (a save, a bulk create, a queryset update, a full save of a pair read before its
mentee moved, a write of the columns themselves) and compare the columns with the people.
They run on SQLite and, with ``DATABASE_URL``, on PostgreSQL (the two have their own
triggers).
"""

import pytest

from parrainages.models import Filleul, Parrain, Parrainage
from tests.parrainages.factories import FilleulFactory, ParrainageFactory, ParrainFactory
from tests.programmes.factories import CommuneFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def lieux(parrainage):
    return tuple(
        Parrainage.objects.values_list("lieu_filleul_id", "lieu_parrain_id").get(pk=parrainage.pk)
    )


def attendus(parrainage):
    return tuple(
        Parrainage.objects.values_list("filleul__commune_id", "parrain__commune_id").get(
            pk=parrainage.pk
        )
    )


def test_a_new_pair_holds_its_peoples_communes_a_mentor_without_one_none():
    p = ParrainageFactory()
    assert lieux(p) == (p.filleul.commune_id, p.parrain.commune_id) == attendus(p)
    assert p.filleul.commune_id is not None
    sans = ParrainageFactory(parrain=ParrainFactory(commune=None))
    assert lieux(sans) == (sans.filleul.commune_id, None)


def test_bulk_created_pairs_hold_them_too():
    programme = ProgrammeFactory()
    filleuls = FilleulFactory.create_batch(3)
    parrain = ParrainFactory()
    crees = Parrainage.objects.bulk_create(
        [Parrainage(programme=programme, filleul=f, parrain=parrain) for f in filleuls]
    )
    for p in Parrainage.objects.filter(pk__in=[c.pk for c in crees]):
        assert lieux(p) == attendus(p) == (p.filleul.commune_id, parrain.commune_id)


def test_people_who_move_take_their_pairs_along():
    filleul, parrain = FilleulFactory(), ParrainFactory()
    a = ParrainageFactory(filleul=filleul, parrain=parrain)
    b = ParrainageFactory(filleul=filleul)
    c = ParrainageFactory(parrain=parrain)
    ailleurs, encore = CommuneFactory(), CommuneFactory()
    # A save of the mentee (a form, the admin).
    filleul.commune = ailleurs
    filleul.save()
    assert lieux(a)[0] == lieux(b)[0] == ailleurs.pk
    # A queryset update of the mentor (no save, no signal), then no commune at all.
    Parrain.objects.filter(pk=parrain.pk).update(commune=encore)
    assert lieux(a)[1] == lieux(c)[1] == encore.pk
    Parrain.objects.filter(pk=parrain.pk).update(commune=None)
    assert lieux(a)[1] is lieux(c)[1] is None
    # Many mentees at once.
    Filleul.objects.filter(pk=filleul.pk).update(commune=encore)
    for p in (a, b, c):
        assert lieux(p) == attendus(p)


def test_a_pair_given_another_mentor_or_mentee_takes_theirs():
    p = ParrainageFactory()
    autre_parrain, autre_filleul = ParrainFactory(), FilleulFactory()
    Parrainage.objects.filter(pk=p.pk).update(parrain=autre_parrain)
    assert lieux(p) == (p.filleul.commune_id, autre_parrain.commune_id)
    p.refresh_from_db()
    p.filleul = autre_filleul
    p.save()
    assert lieux(p) == (autre_filleul.commune_id, autre_parrain.commune_id) == attendus(p)


def test_a_pair_read_before_its_mentee_moved_does_not_put_the_old_commune_back():
    p = ParrainageFactory()
    perime = Parrainage.objects.get(pk=p.pk)  # read now, saved after the move
    ancienne = perime.lieu_filleul_id
    nouvelle = CommuneFactory()
    Filleul.objects.filter(pk=p.filleul_id).update(commune=nouvelle)
    perime.motif_fin = "Relu"
    perime.save()  # writes every column, the old commune with them
    assert ancienne != nouvelle.pk
    assert lieux(p) == (nouvelle.pk, p.parrain.commune_id) == attendus(p)


def test_the_columns_are_the_databases_alone():
    p = ParrainageFactory()
    faux = CommuneFactory()
    Parrainage.objects.filter(pk=p.pk).update(lieu_filleul=faux, lieu_parrain=faux)
    assert lieux(p) == attendus(p)
    assert faux.pk not in lieux(p)
