"""A national programme with regional teams: each regional coordinator matches only their
region's mentees and mentors, the national team the whole programme; the figures roll up
region by region to the national total."""

import pytest
from django.urls import reverse

from mentorat.perimetre import perimetre_de
from mentorat.territoires import DEPARTEMENTS_DE_REGION
from parrainages.models import Candidature, MatchingRun, Parrainage
from parrainages.selectors import HORS_REGION, chiffres_par_region
from parrainages.services.matching import AppariementRefuse, appariement_lancer
from programmes.models import Structure
from tests.mentorat.factories import UserFactory, administrateur, connecter
from tests.parrainages.factories import (
    CandidatureFactory,
    FilleulFactory,
    ParrainageFactory,
    SortieFactory,
)
from tests.parrainages.helpers import LYON, STRASBOURG, commune, lancer, parrain, retenu
from tests.programmes.factories import CommuneFactory, ProgrammeFactory, StructureFactory

pytestmark = pytest.mark.django_db

GRAND_EST, AURA = "44", "84"


@pytest.fixture
def reseau():
    """NQT, national: its national team and two regional teams (Grand Est, Auvergne-Rhône-Alpes),
    each with a coordinator."""
    nationale = StructureFactory(nom="NQT — équipe nationale", type=Structure.Type.NATIONALE)
    nqt = ProgrammeFactory(
        slug="nqt", distance_max_km=30, departements=[], offre_reguliere=True, structure=nationale
    )
    equipes = {}
    for region in (GRAND_EST, AURA):
        equipes[region] = StructureFactory(
            nom=f"NQT — région {region}",
            type=Structure.Type.REGIONALE,
            parent=nationale,
            region=region,
            programmes=[nqt],
        )
    return {
        "programme": nqt,
        "nationale": nationale,
        "equipes": equipes,
        "national": UserFactory(is_staff=True, structure=nationale),
        GRAND_EST: UserFactory(is_staff=True, structure=equipes[GRAND_EST]),
        AURA: UserFactory(is_staff=True, structure=equipes[AURA]),
    }


def _lancer_depuis_l_admin(client, user, programme, django_capture_on_commit_callbacks):
    connecter(client, user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:programmes_programme_changelist"),
            {"action": "lancer_appariement", "_selected_action": [programme.pk], "index": "0"},
        )
    assert response.status_code == 302
    return MatchingRun.objects.filter(lance_par=user).get()


def _instantane(parrainages):
    return {
        p.pk: (p.statut, p.filleul_id, p.parrain_id, p.score, p.matching_run_id)
        for p in parrainages
    }


def test_a_regional_coordinators_run_touches_only_their_region(
    client, reseau, django_capture_on_commit_callbacks
):
    nqt = reseau["programme"]
    # Grand Est: two mentees, one mentor. AURA: two mentees, three mentors who meet remotely,
    # so that a run reading AURA's mentors would pair Grand Est's second mentee with one.
    est = [retenu(nqt, coords=STRASBOURG) for _ in range(2)]
    mentor_est = parrain(nqt, coords=STRASBOURG)
    aura = [retenu(nqt, coords=LYON) for _ in range(2)]
    mentors_aura = [parrain(nqt, coords=LYON, distance=True, capacite=2) for _ in range(3)]
    # AURA's coordinator ran first: their proposals are there, and one mentee is left over.
    run_aura = lancer(
        nqt,
        territoire=(frozenset(DEPARTEMENTS_DE_REGION[AURA]), frozenset()),
        structure_id=reseau["equipes"][AURA].pk,
    )
    avant = _instantane(Parrainage.objects.filter(matching_run=run_aura))
    assert len(avant) == 2
    assert {c.filleul_id for c in aura} == {f for _s, f, *_ in avant.values()}

    run = _lancer_depuis_l_admin(client, reseau[GRAND_EST], nqt, django_capture_on_commit_callbacks)

    assert run.statut == MatchingRun.Statut.TERMINE
    assert run.structure == reseau["equipes"][GRAND_EST]
    assert set(run.departements) == set(DEPARTEMENTS_DE_REGION[GRAND_EST]) and not run.national
    assert run.filleuls == 2 and run.parrains == 1
    nouvelles = list(Parrainage.objects.filter(matching_run=run).select_related("parrain"))
    assert [(p.filleul_id, p.parrain_id) for p in nouvelles] in (
        [(est[0].filleul_id, mentor_est.pk)],
        [(est[1].filleul_id, mentor_est.pk)],
    )
    assert not {p.parrain_id for p in nouvelles} & {m.pk for m in mentors_aura}
    # The region's unmatched mentee is reported; no AURA mentee is read nor reported.
    assert {f for f, _raison in run.non_apparies} <= {c.filleul_id for c in est}
    assert len(run.non_apparies) == 1
    # AURA's proposals are untouched.
    assert _instantane(Parrainage.objects.filter(matching_run=run_aura)) == avant
    assert Parrainage.objects.count() == 3


