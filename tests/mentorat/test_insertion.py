"""Bulk inserts: COPY on PostgreSQL writes what ``bulk_create`` writes, audit entries too."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from mentorat import insertion
from mentorat.audit import journal_creations
from parrainages.models import Parrainage
from tests.parrainages.factories import FilleulFactory, ParrainFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY n'existe que sur PostgreSQL"
)


MAINTENANT = timezone.now()


def _propositions(programme, n):
    now = MAINTENANT
    return [
        Parrainage(
            programme=programme,
            parrain=ParrainFactory(),
            filleul=FilleulFactory(),
            forme="regulier",
            score=80 + i,
            raisons=["même secteur : Hôtellerie — 35 points", "4 km — 22 points"],
            raisons_breves={"secteur": "secteur ✓", "distance": "4 km"},
            distance_km=4.2 if i else None,
            option=bool(i % 2),
            propose_le=now,
            created_at=now,
        )
        for i in range(n)
    ]


def _lignes(objets):
    relus = Parrainage.objects.filter(pk__in=[o.pk for o in objets]).order_by("pk")
    return [
        {k: v for k, v in model_to_dict(p).items() if k not in ("id", "programme")} for p in relus
    ]


def _entrees(objets):
    entrees = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Parrainage),
        object_id__in=[o.pk for o in objets],
    ).order_by("object_id")
    return [
        (e.action, e.object_repr, e.content_type_id, e.cid, e.actor_id)
        + (tuple(sorted((k, v) for k, v in e.changes.items() if k not in ("id", "programme"))),)
        for e in entrees
    ]


@postgresql
def test_copy_writes_the_rows_and_entries_bulk_create_writes(monkeypatch):
    programme = ProgrammeFactory()
    # A mentee has one open proposal per programme: the second set goes to a twin programme.
    jumeau = ProgrammeFactory(nom=programme.nom)
    par_copie, par_lots = _propositions(programme, 3), _propositions(jumeau, 3)
    # The same values on both sides but the people and the programme.
    for a, b in zip(par_copie, par_lots, strict=True):
        b.parrain, b.filleul = a.parrain, a.filleul

    monkeypatch.setattr(insertion, "COPIE_DES", 1)
    assert insertion.inserer_en_masse(par_copie) == 3
    journal_creations(par_copie)
    monkeypatch.setattr(insertion, "COPIE_DES", 10**9)
    insertion.inserer_en_masse(par_lots)
    journal_creations(par_lots)

    assert all(p.pk and not p._state.adding for p in par_copie)
    assert len({p.pk for p in par_copie + par_lots}) == 6
    assert _lignes(par_copie) == _lignes(par_lots)
    assert len(_entrees(par_copie)) == 3
    assert _entrees(par_copie) == _entrees(par_lots)
    # The ids come from the table's own sequence: the next row follows them.
    suivante = _propositions(programme, 1)[0]
    suivante.save()
    assert suivante.pk > max(p.pk for p in par_copie + par_lots)


@postgresql
def test_copy_takes_two_statements_whatever_the_number_of_rows(
    monkeypatch, django_assert_max_num_queries
):
    programme = ProgrammeFactory()
    monkeypatch.setattr(insertion, "COPIE_DES", 1)
    petit, grand = _propositions(programme, 2), _propositions(programme, 30)
    with django_assert_max_num_queries(2) as petit_compte:
        insertion.inserer_en_masse(petit)
    with django_assert_max_num_queries(2) as grand_compte:
        insertion.inserer_en_masse(grand, taille_lot=5)
    # The ids from the sequence, then the COPY.
    for compte in (petit_compte, grand_compte):
        sql = [q["sql"] for q in compte.captured_queries]
        assert "nextval" in sql[0] and sql[1].startswith("COPY")
    assert Parrainage.objects.filter(programme=programme).count() == 32
