"""Matching in the product: runs on the database, proposals, admin, command, task."""

import datetime as dt
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.models import MatchingRun, Parrainage
from parrainages.services.matching import (
    APPARIE_ENTRE_TEMPS,
    PLACES_PRISES_ENTRE_TEMPS,
    AppariementRefuse,
    appariement_executer,
    appariement_lancer,
    donnees_charger,
    proposition_confirmer,
)
from parrainages.tasks import executer_appariement
from programmes.models import Programme
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import (
    FilleulFactory,
    ParrainageFactory,
)
from tests.parrainages.helpers import (
    LYON,
    SCHILTIGHEIM,
    lancer,
    parrain,
    programme_de_ville,
    retenu,
)
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return programme_de_ville()


def test_a_run_proposes_the_best_pairs_with_their_reasons(programme):
    hotel = retenu(programme, secteurs=("G",))
    commerce = retenu(programme, coords=SCHILTIGHEIM, secteurs=("D",))
    p_hotel = parrain(programme, secteurs=("G",))
    p_commerce = parrain(programme, coords=SCHILTIGHEIM, secteurs=("D",))

    run = lancer(programme)

    assert run.statut == MatchingRun.Statut.TERMINE and run.progression == 100
    pairs = {(p.filleul_id, p.parrain_id): p for p in Parrainage.objects.filter(matching_run=run)}
    assert set(pairs) == {
        (hotel.filleul_id, p_hotel.pk),
        (commerce.filleul_id, p_commerce.pk),
    }
    pair = pairs[(hotel.filleul_id, p_hotel.pk)]
    assert pair.statut == Parrainage.Statut.PROPOSITION
    assert pair.candidature == hotel
    assert pair.forme == "regulier"
    assert any(r.startswith("même secteur : Hôtellerie-restauration") for r in pair.raisons)
    assert "même commune — 25 points" in pair.raisons
    assert any(r.startswith("disponibilités communes : mardi soir") for r in pair.raisons)
    # The reasons' points add up to the score.
    points = sum(int(r.rsplit("— ", 1)[1].split()[0]) for r in pair.raisons)
    assert points == pair.score
    assert run.propositions == 2 and run.non_apparies == []
    assert run.score_total == sum(p.score for p in pairs.values())


def test_hard_rules_hold_on_the_database(programme):
    """Open pairs count against capacity, declined pairs are never proposed again, mentees
    already paired are left alone, mentors out of the programme or inactive are not used."""
    declined = retenu(programme)
    deja = retenu(programme)
    libre = retenu(programme)
    plein = parrain(programme, capacite=1)
    refuse = parrain(programme, capacite=3)
    ParrainageFactory(programme=programme, parrain=plein, filleul=FilleulFactory(), actif=True)
    ParrainageFactory(
        programme=programme,
        parrain=refuse,
        filleul=declined.filleul,
        decline=True,
    )
    ParrainageFactory(programme=programme, filleul=deja.filleul, attente=True)
    ailleurs = parrain(ProgrammeFactory(), capacite=5)
    inactif = parrain(programme, capacite=5)
    inactif.statut = inactif.Statut.PAUSE
    inactif.save()

    run = lancer(programme)

    proposed = list(Parrainage.objects.filter(matching_run=run).values_list("filleul", "parrain"))
    assert proposed == [(libre.filleul_id, refuse.pk)] or proposed == [
        (declined.filleul_id, refuse.pk)
    ]
    assert (declined.filleul_id, refuse.pk) not in proposed
    assert not {p for _, p in proposed} & {plein.pk, ailleurs.pk, inactif.pk}
    assert deja.filleul_id not in {f for f, _ in proposed}
    assert run.filleuls == 2  # the mentee with a pair under way is not even considered
    left = dict(run.non_apparies)
    assert set(left) == {declined.filleul_id}
    assert left[declined.filleul_id] == "les parrains à proximité ont déjà été déclinés"


def test_distance_and_territory_leave_people_unmatched_with_a_reason(programme):
    loin = retenu(programme, coords=LYON)
    parrain(programme, distance=False)

    run = lancer(programme)

    assert run.propositions == 0
    assert run.non_apparies == [[loin.filleul_id, "aucun parrain à moins de 30 km"]]
    assert run.non_apparies_par_raison() == [("aucun parrain à moins de 30 km", 1)]