def test_the_national_teams_run_covers_the_whole_programme(
    client, reseau, django_capture_on_commit_callbacks
):
    nqt = reseau["programme"]
    est = [retenu(nqt, coords=STRASBOURG) for _ in range(2)]
    parrain(nqt, coords=STRASBOURG)
    mentor_aura = parrain(nqt, coords=LYON, distance=True)

    run = _lancer_depuis_l_admin(
        client, reseau["national"], nqt, django_capture_on_commit_callbacks
    )

    assert run.national and run.departements == [] and run.communes == []
    assert run.filleuls == 2 and run.parrains == 2
    # The second Strasbourg mentee meets AURA's mentor remotely: a national pairing.
    assert {p.filleul_id for p in Parrainage.objects.filter(matching_run=run)} == {
        c.filleul_id for c in est
    }
    assert Parrainage.objects.filter(matching_run=run, parrain=mentor_aura).exists()


def test_two_regions_run_side_by_side_a_national_run_waits_for_both(reseau):
    nqt = reseau["programme"]
    est = (frozenset(DEPARTEMENTS_DE_REGION[GRAND_EST]), frozenset())
    aura = (frozenset(DEPARTEMENTS_DE_REGION[AURA]), frozenset())
    appariement_lancer(programme=nqt, en_tache=False, territoire=est)
    appariement_lancer(programme=nqt, en_tache=False, territoire=aura)
    with pytest.raises(AppariementRefuse):
        appariement_lancer(programme=nqt, en_tache=False)
    with pytest.raises(AppariementRefuse):  # the same region twice
        appariement_lancer(programme=nqt, en_tache=False, territoire=est)
    # A Mission locale's commune of the Bas-Rhin overlaps the Grand Est.
    with pytest.raises(AppariementRefuse):
        appariement_lancer(programme=nqt, en_tache=False, territoire=(frozenset(), {"67482"}))
    with pytest.raises(AppariementRefuse, match="aucun territoire"):
        appariement_lancer(programme=nqt, en_tache=False, territoire=(frozenset(), frozenset()))
    assert MatchingRun.objects.count() == 2


def test_a_regional_team_sees_its_own_runs_only(client, reseau):
    nqt = reseau["programme"]
    est = lancer(
        nqt,
        territoire=(frozenset(DEPARTEMENTS_DE_REGION[GRAND_EST]), frozenset()),
        structure_id=reseau["equipes"][GRAND_EST].pk,
    )
    aura = lancer(
        nqt,
        territoire=(frozenset(DEPARTEMENTS_DE_REGION[AURA]), frozenset()),
        structure_id=reseau["equipes"][AURA].pk,
    )
    national = lancer(nqt)

    connecter(client, reseau[GRAND_EST])
    liste = client.get(reverse("admin:parrainages_matchingrun_changelist"))
    assert [r.pk for r in liste.context["cl"].result_list] == [est.pk]
    for autre in (aura, national):
        page = client.get(reverse("admin:parrainages_matchingrun_change", args=[autre.pk]))
        assert page.status_code == 404
    page = client.get(reverse("admin:parrainages_matchingrun_change", args=[est.pk]))
    assert page.status_code == 200 and "NQT — région 44" in page.content.decode()

    connecter(client, reseau["national"])
    liste = client.get(reverse("admin:parrainages_matchingrun_changelist"))
    assert {r.pk for r in liste.context["cl"].result_list} == {est.pk, aura.pk, national.pk}


