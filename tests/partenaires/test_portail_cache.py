"""The convention page's figures are counted at most every ten minutes, not at every visit."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parrainages.models import Candidature
from partenaires import selectors
from tests.parrainages.factories import CandidatureFactory
from tests.partenaires import scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 3, 31))
    return scenario.construire()


def nouvelle_candidature(s):
    CandidatureFactory(
        programme=s.p1,
        prescripteur=s.a,
        source=Candidature.Source.PRESCRIPTION,
        created_at=scenario.midi(2026, 3, 20),
    )


def orientes(response):
    (avancement,) = [
        a for a in response.context["avancements"] if a.objectif.indicateur == "filleuls_orientes"
    ]
    return avancement.valeur


def test_a_second_visit_reads_the_figures_from_the_cache(client, s):
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    with CaptureQueriesContext(connection) as premiere:
        response = client.get(url)
    assert orientes(response) == 3
    assert "Chiffres arrêtés le" in response.content.decode()
    nouvelle_candidature(s)
    with CaptureQueriesContext(connection) as seconde:
        response = client.get(url)
    # Not counted again: the same figure, and fewer queries.
    assert orientes(response) == 3
    assert len(seconde) < len(premiere)


def test_changing_an_objective_shows_the_last_figures_while_they_are_counted_again(
    client, s, django_capture_on_commit_callbacks
):
    """A visit that finds nothing counted under its key (an objective changed) does not wait
    for a count: it shows the convention's last figures, says they are being updated, and
    asks for the count in the background; the next visit reads the new figures."""
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    assert client.get(url).context["a_jour"] is True
    nouvelle_candidature(s)
    s.objectif_orientes.valeur_cible = 12
    s.objectif_orientes.save()
    with django_capture_on_commit_callbacks(execute=True) as demandes:
        response = client.get(url)
    assert response.context["a_jour"] is False
    assert orientes(response) == 3  # the last figures, counted before the change
    assert "en cours de mise à jour" in response.content.decode()
    assert len(demandes) == 1  # the count asked (run here: tasks run in-process in tests)
    response = client.get(url)
    assert response.context["a_jour"] is True
    assert orientes(response) == 4
    assert [a.objectif.valeur_cible for a in response.context["avancements"]].count(12) == 1


def test_a_burst_of_visits_on_old_figures_asks_for_one_count(
    client, s, django_capture_on_commit_callbacks
):
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    client.get(url)
    s.objectif_orientes.valeur_cible = 12
    s.objectif_orientes.save()
    with django_capture_on_commit_callbacks(execute=False) as demandes:
        for _ in range(3):
            assert client.get(url).context["a_jour"] is False
    assert len(demandes) == 1


def test_a_convention_never_counted_is_counted_during_the_visit(client, s):
    from django.core.cache import cache

    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    client.get(url)
    nouvelle_candidature(s)
    cache.clear()  # no last figures either (the cache was emptied)
    response = client.get(url)
    assert response.context["a_jour"] is True
    assert orientes(response) == 4


def test_an_objective_changed_in_the_back_office_asks_for_a_count_even_after_a_visit_did(
    admin_client, s, django_capture_on_commit_callbacks
):
    """A count asked by a visit a minute ago may have run before the change: a change in the
    back office asks again, whatever the visits asked; the next visit reads figures counted
    with the new objective, not the last ones."""
    from django.test import Client

    from partenaires import services

    client = Client()  # the member's own (``admin_client`` is pytest-django's ``client``)
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    client.get(url)  # figures counted and kept as the convention's last ones
    assert services.tableau_faire_recompter(convention_id=s.convention_a.pk) is True
    assert services.tableau_faire_recompter(convention_id=s.convention_a.pk) is False
    objectif = s.objectif_orientes
    donnees = {
        "convention": objectif.convention_id,
        "indicateur": objectif.indicateur,
        "valeur_cible": 12,
        "periode": objectif.periode,
        "public": objectif.public or "",
        "secteur": objectif.secteur_id or "",
    }
    with django_capture_on_commit_callbacks(execute=True) as demandes:
        response = admin_client.post(
            reverse("admin:partenaires_objectif_change", args=[objectif.pk]), donnees
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("admin:partenaires_objectif_changelist")
    assert len(demandes) >= 1
    response = client.get(url)
    assert response.context["a_jour"] is True
    assert 12 in [a.objectif.valeur_cible for a in response.context["avancements"]]


def test_without_cache_duration_every_visit_counts(client, s, monkeypatch):
    monkeypatch.setattr(selectors, "DUREE_TABLEAU_EN_CACHE", 0)
    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    client.get(url)
    nouvelle_candidature(s)
    assert orientes(client.get(url)) == 4


def test_two_visits_that_miss_together_count_once(client, s, monkeypatch):
    """A second visit that misses while the first one counts waits for its figures (simulated
    by holding the lock: the other process's figures arrive while this one waits)."""
    import threading
    import time

    from django.core.cache import cache

    from partenaires import indicateurs

    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    premiere = client.get(url)  # the figures of the process that counts
    comptees = premiere.context["avancements"]
    convention = s.convention_a
    reference = min(max(timezone.localdate(), convention.date_debut), convention.date_fin)
    cle = selectors._cle_tableau(convention, list(convention.objectifs.all()), reference)
    gardee = cache.get(cle)
    cache.delete(cle)
    cache.add(f"{cle}:verrou", 1, 60)

    def fin_du_comptage():
        time.sleep(0.3)
        cache.set(cle, gardee, 60)
        cache.delete(f"{cle}:verrou")

    appels = []
    monkeypatch.setattr(indicateurs, "avancements", lambda *a, **k: appels.append(a))
    threading.Thread(target=fin_du_comptage).start()
    response = client.get(url)
    assert appels == []  # not counted a second time
    assert [a.valeur for a in response.context["avancements"]] == [a.valeur for a in comptees]


def sans_points_de_reprise(requetes):
    """The statements a request sends, without the test's savepoints (a request's own BEGIN
    and COMMIT are not captured either)."""
    return [
        q["sql"]
        for q in requetes.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_on_a_cache_miss_the_page_reads_at_most_ten_statements(client, s):
    from django.core.cache import cache

    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    for _ in range(20):
        nouvelle_candidature(s)
    cache.clear()
    with CaptureQueriesContext(connection) as requetes:
        response = client.get(url)
    assert orientes(response) == 23  # counted: a miss
    lues = sans_points_de_reprise(requetes)
    assert len(lues) <= 10, "\n\n".join(lues)
    # Every figure in one statement, the partner's pairs computed once at its head.
    assert sum(sql.startswith("WITH") for sql in lues) == 1


def test_the_figures_counted_ahead_are_the_ones_a_first_visit_reads(client, s, monkeypatch):
    """The task counts the followed conventions' figures before the visits' copies expire
    (``selectors.tableaux_recompter``, every five minutes): a visit after it reads them and
    counts nothing, with what changed before the task."""
    from django.core.cache import cache

    from partenaires import indicateurs, tasks

    client.force_login(s.membre_a.user)
    url = reverse("partenaires:convention", args=[s.convention_a.pk])
    assert orientes(client.get(url)) == 3
    nouvelle_candidature(s)
    cache.clear()
    # Counted by the task (the Celery task's own code path), not by the visit.
    assert tasks.recompter_tableaux() >= 1
    appels = []
    lire = indicateurs.Releve.lire
    monkeypatch.setattr(indicateurs.Releve, "lire", lambda r: appels.append(r) or lire(r))
    response = client.get(url)
    assert appels == []
    assert orientes(response) == 4
    assert "Chiffres arrêtés le" in response.content.decode()


def test_drafts_and_conventions_long_ended_are_not_counted_ahead(s):
    from django.core.cache import cache

    from partenaires.models import Convention

    aujourd_hui = timezone.localdate()
    suivies = {
        c.pk
        for c in Convention.objects.suivies().filter(
            date_fin__gte=aujourd_hui - dt.timedelta(days=selectors.TABLEAUX_TENUS_APRES_LA_FIN)
        )
    }
    assert s.convention_a.pk in suivies
    assert selectors.tableaux_recompter() == len(suivies)
    # A draft is left out; one ended two months ago too; one ended last week is counted.
    Convention.objects.filter(pk=s.convention_a.pk).update(statut=Convention.Statut.BROUILLON)
    cache.clear()
    assert selectors.tableaux_recompter() == len(suivies) - 1
    Convention.objects.filter(pk=s.convention_a.pk).update(
        statut=Convention.Statut.TERMINEE, date_fin=aujourd_hui - dt.timedelta(days=60)
    )
    assert selectors.tableaux_recompter() == len(suivies) - 1
    Convention.objects.filter(pk=s.convention_a.pk).update(
        date_fin=aujourd_hui - dt.timedelta(days=7)
    )
    assert selectors.tableaux_recompter() == len(suivies)


def test_a_convention_whose_count_fails_leaves_the_others_counted(s, monkeypatch, caplog):
    from partenaires.models import Convention

    suivies = list(
        Convention.objects.suivies()
        .filter(
            date_fin__gte=timezone.localdate()
            - dt.timedelta(days=selectors.TABLEAUX_TENUS_APRES_LA_FIN)
        )
        .order_by("pk")
    )
    compter = selectors._compter_tableau

    def en_panne(convention, *args):
        if convention.pk == suivies[0].pk:
            raise RuntimeError("base indisponible")
        return compter(convention, *args)

    monkeypatch.setattr(selectors, "_compter_tableau", en_panne)
    assert selectors.tableaux_recompter() == len(suivies) - 1
    assert f"Chiffres de la convention {suivies[0].pk} non recomptés" in caplog.text


def test_the_counts_go_to_the_heavy_work_queue_not_the_e_mails_one():
    from mentorat.celery import app

    for nom in ("partenaires.recompter_tableau", "partenaires.recompter_tableaux"):
        assert app.amqp.router.route({}, nom)["queue"].name == "pdf"
    assert app.amqp.router.route({}, "parrainages.expirer_propositions")["queue"].name == "celery"
