"""Bulk deletion (``mentorat.suppression.supprimer``): the same rows gone and the same audit
entries as Django's deletion with auditlog's receiver, in a number of queries that does not
grow with the rows deleted."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorat.suppression import supprimer
from parrainages.models import Parrainage, Rencontre
from tests.mentorat.factories import administrateur, connecter
from tests.parrainages.factories import ParrainageFactory, RencontreFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def binomes(programme, nombre, rencontres=2):
    paires = ParrainageFactory.create_batch(nombre, programme=programme, actif=True)
    for paire in paires:
        RencontreFactory.create_batch(rencontres, parrainage=paire, tenue=True)
    return paires


def entrees_ecrites(apres_id):
    """The entries written since ``apres_id``, without what differs from run to run."""
    return sorted(
        (e.content_type_id, e.object_pk, e.object_repr, e.action, e.changes_text, e.cid)
        for e in LogEntry.objects.filter(pk__gt=apres_id)
    )


class _Annuler(Exception):
    pass


def deux_fois(supprimer_par):
    """Run a deletion, note its entries and rows left, roll it back."""
    dernier = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        with transaction.atomic():
            supprimer_par()
            resultat = (
                entrees_ecrites(dernier),
                Parrainage.objects.count(),
                Rencontre.objects.count(),
            )
            raise _Annuler
    except _Annuler:
        pass
    return resultat


def test_the_same_entries_as_a_deletion_row_by_row():
    programme = ProgrammeFactory()
    binomes(programme, 4)
    garde = ParrainageFactory(actif=True)  # another programme's pair stays
    RencontreFactory(parrainage=garde)
    a_supprimer = Parrainage.objects.filter(programme=programme)

    par_django = deux_fois(lambda: a_supprimer.delete())
    en_masse = deux_fois(lambda: supprimer(a_supprimer))

    entrees, paires_restantes, rencontres_restantes = en_masse
    assert en_masse == par_django
    assert (paires_restantes, rencontres_restantes) == (1, 1)
    # Each pair has its deletion entry (meetings are not journaled), and nothing else.
    type_paire = ContentType.objects.get_for_model(Parrainage).pk
    assert sorted((e[0], e[3]) for e in entrees) == [(type_paire, LogEntry.Action.DELETE)] * 4


def test_its_queries_do_not_grow_with_the_rows():
    def requetes(nombre):
        programme = ProgrammeFactory()
        binomes(programme, nombre)
        with CaptureQueriesContext(connection) as capture:
            supprimer(Parrainage.objects.filter(programme=programme))
        return len(capture.captured_queries)

    assert requetes(3) == requetes(12)


def test_instances_too_and_nothing_to_delete():
    paires = binomes(ProgrammeFactory(), 2, rencontres=1)
    cles = [p.pk for p in paires]
    assert supprimer([]) == 0
    assert supprimer(paires) == 4
    assert not Parrainage.objects.filter(pk__in=cles).exists()
    assert (
        LogEntry.objects.filter(
            action=LogEntry.Action.DELETE, object_pk__in=[str(c) for c in cles]
        ).count()
        == 2
    )


def test_a_protected_row_stops_everything():
    programme = ProgrammeFactory()
    binomes(programme, 1)
    avant = LogEntry.objects.count()
    with pytest.raises(ProtectedError):
        supprimer(type(programme).objects.filter(pk=programme.pk))
    assert LogEntry.objects.count() == avant
    assert Parrainage.objects.filter(programme=programme).exists()


def test_the_admin_bulk_deletion_records_its_author(client):
    staff = administrateur()
    connecter(client, staff)
    programme = ProgrammeFactory()
    paires = binomes(programme, 3, rencontres=1)
    cles = [p.pk for p in paires]
    reponse = client.post(
        reverse("admin:parrainages_parrainage_changelist"),
        {"action": "delete_selected", "_selected_action": cles, "post": "yes"},
    )
    assert reponse.status_code == 302
    assert not Parrainage.objects.filter(pk__in=cles).exists()
    assert not Rencontre.objects.filter(parrainage__in=cles).exists()
    entrees = LogEntry.objects.filter(action=LogEntry.Action.DELETE)
    assert sorted(entrees.values_list("object_id", flat=True)) == sorted(cles)
    assert set(entrees.values_list("actor", flat=True)) == {staff.pk}