def test_changing_a_run_takes_the_coordinator_role_over_its_whole_territory(client, reseau):
    """A regional coordinator who also reads the national team's work sees the national
    runs, and may relaunch or delete only their own region's."""
    from programmes.models import Affectation
    from tests.programmes.factories import affecter

    nqt = reseau["programme"]
    user = reseau[GRAND_EST]
    affecter(user, reseau["nationale"], Affectation.Role.LECTURE)
    est = lancer(
        nqt,
        territoire=(frozenset(DEPARTEMENTS_DE_REGION[GRAND_EST]), frozenset()),
        structure_id=reseau["equipes"][GRAND_EST].pk,
    )
    national = lancer(nqt)
    MatchingRun.objects.filter(pk__in=[est.pk, national.pk]).update(
        statut=MatchingRun.Statut.ECHOUE
    )

    connecter(client, user)
    liste = client.get(reverse("admin:parrainages_matchingrun_changelist"))
    assert {r.pk for r in liste.context["cl"].result_list} == {est.pk, national.pk}
    suppression = "admin:parrainages_matchingrun_delete"
    assert client.get(reverse(suppression, args=[national.pk])).status_code == 403
    assert client.get(reverse(suppression, args=[est.pk])).status_code == 200

    reponse = client.post(
        reverse("admin:parrainages_matchingrun_changelist"),
        {"action": "relancer", "_selected_action": [est.pk, national.pk], "index": "0"},
    )
    assert reponse.status_code == 302
    # Only the region's run is computed again, for the same territory and team.
    nouveaux = MatchingRun.objects.exclude(pk__in=[est.pk, national.pk])
    assert [(r.structure_id, r.national) for r in nouveaux] == [
        (reseau["equipes"][GRAND_EST].pk, False)
    ]

    # The same people, deleting from the list: the national run stays.
    client.post(
        reverse("admin:parrainages_matchingrun_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [est.pk, national.pk],
            "index": "0",
            "post": "yes",
        },
    )
    assert MatchingRun.objects.filter(pk=national.pk).exists()
    assert not MatchingRun.objects.filter(pk=est.pk).exists()


def test_a_run_wider_than_the_coordinators_territory_is_not_theirs_to_change(client, reseau):
    """A run launched by someone coordinating two regions, recorded under one region's team,
    covers both: a coordinator of that one region reads it, and may not delete or relaunch it."""
    from programmes.models import Affectation
    from tests.programmes.factories import affecter

    nqt = reseau["programme"]
    equipe_est = reseau["equipes"][GRAND_EST]
    deux = frozenset(DEPARTEMENTS_DE_REGION[GRAND_EST]) | frozenset(DEPARTEMENTS_DE_REGION[AURA])
    large = lancer(nqt, territoire=(deux, frozenset()), structure_id=equipe_est.pk)
    sien = lancer(
        nqt,
        territoire=(frozenset(DEPARTEMENTS_DE_REGION[GRAND_EST]), frozenset()),
        structure_id=equipe_est.pk,
    )
    MatchingRun.objects.filter(pk__in=[large.pk, sien.pk]).update(statut=MatchingRun.Statut.ECHOUE)
    seul_est = UserFactory(is_staff=True, structure=False)
    affecter(seul_est, equipe_est, Affectation.Role.COORDINATEUR)

    connecter(client, seul_est)
    liste = client.get(reverse("admin:parrainages_matchingrun_changelist"))
    assert {r.pk for r in liste.context["cl"].result_list} == {large.pk, sien.pk}
    suppression = "admin:parrainages_matchingrun_delete"
    assert client.get(reverse(suppression, args=[large.pk])).status_code == 403
    assert client.get(reverse(suppression, args=[sien.pk])).status_code == 200


