"""Admin lists counted up to a bound (``mentorat/admin_pagination.py``): past it, the list says
"Plus de …", offers the pages of the bounded rows only, and its count stops at the bound."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorat.admin_pagination import PaginationBornee
from parrainages.models import Rencontre
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import RencontreFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:parrainages_rencontre_changelist")


@pytest.fixture
def borne(monkeypatch):
    """A bound of 3 rows and pages of 2 on the meetings' list."""
    monkeypatch.setattr(PaginationBornee, "plafond", 3)
    monkeypatch.setattr(admin.site._registry[Rencontre], "list_per_page", 2)


def test_every_list_of_the_site_is_counted_up_to_the_bound():
    assert all(
        issubclass(model_admin.paginator, PaginationBornee)
        for model_admin in admin.site._registry.values()
    )


def test_past_the_bound_the_list_says_more_than_and_stops_its_pages(client, borne):
    for _ in range(5):
        RencontreFactory()
    connecter(client, gestionnaire())
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(URL)
    assert reponse.status_code == 200
    cl = reponse.context["cl"]
    assert cl.paginator.depasse
    assert cl.paginator.num_pages == 2  # the 3 bounded rows, 2 a page
    texte = reponse.content.decode()
    assert "Plus de 3 rencontres" in texte
    assert "Sélectionner toute la liste (plus de 3 rencontres)" in texte
    # The count stops at the bound + 1 and is not sorted first.
    comptes = [q["sql"] for q in requetes.captured_queries if "COUNT(" in q["sql"]]
    assert len(comptes) == 1
    assert "LIMIT 4" in comptes[0] and "ORDER BY" not in comptes[0]
    # The last bounded page shows; a page past the bound is refused as any impossible page.
    assert client.get(URL, {"p": "2"}).status_code == 200
    assert client.get(URL, {"p": "3"}).url.endswith("?e=1")


def test_under_the_bound_the_count_is_exact(client, borne):
    for _ in range(3):
        RencontreFactory()
    connecter(client, gestionnaire())
    reponse = client.get(URL)
    cl = reponse.context["cl"]
    assert not cl.paginator.depasse
    assert cl.result_count == 3
    assert cl.paginator.num_pages == 2
    assert "3 rencontres" in reponse.content.decode()
    assert "Plus de" not in reponse.content.decode()


def test_a_search_past_the_bound_says_more_than(client, borne):
    for _ in range(5):
        RencontreFactory(parrainage__filleul__user__last_name="Benali")
    connecter(client, gestionnaire())
    reponse = client.get(URL, {"q": "Benali"})
    assert "plus de 3 résultats" in reponse.content.decode()


def test_a_list_past_the_bound_is_not_counted_again_for_five_minutes(client, borne):
    from django.core.cache import cache

    for _ in range(5):
        RencontreFactory()
    connecter(client, gestionnaire())
    client.get(URL)
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(URL, {"p": "2"})
    assert reponse.context["cl"].paginator.depasse
    assert not any("COUNT(" in q["sql"] for q in requetes.captured_queries)
    # Another list (a filter) is counted on its own; once the five minutes are over, so is
    # this one again.
    Rencontre.objects.all().delete()
    assert client.get(URL, {"statut__exact": "prevue"}).context["cl"].result_count == 0
    assert client.get(URL).context["cl"].paginator.depasse
    cache.clear()
    assert client.get(URL).context["cl"].result_count == 0


