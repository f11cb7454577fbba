"""Staff confirm the matching's proposals from a list that shows why each pair was proposed,
after a confirmation page; a run's page speaks French."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import reverse

from mentorat.models import Envoi
from parrainages.admin import COLONNES_PROPOSITIONS
from parrainages.models import Parrainage
from programmes.models import Affectation, Structure
from tests.mentorat.factories import connecter, gestionnaire, structure_de_la_ville
from tests.parrainages.factories import MatchingRunFactory, ParrainageFactory, ParrainFactory
from tests.parrainages.helpers import (
    LYON,
    commune,
    lancer,
    parrain,
    programme_de_ville,
    retenu,
)
from tests.programmes.factories import ProgrammeFactory, StructureFactory, affecter

pytestmark = pytest.mark.django_db

S = Parrainage.Statut
LISTE = reverse("admin:parrainages_parrainage_changelist")
PROPOSITIONS = f"{LISTE}?statut__exact=proposition"
BREVES = {
    "secteur": "secteur ✓",
    "distance": "4 km",
    "disponibilites": "disponibilités 2/3",
    "niveau": "expérience ✓",
    "attente": "attente 12 j",
}
# The proposals' list for a Gestionnaire, whatever its number of rows: the session, the
# account, its permissions (2), its perimeter, the filters' programmes and runs (2), the
# count, the page's rows, the open pairs of the page's mentors, the date bar's bounds (1)
# and its days, and the savepoint of the request's transaction (2).
QUERIES_LISTE = 12
# The confirmation page: the list Django builds before any action (as above, without the
# date bar: 12), the action's filters' choices again (2), then the selection's ids, the
# proposals' count and the listed proposals.
QUERIES_CONFIRMATION = 15


@pytest.fixture(autouse=True)
def _cold_content_type_cache():
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def programme():
    return programme_de_ville()


def proposition(programme, **kwargs):
    kwargs.setdefault("raisons_breves", BREVES)
    kwargs.setdefault("distance_km", 4.2)
    kwargs.setdefault("score", 80)
    return ParrainageFactory(programme=programme, **kwargs)


def confirmer(client, pairs, url=PROPOSITIONS, **extra):
    return client.post(
        url,
        {"action": "confirmer", "_selected_action": [p.pk for p in pairs], "index": "0", **extra},
    )


def statuts(pairs):
    return {p.pk: Parrainage.objects.get(pk=p.pk).statut for p in pairs}


# --- The list -----------------------------------------------------------------------------


def test_the_proposals_list_shows_six_french_columns(client, programme):
    pair = proposition(programme)
    connecter(client, gestionnaire())

    page = client.get(PROPOSITIONS)

    assert page.status_code == 200
    assert list(page.context["cl"].list_display) == [
        "action_checkbox",
        "filleul_nom",
        "parrain_nom",
        "score_points",
        "raisons_en_bref",
        "distance",
        "places_du_parrain",
    ]
    html = page.content.decode()
    for entete in ("Filleul", "Parrain", "Score", "Pourquoi", "Distance", "Places du parrain"):
        assert f">{entete}</" in html, entete
    for absente in ("programme", "statut", "forme", "propose_le", "date_debut"):
        assert f"column-{absente}" not in html
    # The distance has its own column: the reasons leave it out.
    assert "secteur ✓, disponibilités 2/3, expérience ✓, attente 12 j" in html
    assert ">4 km<" in html
    assert str(pair.filleul) in html and str(pair.parrain) in html
    # The other lists keep their columns.
    assert "programme" in client.get(LISTE).context["cl"].list_display


def test_the_columns_fit_a_1366_pixel_screen():
    # Six columns besides the checkbox: their width on a laptop is measured in a browser
    # (tests/e2e/test_propositions_admin.py); a seventh column is a decision to take again.
    assert len(COLONNES_PROPOSITIONS) == 6


def test_remaining_places_count_the_mentors_other_open_pairs(client, programme):
    autre = ProgrammeFactory()
    deux = ParrainFactory(capacite=2)
    ParrainageFactory(programme=autre, parrain=deux, actif=True)  # another programme counts
    ParrainageFactory(programme=programme, parrain=deux, termine=True)  # an ended one does not
    plein = ParrainFactory(capacite=1)
    ParrainageFactory(programme=autre, parrain=plein, actif=True)
    deborde = ParrainFactory(capacite=1)
    ParrainageFactory(programme=autre, parrain=deborde, actif=True)
    ParrainageFactory(programme=autre, parrain=deborde, attente=True)
    lignes = {
        proposition(programme, parrain=deux).pk: "1",
        proposition(programme, parrain=plein).pk: "aucune",
        proposition(programme, parrain=deborde).pk: "aucune (capacité dépassée)",
    }
    connecter(client, gestionnaire())

    cl = client.get(PROPOSITIONS).context["cl"]

    vus = {p.pk: cl.model_admin.places_du_parrain(p) for p in cl.result_list}
    assert vus == lignes


def test_the_distance_of_a_pair_typed_in_by_hand_is_its_communes(client, programme):
    pair = ParrainageFactory(programme=programme, filleul__commune=commune(LYON), score=None)
    connecter(client, gestionnaire())

    cl = client.get(PROPOSITIONS).context["cl"]

    [ligne] = cl.result_list
    assert ligne.pk == pair.pk
    # The factory's communes are in Paris: Paris–Lyon as the crow flies.
    assert cl.model_admin.distance(ligne) == "391 km"
    assert cl.model_admin.score_points(ligne) == "—"
    ligne.score = 87.5
    assert cl.model_admin.score_points(ligne) == "87,5"
    assert cl.model_admin.raisons_en_bref(ligne) == "—"


def test_the_proposals_list_takes_the_same_queries_whatever_its_rows(
    client, programme, django_assert_num_queries
):
    connecter(client, gestionnaire())
    for _ in range(3):
        proposition(programme)
    cache.clear()  # the date bar's bounds are kept a while: both pages read them
    with django_assert_num_queries(QUERIES_LISTE):
        assert client.get(PROPOSITIONS).status_code == 200
    for _ in range(25):
        proposition(programme)
    cache.clear()
    with django_assert_num_queries(QUERIES_LISTE):
        page = client.get(PROPOSITIONS)
    assert len(page.context["cl"].result_list) == 28


# --- Confirming -----------------------------------------------------------------------------


def test_confirming_asks_first_with_the_count_then_sends(client, programme):
    pairs = [proposition(programme) for _ in range(3)]
    deja = ParrainageFactory(programme=programme, actif=True)
    connecter(client, gestionnaire())

    # From the whole list (the proposals' one holds no other row).
    page = confirmer(client, [*pairs, deja], url=LISTE)

    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Confirmer 3 propositions ?</h1>" in html
    assert "Une autre ligne sélectionnée n'est pas une proposition" in html
    for pair in pairs:
        assert str(pair.filleul) in html
    for pk in (*[p.pk for p in pairs], deja.pk):
        assert f'name="_selected_action" value="{pk}"' in html
    assert 'name="post" value="yes"' in html
    assert statuts(pairs) == dict.fromkeys(statuts(pairs), S.PROPOSITION)
    assert not Envoi.objects.exists()

    reponse = confirmer(client, [*pairs, deja], url=LISTE, post="yes")

    assert reponse.status_code == 302
    assert statuts(pairs) == dict.fromkeys(statuts(pairs), S.ATTENTE_PARRAIN)
    assert Parrainage.objects.get(pk=deja.pk).statut == S.ACTIF
    assert Envoi.objects.filter(regle="proposition_nouvelle").count() == 3


def test_one_proposal_is_asked_in_the_singular(client, programme):
    pair = proposition(programme)
    connecter(client, gestionnaire())
    html = confirmer(client, [pair]).content.decode()
    assert "<h1>Confirmer 1 proposition ?</h1>" in html


def test_cancelling_changes_nothing(client, programme):
    pairs = [proposition(programme) for _ in range(2)]
    connecter(client, gestionnaire())

    page = confirmer(client, pairs)
    html = page.content.decode()

    annuler = f'<a href="{PROPOSITIONS}" class="button cancel-link">Non, annuler</a>'
    assert annuler in html
    assert client.get(PROPOSITIONS).status_code == 200
    assert statuts(pairs) == dict.fromkeys(statuts(pairs), S.PROPOSITION)
    assert not Envoi.objects.exists()


def test_all_the_list_is_asked_by_its_filters_and_confirmed_if_unchanged(client, programme):
    pairs = [proposition(programme) for _ in range(3)]
    connecter(client, gestionnaire())
    tout = {"select_across": "1"}

    html = confirmer(client, pairs[:1], **tout).content.decode()

    assert "<h1>Confirmer 3 propositions ?</h1>" in html
    assert 'name="select_across" value="1"' in html and 'name="annoncees" value="3"' in html
    # Not the ids of the whole list (thousands would not fit a request): those shown.
    assert html.count('name="_selected_action"') == 3
    empreinte = re.search(r'name="empreinte" value="([0-9a-f]+)"', html).group(1)
    # Meanwhile a colleague set one aside and a run wrote another: still three, not the same.
    Parrainage.objects.filter(pk=pairs[2].pk).update(statut=S.ANNULE)
    nouvelle = proposition(programme)

    page = confirmer(client, pairs[:1], post="yes", annoncees="3", empreinte=empreinte, **tout)

    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Confirmer 3 propositions ?</h1>" in html
    restent = [pairs[0], pairs[1], nouvelle]
    assert statuts(restent) == dict.fromkeys(statuts(restent), S.PROPOSITION)
    empreinte = re.search(r'name="empreinte" value="([0-9a-f]+)"', html).group(1)

    reponse = confirmer(client, pairs[:1], post="yes", annoncees="3", empreinte=empreinte, **tout)

    assert reponse.status_code == 302
    assert set(statuts(restent).values()) == {S.ATTENTE_PARRAIN}
    assert statuts([pairs[2]]) == {pairs[2].pk: S.ANNULE}


def test_a_selection_without_proposals_asks_nothing(client, programme):
    actif = ParrainageFactory(programme=programme, actif=True)
    connecter(client, gestionnaire())
    reponse = confirmer(client, [actif], url=LISTE)
    assert reponse.status_code == 302
    assert Parrainage.objects.get(pk=actif.pk).statut == S.ACTIF


def test_the_confirmation_page_takes_the_same_queries_whatever_the_selection(
    client, programme, django_assert_num_queries
):
    connecter(client, gestionnaire())
    for n in (2, 12):
        pairs = [proposition(programme) for _ in range(n)]
        ContentType.objects.clear_cache()
        cache.clear()
        with django_assert_num_queries(QUERIES_CONFIRMATION):
            page = confirmer(client, pairs)
        assert f"Confirmer {n} propositions ?" in page.content.decode()


def test_confirming_stays_in_the_staff_members_perimeter(client, programme):
    ailleurs = StructureFactory(nom="Mission locale de Lyon", type=Structure.Type.MISSION_LOCALE)
    autre = ProgrammeFactory(slug="lyon", structure=ailleurs)
    sienne, pas_sienne = proposition(programme), proposition(autre)
    connecter(client, gestionnaire())

    assert [p.pk for p in client.get(PROPOSITIONS).context["cl"].result_list] == [sienne.pk]
    html = confirmer(client, [sienne, pas_sienne]).content.decode()
    assert "Confirmer 1 proposition ?" in html
    assert str(pas_sienne.filleul) not in html
    assert f'value="{pas_sienne.pk}"' not in html

    confirmer(client, [sienne, pas_sienne], post="yes")

    assert statuts([sienne, pas_sienne]) == {
        sienne.pk: S.ATTENTE_PARRAIN,
        pas_sienne.pk: S.PROPOSITION,
    }


@pytest.mark.parametrize("post", [None, "yes"])
def test_a_read_only_member_neither_sees_the_question_nor_confirms(client, programme, post):
    lecteur = gestionnaire(structure=False)
    affecter(lecteur, structure_de_la_ville(), Affectation.Role.LECTURE)
    pair = proposition(programme)
    connecter(client, lecteur)
    liste = client.get(PROPOSITIONS)
    assert liste.context["cl"].result_count == 1
    assert liste.context["action_form"] is None  # no action offered to a reader

    reponse = confirmer(client, [pair], **({"post": post} if post else {}))

    assert "Confirmer 1 proposition ?" not in reponse.content.decode()
    assert Parrainage.objects.get(pk=pair.pk).statut == S.PROPOSITION
    assert not Envoi.objects.exists()


# --- The matching writes the short reasons --------------------------------------------------


def test_a_run_keeps_each_proposals_reasons_in_short_words_and_its_distance(programme):
    retenu(programme, secteurs=("G",), dispo=("mar_soir", "jeu_soir"), jours=12)
    mentor = parrain(programme, secteurs=("G",), dispo=("mar_soir", "jeu_soir", "sam_matin"))
    mentor.annees_experience = 20
    mentor.save(update_fields=["annees_experience"])

    run = lancer(programme)

    pair = run.parrainages.get()
    assert pair.raisons_breves == {
        "secteur": "secteur ✓",
        "distance": "même commune",
        "disponibilites": "disponibilités 2/3",
        "niveau": "expérience ✓",
        "attente": "attente 12 j",
    }
    assert pair.distance_km == 0.0


# --- The run's page ---------------------------------------------------------------------------


def test_the_run_page_speaks_french(client, programme):
    loin = retenu(programme, coords=LYON)
    retenu(programme)
    parrain(programme, distance=False)
    run = lancer(programme)
    connecter(client, gestionnaire())

    page = client.get(reverse("admin:parrainages_matchingrun_change", args=[run.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    for brut in ("budget_paires", "lecture_s", "ecriture_s", "paires_candidates", '{"', "poids"):
        assert brut not in html, brut
    assert "Affichage de" not in html
    assert f"<h1>Appariement n° {run.pk}</h1>" in html
    assert "<dt>Poids du secteur</dt><dd>35 points</dd>" in html
    assert "<dt>Distance maximale</dt><dd>30 km</dd>" in html
    assert "<dt>Paires candidates examinées au plus</dt><dd>300\xa0000</dd>" in html
    assert "<dt>Lecture des données</dt><dd>" in html
    # The unmatched: how many, why, what to do, and who.
    assert "1 filleul sur 2 est resté sans parrain proposé, parce que :" in html
    assert "aucun parrain à moins de 30 km : 1 — que faire : élargir la distance maximale" in html
    assert str(loin.filleul) in html
    assert f"matching_run__id__exact={run.pk}&amp;statut__exact=proposition" in html


def test_the_run_page_reads_its_timings_with_a_decimal_comma(client, programme):
    run = MatchingRunFactory(
        programme=programme,
        mesures={"lecture_s": 1.234, "ecriture_s": 0.06, "paires_candidates": 12345},
        parametres={"poids": {"secteur": 35}, "formes": ["regulier"], "distance_max_km": None},
        non_apparies=[],
    )
    connecter(client, gestionnaire())
    html = client.get(reverse("admin:parrainages_matchingrun_change", args=[run.pk])).content
    html = html.decode()
    assert "<dt>Lecture des données</dt><dd>1,2 s</dd>" in html
    assert "<dt>Enregistrement des propositions</dt><dd>0,1 s</dd>" in html
    assert "<dt>Paires candidates examinées</dt><dd>12\xa0345</dd>" in html
    assert "<dt>Formes de parrainage</dt><dd>parrainage régulier</dd>" in html
    assert "<dt>Distance maximale</dt><dd>aucune</dd>" in html
    assert "Chaque filleul à apparier a reçu une proposition." in html