def test_remote_meetings_lift_the_distance_rule_when_the_mentor_accepts_them(programme):
    proche, loin = retenu(programme), retenu(programme, coords=LYON)
    parrain(programme, capacite=2, distance=True)

    run = lancer(programme)

    raisons = {p.filleul_id: p.raisons for p in run.parrainages.all()}
    assert set(raisons) == {proche.filleul_id, loin.filleul_id}
    assert "rencontres à distance (à 382 km) — 0 point" in raisons[loin.filleul_id]


def test_a_second_run_duplicates_nothing(programme):
    for _ in range(3):
        retenu(programme)
    parrain(programme, capacite=2)
    parrain(programme, capacite=2)

    first = lancer(programme)
    second = lancer(programme)

    assert first.propositions == 3
    assert second.propositions == 0 and second.filleuls == 0
    assert Parrainage.objects.filter(programme=programme).count() == 3


def test_a_simulation_creates_no_proposal(programme):
    retenu(programme)
    parrain(programme)

    run = lancer(programme, simulation=True)

    assert run.propositions == 1 and run.simulation
    assert not Parrainage.objects.exists()


def test_reading_takes_the_same_queries_whatever_the_size(programme, django_assert_num_queries):
    def grow(n):
        for _ in range(n):
            retenu(programme, secteurs=("G", "D"))
            parrain(programme, secteurs=("G", "N"))

    grow(2)
    with CaptureQueriesContext(connection) as small:
        data_small = donnees_charger(programme)
    grow(8)
    with django_assert_num_queries(len(small.captured_queries)):
        data_big = donnees_charger(programme)
    assert len(small.captured_queries) == 5
    assert (len(data_small[0]), len(data_big[0])) == (2, 10)
    assert all(f.secteurs == {"G", "D"} for f in data_big[0])


def test_a_whole_run_takes_queries_by_batch_not_by_pair(programme):
    def grow(n):
        for _ in range(n):
            retenu(programme)
            parrain(programme)

    grow(2)
    # Both runs with the content types' cache cold, as the first run of a process finds it
    # (run alone, the first one read them and the second did not).
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as small:
        lancer(programme)
    grow(12)
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as big:
        run = lancer(programme)
    assert run.propositions == 12
    assert len(big.captured_queries) == len(small.captured_queries)


def test_pairs_formed_during_the_computation_are_respected(programme, monkeypatch):
    a, b = retenu(programme), retenu(programme)
    p1 = parrain(programme, capacite=1)
    p2 = parrain(programme, capacite=1)
    from parrainages.services import matching as service

    real_match = service.match

    def match_then_staff_pairs_by_hand(*args, **kwargs):
        result = real_match(*args, **kwargs)
        # Meanwhile, staff pair mentee ``a`` by hand and fill mentor p2.
        ParrainageFactory(programme=programme, filleul=a.filleul, parrain=p1, attente=True)
        ParrainageFactory(programme=ProgrammeFactory(), parrain=p2, attente=True)
        return result

    monkeypatch.setattr(service, "match", match_then_staff_pairs_by_hand)
    run = lancer(programme)

    assert run.propositions == 0
    assert Parrainage.objects.filter(matching_run=run).count() == 0
    reasons = dict(run.non_apparies)
    assert reasons[a.filleul_id] == APPARIE_ENTRE_TEMPS
    assert reasons[b.filleul_id] in (PLACES_PRISES_ENTRE_TEMPS,)


