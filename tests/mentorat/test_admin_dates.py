"""The date hierarchy of the big tables' changelists: years and months from MIN and MAX."""

import datetime as dt

import pytest
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db import connection
from django.db.models import Max, Min
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorat.admin_dates import with_bounded_dates
from parrainages.models import Immersion, Rencontre
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import ImmersionFactory, RencontreFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:parrainages_rencontre_changelist")


def paris(*args):
    return timezone.make_aware(dt.datetime(*args), timezone.get_default_timezone())


@pytest.fixture
def rencontres():
    for debut in (paris(2024, 11, 5, 10), paris(2026, 2, 3, 14), paris(2026, 4, 1, 0, 30)):
        RencontreFactory(debut=debut)


def choices(response):
    """The titles of the date hierarchy's bar, as the changelist template shows them."""
    return [c["title"] for c in date_hierarchy(response.context["cl"])["choices"]]


def test_years_run_from_the_first_to_the_last_without_a_distinct_scan(client, rencontres):
    connecter(client, gestionnaire())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    assert not any("DISTINCT" in q["sql"] for q in queries.captured_queries)
    # 2025 holds no meeting: it shows all the same, between the first and the last year.
    assert choices(response) == ["2024", "2025", "2026"]


def test_months_of_a_year_run_between_its_first_and_last_rows(client, rencontres):
    connecter(client, gestionnaire())
    response = client.get(URL, {"debut__year": "2026"})
    assert choices(response) == ["Février 2026", "Mars 2026", "Avril 2026"]
    assert response.context["cl"].result_count == 2


def test_days_stay_exact(client, rencontres):
    connecter(client, gestionnaire())
    response = client.get(URL, {"debut__year": "2026", "debut__month": "4"})
    # Local time: 1 April 00:30 in Paris is still 31 March in UTC.
    assert choices(response) == ["1 avril"]


def test_an_empty_table_has_no_periods():
    queryset = with_bounded_dates(Rencontre.objects.all())
    assert queryset.datetimes("debut", "year") == []
    assert with_bounded_dates(queryset) is queryset
    assert queryset.filter(statut=Rencontre.Statut.PREVUE).dates("created_at", "month") == []


def test_date_fields_are_listed_as_dates():
    for debut in (dt.date(2026, 1, 30), dt.date(2026, 3, 2)):
        ImmersionFactory(date_debut=debut, date_fin=debut + dt.timedelta(days=14))
    queryset = with_bounded_dates(Immersion.objects.all())
    assert queryset.dates("date_debut", "month") == [
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    ]
    assert queryset.dates("date_debut", "year", order="DESC") == [dt.date(2026, 1, 1)]
    assert list(queryset.dates("date_debut", "day")) == [
        dt.date(2026, 1, 30),
        dt.date(2026, 3, 2),
    ]


def test_the_bounds_are_read_once_per_changelist(client, rencontres):
    """Django's tag asks for the first and last dates, then for the years: the bounds are read
    once, as the first row in each order (one query), not as a MIN/MAX per question."""
    connecter(client, gestionnaire())
    response = client.get(URL)
    cl = response.context["cl"]
    with CaptureQueriesContext(connection) as queries:
        assert choices(response) == ["2024", "2025", "2026"]
    # Already read while the page was drawn: asking again reads nothing.
    assert len(queries.captured_queries) == 0
    queryset = with_bounded_dates(cl.root_queryset.filter(statut=Rencontre.Statut.PREVUE))
    with CaptureQueriesContext(connection) as queries:
        queryset.datetimes("debut", "year")
        queryset.datetimes("debut", "month")
        bornes = queryset.aggregate(first=Min("debut"), last=Max("debut"))
    assert len(queries.captured_queries) == 1
    assert all("LIMIT 1" in q["sql"] and "MIN(" not in q["sql"] for q in queries.captured_queries)
    assert bornes == {"first": paris(2024, 11, 5, 10), "last": paris(2026, 4, 1, 0, 30)}
    # Any other aggregate is the database's own.
    assert queryset.aggregate(first=Min("debut"), last=Max("created_at"))["first"] == paris(
        2024, 11, 5, 10
    )


def test_a_second_view_of_the_list_reads_its_bounds_from_the_cache(client, rencontres):
    """Paging through the list, or coming back to it, does not read the bounds again for
    two minutes; a row added meanwhile in a new year shows once they are read again."""
    from django.core.cache import cache

    connecter(client, gestionnaire())
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"o": "2"})
    assert not any(
        "LIMIT 1" in q["sql"] and "ORDER BY" in q["sql"] and '"debut" AS' in q["sql"]
        for q in queries.captured_queries
    )
    assert choices(response) == ["2024", "2025", "2026"]

    RencontreFactory(parrainage=Rencontre.objects.first().parrainage, debut=paris(2027, 1, 5, 10))
    assert choices(client.get(URL)) == ["2024", "2025", "2026"]  # within the two minutes
    cache.clear()  # as after them
    assert choices(client.get(URL)) == ["2024", "2025", "2026", "2027"]