# --- Figures, region by region ---------------------------------------------------------------


def _peupler(nqt):
    """Grand Est: 3 applications (2 retained), 1 active pair with a positive outcome; AURA: 2
    applications (1 retained), 2 active pairs; Saint-Pierre-et-Miquelon (no region): 1
    application. And a programme of another structure, which counts nowhere."""
    for statut in ("retenue", "retenue", "deposee"):
        CandidatureFactory(
            programme=nqt, filleul=FilleulFactory(commune=commune(STRASBOURG)), statut=statut
        )
    for statut in ("retenue", "refusee"):
        CandidatureFactory(
            programme=nqt, filleul=FilleulFactory(commune=commune(LYON)), statut=statut
        )
    spm = CommuneFactory(code_insee="97502", departement="975")
    CandidatureFactory(programme=nqt, filleul=FilleulFactory(commune=spm))
    est = ParrainageFactory(
        programme=nqt, actif=True, filleul=FilleulFactory(commune=commune(STRASBOURG))
    )
    SortieFactory(parrainage=est)
    for _ in range(2):
        ParrainageFactory(programme=nqt, actif=True, filleul=FilleulFactory(commune=commune(LYON)))
    autre = ProgrammeFactory(slug="autre")
    CandidatureFactory(programme=autre, filleul=FilleulFactory(commune=commune(LYON)))
    ParrainageFactory(programme=autre, actif=True, filleul=FilleulFactory(commune=commune(LYON)))


def test_the_national_total_is_the_sum_of_the_regions(reseau, django_assert_num_queries):
    nqt = reseau["programme"]
    _peupler(nqt)
    perimetre = perimetre_de(reseau["national"])

    with django_assert_num_queries(3):
        chiffres = chiffres_par_region(nqt, perimetre)

    lignes = {ligne["code"]: ligne for ligne in chiffres["lignes"]}
    assert list(lignes) == [AURA, GRAND_EST, HORS_REGION]  # by name, « hors région » last
    assert {k: lignes[GRAND_EST][k] for k in chiffres["total"]} == {
        "candidatures": 3,
        "retenues": 2,
        "binomes_actifs": 1,
        "sorties_positives": 1,
    }
    assert {k: lignes[AURA][k] for k in chiffres["total"]} == {
        "candidatures": 2,
        "retenues": 1,
        "binomes_actifs": 2,
        "sorties_positives": 0,
    }
    assert lignes[HORS_REGION]["candidatures"] == 1
    for colonne, total in chiffres["total"].items():
        assert total == sum(ligne[colonne] for ligne in lignes.values())
    # And the total is the programme's, counted straight in the database.
    assert chiffres["total"]["candidatures"] == Candidature.objects.filter(programme=nqt).count()
    assert (
        chiffres["total"]["retenues"]
        == Candidature.objects.filter(programme=nqt, statut="retenue").count()
    )
    assert (
        chiffres["total"]["binomes_actifs"]
        == Parrainage.objects.filter(programme=nqt, statut="actif").count()
    )
    # The Administrateur reads the same figures.
    assert chiffres_par_region(nqt, perimetre_de(administrateur())) == chiffres


def test_a_regional_team_reads_its_own_line_only(client, reseau):
    nqt = reseau["programme"]
    _peupler(nqt)
    connecter(client, reseau[GRAND_EST])

    page = client.get(reverse("admin:programmes_programme_regions", args=[nqt.pk]))

    assert page.status_code == 200
    assert [ligne["code"] for ligne in page.context["lignes"]] == [GRAND_EST]
    assert page.context["lignes"][0]["candidatures"] == 3
    assert page.context["total"] is None
    html = page.content.decode()
    assert "Grand Est" in html and "Auvergne" not in html and "Total national" not in html

    # A regional team with nothing yet still reads its (empty) line.
    Candidature.objects.all().delete()
    Parrainage.objects.all().delete()
    page = client.get(reverse("admin:programmes_programme_regions", args=[nqt.pk]))
    assert [(ligne["code"], ligne["candidatures"]) for ligne in page.context["lignes"]] == [
        (GRAND_EST, 0)
    ]