def test_only_one_live_run_per_programme_and_a_dead_one_is_taken_again(programme):
    retenu(programme)
    parrain(programme)
    run = appariement_lancer(programme=programme, en_tache=False)
    with pytest.raises(AppariementRefuse):
        appariement_lancer(programme=programme, en_tache=False)

    # A worker died mid-run: the run stays "en cours" without news.
    MatchingRun.objects.filter(pk=run.pk).update(statut=MatchingRun.Statut.EN_COURS)
    assert appariement_executer(run_id=run.pk) is None  # still fresh: someone is on it
    MatchingRun.objects.filter(pk=run.pk).update(
        mis_a_jour_le=timezone.now() - dt.timedelta(hours=1)
    )
    relaunched = appariement_lancer(programme=programme, en_tache=False)  # not refused now
    done = appariement_executer(run_id=run.pk)
    assert done.statut == MatchingRun.Statut.TERMINE and done.propositions == 1
    assert appariement_executer(run_id=run.pk) is None  # a redelivered message does nothing
    assert appariement_executer(run_id=relaunched.pk).propositions == 0
    assert Parrainage.objects.count() == 1


def test_the_task_runs_after_the_commit(programme, django_capture_on_commit_callbacks):
    retenu(programme)
    parrain(programme)
    with django_capture_on_commit_callbacks(execute=True):
        run = appariement_lancer(programme=programme)
    run.refresh_from_db()
    assert run.statut == MatchingRun.Statut.TERMINE and run.propositions == 1
    assert executer_appariement(run.pk) is None


def test_a_failed_run_says_why(programme, monkeypatch):
    retenu(programme)
    parrain(programme)
    from parrainages.services import matching as service

    def broken(*args, **kwargs):
        raise RuntimeError("solveur indisponible")

    monkeypatch.setattr(service, "match", broken)
    run = appariement_lancer(programme=programme, en_tache=False)
    with pytest.raises(RuntimeError):
        appariement_executer(run_id=run.pk)
    run.refresh_from_db()
    assert run.statut == MatchingRun.Statut.ECHOUE
    assert run.erreur == "RuntimeError : solveur indisponible"
    assert not Parrainage.objects.exists()


# --- Confirming: the proposals go to the mentors -------------------------------------------


def test_confirming_sends_each_proposal_to_its_mentor_once(
    programme, mailoutbox, django_capture_on_commit_callbacks
):
    retenu(programme)
    retenu(programme)
    parrain(programme, capacite=2)
    run = lancer(programme)
    client_user = gestionnaire()
    from django.test import Client

    client = Client()
    connecter(client, client_user)  # the admin asks for the second factor
    ids = list(run.parrainages.values_list("pk", flat=True))
    changelist = reverse("admin:parrainages_parrainage_changelist")
    for attendu in (1, 0):  # confirming twice sends nothing more
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.post(
                changelist,
                {"action": "confirmer", "_selected_action": ids, "index": "0", "post": "yes"},
            )
        assert response.status_code == 302 and response["Location"] == changelist
        assert len(callbacks) <= 1  # one sending of the outbox, not one per proposal
        sql = [q["sql"].strip().lower().replace('"', "") for q in queries]
        # The mentors' e-mails in one statement, whatever the number of proposals.
        assert sum(q.startswith("insert") and "into mentorat_envoi " in q for q in sql) == attendu
    assert set(run.parrainages.values_list("statut", flat=True)) == {
        Parrainage.Statut.ATTENTE_PARRAIN
    }
    assert Envoi.objects.filter(regle="proposition_nouvelle").count() == 2
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.subject == "[Mentorat] Une nouvelle proposition de parrainage"
    assert programme.nom in message.body
    assert reverse("parrain:proposition", kwargs={"pk": ids[0]}) in "".join(
        m.body for m in mail.outbox
    )