def test_a_page_is_chosen_on_the_lists_own_table_then_joined_in_one_query(client, borne):
    """The rows of a page are the keys sorted and sliced in a subquery on the meetings alone;
    the outer query joins those rows to their pair and people. Same rows, same order, one
    query, on every page and in both directions of a sort."""
    import datetime as dt

    from django.utils import timezone

    debut = timezone.now() - dt.timedelta(days=30)
    statuts = [Rencontre.Statut.TENUE, Rencontre.Statut.PREVUE, Rencontre.Statut.TENUE]
    for i, statut in enumerate(statuts):
        RencontreFactory(debut=debut + dt.timedelta(hours=i), statut=statut)
    connecter(client, gestionnaire())
    ordre = Rencontre.objects.order_by("-debut", "-pk").values_list("pk", flat=True)
    for page, attendues in (("1", list(ordre[:2])), ("2", list(ordre[2:3]))):
        with CaptureQueriesContext(connection) as requetes:
            reponse = client.get(URL, {"p": page})
        assert [r.pk for r in reponse.context["cl"].result_list] == attendues
        lignes = [q["sql"] for q in requetes.captured_queries if "parrainages_filleul" in q["sql"]]
        (sql,) = [q for q in lignes if "ORDER BY" in q and "COUNT(" not in q]
        interieure = sql[sql.index("IN (SELECT") :]
        assert "LIMIT" in interieure and "parrainages_filleul" not in interieure
    # The sorts the list offers, ascending and descending: the date, the status (then the
    # date). A column outside them (the duration) is not a sort.
    for sens, ordre in (
        ("1", ("debut", "pk")),
        ("-1", ("-debut", "-pk")),
        ("6", ("statut", "-debut", "-pk")),
        ("-6", ("-statut", "-debut", "-pk")),
        ("4", ("-debut", "-pk")),
    ):
        reponse = client.get(URL, {"o": sens})
        cles = Rencontre.objects.order_by(*ordre).values_list("pk", flat=True)
        assert [r.pk for r in reponse.context["cl"].result_list] == list(cles[:2]), sens


@pytest.mark.parametrize("nombre", [2, 3])
def test_a_search_reads_its_keys_once_for_the_count_and_the_pages(client, borne, nombre):
    """A searched list: its keys read once, in its order and up to the bound; the count is
    their number, each page the rows of its slice, read by key without the search again. On
    one page (2 rows) or two (3 rows, pages of 2); same rows, same order as the search."""
    import datetime as dt

    from django.utils import timezone

    debut = timezone.now() - dt.timedelta(days=30)
    for i in range(nombre):
        RencontreFactory(
            parrainage__filleul__user__last_name="Benali", debut=debut + dt.timedelta(hours=i)
        )
    RencontreFactory(parrainage__filleul__user__last_name="Martin")  # not found
    connecter(client, gestionnaire())
    trouvees = list(
        Rencontre.objects.filter(parrainage__filleul__user__last_name="Benali")
        .order_by("-debut", "-pk")
        .values_list("pk", flat=True)
    )
    vues = []
    for page in ("1", "2")[: (nombre + 1) // 2]:
        with CaptureQueriesContext(connection) as requetes:
            reponse = client.get(URL, {"q": "Benali", "p": page})
        cl = reponse.context["cl"]
        assert cl.result_count == nombre and not cl.paginator.depasse
        vues += [r.pk for r in cl.result_list]
        sql = [q["sql"] for q in requetes.captured_queries]
        # No count: the keys, then the page's rows by key, and the date bar from them (the
        # search is not run again).
        assert not any("COUNT(" in q for q in sql)
        recherches = [q for q in sql if "parrainages_rencontre" in q and "BENALI" in q.upper()]
        assert len(recherches) == 1, recherches
    assert vues == trouvees


def test_a_search_past_the_bound_pages_as_any_list(client, borne):
    for _ in range(5):
        RencontreFactory(parrainage__filleul__user__last_name="Benali")
    connecter(client, gestionnaire())
    reponse = client.get(URL, {"q": "Benali", "p": "2"})
    cl = reponse.context["cl"]
    assert cl.paginator.depasse and cl.paginator._cles is None
    assert len(cl.result_list) == 2  # the pages of the bounded rows, as any list's


def test_a_searched_proposals_list_on_one_page_shows_its_mentors_places(client):
    """The proposals' list gives each row its mentor's open pairs after Django read the page:
    a search that fits on one page is read by its keys before that, not after (its rows
    would lose what the list added to them)."""
    from parrainages.models import Parrainage
    from tests.parrainages.factories import ParrainageFactory

    ParrainageFactory(
        statut=Parrainage.Statut.PROPOSITION, filleul__user__last_name="Quenoëlle-Vraszk"
    )
    connecter(client, gestionnaire())
    url = reverse("admin:parrainages_parrainage_changelist")
    reponse = client.get(url, {"statut__exact": "proposition", "q": "Quenoëlle"})
    assert reponse.status_code == 200
    cl = reponse.context["cl"]
    assert cl.result_count == 1 and cl.paginator._cles is not None
    from parrainages.services.capacite import binomes_ouverts_par_parrain

    (ligne,) = cl.result_list
    attendu = binomes_ouverts_par_parrain({ligne.parrain_id}).get(ligne.parrain_id, 0)
    assert ligne.binomes_ouverts_du_parrain == attendu == 1  # the proposal itself