def test_the_national_page_shows_every_region_and_the_total(client, reseau):
    nqt = reseau["programme"]
    _peupler(nqt)
    connecter(client, reseau["national"])

    page = client.get(reverse("admin:programmes_programme_regions", args=[nqt.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Total national" in html and "Grand Est" in html and "Auvergne-Rhône-Alpes" in html
    assert page.context["total"]["candidatures"] == 6
    change = client.get(reverse("admin:programmes_programme_change", args=[nqt.pk]))
    assert reverse("admin:programmes_programme_regions", args=[nqt.pk]) in change.content.decode()


def test_another_programmes_figures_answer_404(client, reseau):
    autre = ProgrammeFactory(slug="autre")
    connecter(client, reseau[GRAND_EST])
    for object_id in (autre.pk, 999999, "x"):
        page = client.get(reverse("admin:programmes_programme_regions", args=[object_id]))
        assert page.status_code == 404


def test_a_pair_is_in_a_region_when_its_mentee_or_its_mentor_lives_there(reseau):
    """The territory of a row reached by two places (a pair's mentee and mentor, whose
    communes the pair holds: ``lieu_filleul``, ``lieu_parrain``) tested on each key against
    the region's communes (``mentorat/perimetre.py``): the same pairs as the people's own
    communes say, a pair whose mentor has no commune included when its mentee lives in the
    region, and a person who moves takes their pairs along."""
    from django.db.models import Q

    from parrainages.admin import ParrainageAdmin
    from parrainages.models import Parrain
    from tests.parrainages.factories import ParrainFactory

    nqt = reseau["programme"]
    dedans, dehors = commune(STRASBOURG), commune(LYON)
    cas = {}
    for nom, lieu_filleul, lieu_parrain in [
        ("filleul", dedans, dehors),
        ("parrain", dehors, dedans),
        ("les deux", dedans, dedans),
        ("aucun", dehors, dehors),
        ("parrain sans commune", dedans, None),
        ("filleul hors région, parrain sans commune", dehors, None),
    ]:
        cas[nom] = ParrainageFactory(
            programme=nqt,
            filleul=FilleulFactory(commune=lieu_filleul),
            parrain=ParrainFactory(commune=lieu_parrain),
        )
    perimetre = perimetre_de(reseau[GRAND_EST])
    vus = perimetre.filtrer(Parrainage.objects.all(), ParrainageAdmin.portee)
    # The rule said through the people themselves.
    region = DEPARTEMENTS_DE_REGION[GRAND_EST]
    regle = Q(filleul__commune__departement__in=region) | Q(
        parrain__commune__departement__in=region
    )
    assert set(vus) == set(Parrainage.objects.filter(regle))
    assert set(vus) == {
        cas["filleul"],
        cas["parrain"],
        cas["les deux"],
        cas["parrain sans commune"],
    }
    assert vus.count() == 4
    # Excluded the other way round: the same split, no row lost to a NULL.
    autres = Parrainage.objects.exclude(pk__in=vus.values("pk"))
    assert set(autres) == {cas["aucun"], cas["filleul hors région, parrain sans commune"]}
    sql = str(vus.query)
    assert "parrainages_filleul" not in sql and "parrainages_parrain" + '"' not in sql
    assert "JOIN" not in sql.split(" WHERE ")[0]  # nothing joined to the pairs
    # A mentee who moves into the region, a mentor who moves out of it, by a save and by a
    # queryset update: their pairs follow.
    aucun = cas["aucun"]
    aucun.filleul.commune = dedans
    aucun.filleul.save()
    Parrain.objects.filter(pk=cas["parrain"].parrain_id).update(commune=dehors)
    assert (
        set(perimetre.filtrer(Parrainage.objects.all(), ParrainageAdmin.portee))
        == set(Parrainage.objects.filter(regle))
        == {cas["filleul"], cas["les deux"], cas["parrain sans commune"], aucun}
    )