@pytest.mark.apres_commit  # the e-mails leave in the worker, not in the request counted here
def test_confirming_takes_the_same_queries_whatever_the_number_of_proposals(programme):
    """One service call for the whole selection: the statuses, their audit entries and the
    mentors' e-mails are each written in one statement, not one per proposal."""
    from auditlog.models import LogEntry as AuditLogEntry
    from django.contrib.admin.models import LogEntry as HistoriqueAdmin
    from django.contrib.contenttypes.models import ContentType
    from django.test import Client

    client = Client()
    user = connecter(client, gestionnaire())
    changelist = reverse("admin:parrainages_parrainage_changelist")

    def confirmer(n):
        ids = [ParrainageFactory(programme=programme).pk for _ in range(n)]
        ContentType.objects.clear_cache()  # both runs start cold
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                changelist,
                {"action": "confirmer", "_selected_action": ids, "index": "0", "post": "yes"},
            )
        assert response.status_code == 302
        sent = [m.message for m in get_messages(response.wsgi_request)]
        assert sent[-1] == f"{n} propositions envoyées aux parrains."  # the latest one
        assert set(Parrainage.objects.filter(pk__in=ids).values_list("statut", flat=True)) == {
            Parrainage.Statut.ATTENTE_PARRAIN
        }
        entrees = AuditLogEntry.objects.filter(
            object_id__in=ids, action=AuditLogEntry.Action.UPDATE, changes__has_key="statut"
        )
        assert sorted(entrees.values_list("object_id", flat=True)) == ids
        assert {e.actor for e in entrees} == {user}
        assert HistoriqueAdmin.objects.filter(user=user, object_id__in=map(str, ids)).count() == n
        return len(queries)

    assert confirmer(2) == confirmer(6)


def test_confirming_one_proposal_by_hand(programme, mailoutbox, django_capture_on_commit_callbacks):
    pair = ParrainageFactory(programme=programme)
    with django_capture_on_commit_callbacks(execute=True):
        proposition_confirmer(parrainage=pair)
    pair.refresh_from_db()
    assert pair.statut == Parrainage.Statut.ATTENTE_PARRAIN and pair.envoye_le
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [pair.parrain.user.email]


# --- Admin -----------------------------------------------------------------------------------


def test_staff_launch_a_run_from_the_programmes(
    client, programme, django_capture_on_commit_callbacks
):
    retenu(programme)
    parrain(programme)
    connecter(client, gestionnaire())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:programmes_programme_changelist"),
            {"action": "lancer_appariement", "_selected_action": [programme.pk], "index": "0"},
        )
    assert response.status_code == 302
    run = MatchingRun.objects.get()
    # No broker in tests: the task ran in-process after the commit.
    assert run.statut == MatchingRun.Statut.TERMINE and run.lance_par is not None
    [message] = get_messages(response.wsgi_request)
    assert "Appariement de « " in message.message
    assert reverse("admin:parrainages_matchingrun_change", args=[run.pk]) in message.message

    # A second launch while one is alive is refused with a clear message.
    MatchingRun.objects.update(statut=MatchingRun.Statut.EN_COURS)
    response = client.post(
        reverse("admin:programmes_programme_changelist"),
        {"action": "simuler_appariement", "_selected_action": [programme.pk], "index": "0"},
    )
    assert any("est déjà en cours" in m.message for m in get_messages(response.wsgi_request))
    assert MatchingRun.objects.count() == 1


def test_the_run_page_shows_progress_figures_and_the_unmatched(client, programme):
    loin = retenu(programme, coords=LYON)
    retenu(programme)
    parrain(programme, distance=False)
    run = lancer(programme)
    connecter(client, gestionnaire())

    page = client.get(reverse("admin:parrainages_matchingrun_change", args=[run.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<progress value="100" max="100"' in html
    assert "aucun parrain à moins de 30 km : 1" in html
    assert str(loin.filleul) in html
    assert f"?matching_run__id__exact={run.pk}" in html
    assert 'http-equiv="refresh"' not in html

    MatchingRun.objects.filter(pk=run.pk).update(
        statut=MatchingRun.Statut.EN_COURS, progression=42, etape="Affectation optimale"
    )
    html = client.get(reverse("admin:parrainages_matchingrun_change", args=[run.pk])).content
    assert b'http-equiv="refresh"' in html and b"Affectation optimale" in html

    proposals = client.get(
        reverse("admin:parrainages_parrainage_changelist"),
        {"matching_run__id__exact": run.pk},
    )
    assert proposals.context["cl"].result_count == 1


def test_the_proposal_page_shows_its_reasons(client, programme):
    retenu(programme)
    parrain(programme)
    run = lancer(programme)
    pair = run.parrainages.get()
    connecter(client, gestionnaire())
    html = client.get(reverse("admin:parrainages_parrainage_change", args=[pair.pk])).content
    assert "même secteur : Hôtellerie-restauration".encode() in html


# --- The command -----------------------------------------------------------------------------


def test_match_command(programme):
    retenu(programme)
    retenu(programme, coords=LYON)
    parrain(programme, distance=False)
    out = io.StringIO()
    call_command("match", "ville", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Simulation terminée" in text
    assert "Propositions calculées (rien n'est créé) : 1" in text
    assert "aucun parrain à moins de 30 km : 1" in text
    assert not Parrainage.objects.exists()

    call_command("match", "ville", stdout=io.StringIO())
    assert Parrainage.objects.count() == 1


def test_match_command_unknown_programme():
    ProgrammeFactory(slug="existe")
    with pytest.raises(CommandError, match="introuvable. Programmes : existe"):
        call_command("match", "inconnu")


def test_programme_weights_drive_the_score(programme):
    Programme.objects.filter(pk=programme.pk).update(
        poids_secteur=0, poids_distance=0, poids_disponibilites=0, poids_niveau=0, poids_attente=5
    )
    programme.refresh_from_db()
    retenu(programme, jours=200)
    parrain(programme)
    run = lancer(programme)
    pair = run.parrainages.get()
    assert pair.score == 5
    assert pair.raisons == ["attend depuis 200 jours — 5 points"]
    assert run.parametres["poids"]["attente"] == 5


def test_a_broker_down_leaves_the_run_queued_without_failing_the_launch(
    programme, monkeypatch, django_capture_on_commit_callbacks
):
    retenu(programme)
    parrain(programme)

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis injoignable")

    monkeypatch.setattr(executer_appariement, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        run = appariement_lancer(programme=programme)
    run.refresh_from_db()
    assert run.statut == MatchingRun.Statut.EN_ATTENTE and not Parrainage.objects.exists()
    # Once stale, staff may launch it again.
    MatchingRun.objects.update(mis_a_jour_le=timezone.now() - dt.timedelta(hours=1))
    assert appariement_lancer(programme=programme, en_tache=False).pk != run.pk


def test_pairs_left_out_of_the_candidates_are_priced_in_and_a_second_run_adds_nothing(
    programme, monkeypatch
):
    """One candidate per mentee (the nearest mentor, the same for all): the capped list
    alone pairs one mentee; the duals price the farther mentors in, and every mentee is
    paired in the first run."""
    from parrainages.matching import Limits, engine

    monkeypatch.setattr(
        engine, "Limits", lambda: Limits(edge_budget=1, min_candidates=1, max_candidates=1)
    )
    filleuls = [retenu(programme) for _ in range(3)]
    parrain(programme)
    parrain(programme, coords=SCHILTIGHEIM)
    parrain(programme, coords=SCHILTIGHEIM)

    premier = lancer(programme)
    second = lancer(programme)

    assert premier.propositions == 3 and premier.mesures["paires_ajoutees"] > 0
    assert {p.filleul_id for p in Parrainage.objects.filter(matching_run=premier)} == {
        c.filleul_id for c in filleuls
    }
    assert second.propositions == 0
    assert not Parrainage.objects.filter(matching_run=second).exists()


def test_each_proposal_is_journaled_under_its_own_label(programme):
    """The proposals' creation entries, written in bulk with labels read from partial rows of
    the people (``_libelles_charger``), name each pair as the pair itself does: mentors with
    and without a company, a mentee without a name (their e-mail)."""
    from auditlog.models import LogEntry

    from parrainages.models import Filleul

    sans_nom = retenu(programme)
    sans_nom.filleul.user.first_name = sans_nom.filleul.user.last_name = ""
    sans_nom.filleul.user.save()
    retenu(programme)
    for entreprise in ("", "Boulangerie Martin"):
        mentor = parrain(programme)
        mentor.entreprise = entreprise
        mentor.save()
    run = lancer(programme)
    assert run.propositions == 2
    for pair in Parrainage.objects.filter(matching_run=run).select_related(
        "programme", "parrain__user", "filleul__user"
    ):
        entree = LogEntry.objects.get_for_object(pair).get(action=LogEntry.Action.CREATE)
        assert entree.object_repr == str(pair)
    assert Filleul.objects.filter(user__first_name="").exists()
