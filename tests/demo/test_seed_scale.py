import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from demo.scale import PROGRAMME_SLUG, SUFFIXE_EMAIL, format_duration
from mentorat.models import User
from mentorat.territoires import DEPARTEMENT_NOMS
from parrainages.models import Candidature, Filleul, Parrain, Parrainage, Rencontre, Sortie
from programmes.models import Commune, Programme
from tests.mentorat.factories import UserFactory
from tests.parrainages.factories import (
    CharteFactory,
    FilleulFactory,
    ParrainageFactory,
    RencontreFactory,
)

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_scale", *map(str, args), stdout=out)
    return out.getvalue()


def synthetic_users():
    return User.objects.filter(email__endswith=SUFFIXE_EMAIL)


def fingerprint():
    """Everything a seed decides, keyed by e-mail (stable across runs of the same batch)."""
    pairs = sorted(
        Parrainage.objects.values_list(
            "filleul__user__email", "parrain__user__email", "statut", "forme", "date_debut"
        )
    )
    meetings = sorted(
        Rencontre.objects.values_list("parrainage__filleul__user__email", "debut", "statut")
    )
    mentors = sorted(Parrain.objects.values_list("user__email", "capacite", "commune__code_insee"))
    return pairs, meetings, mentors


def test_small_run_creates_exactly_what_was_asked():
    output = seed("--mentees", 60, "--mentors", 20, "--pairs", 40, "--meetings", 250)

    programme = Programme.objects.get(slug=PROGRAMME_SLUG)
    assert programme.statut == Programme.Statut.OUVERT
    assert programme.formes == ["regulier", "ponctuel", "immersion"]
    assert programme.departements == []
    assert Filleul.objects.count() == 60
    assert Parrain.objects.count() == 20
    assert Parrainage.objects.filter(programme=programme).count() == 40
    assert Rencontre.objects.count() == 250
    assert Candidature.objects.filter(programme=programme).count() == 60
    assert synthetic_users().count() == 80
    assert "60 filleuls, 20 parrains, 40 parrainages, 250 rencontres créés en" in output


def test_defaults_three_quarters_of_mentees_and_twenty_meetings_per_three_pairs():
    seed("--mentees", 60, "--mentors", 20)

    assert Parrainage.objects.count() == 45
    assert Rencontre.objects.count() == 300


def test_accounts_are_synthetic_and_cannot_log_in():
    seed("--mentees", 30, "--mentors", 10)

    emails = list(synthetic_users().values_list("email", flat=True))
    assert len(emails) == len(set(emails)) == 40
    assert "filleul-1-1" + SUFFIXE_EMAIL in emails
    assert "parrain-1-10" + SUFFIXE_EMAIL in emails
    passwords = set(synthetic_users().values_list("password", flat=True))
    assert len(passwords) == 1
    assert passwords.pop().startswith("!")
    assert not synthetic_users().first().has_usable_password()


def test_capacity_and_one_open_pair_per_mentee():
    seed("--mentees", 120, "--mentors", 30, "--seed", 3)

    assert not Parrain.objects.avec_places().filter(places_restantes__lt=0).exists()
    open_per_mentee = (
        Parrainage.objects.ouverts()
        .values("filleul", "programme")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not open_per_mentee.exists()
    assert set(Parrainage.objects.values_list("statut", flat=True)) >= {
        "actif",
        "termine",
        "proposition",
        "attente_parrain",
        "decline",
    }
    assert Parrainage.objects.actifs().count() > Parrainage.objects.count() / 2
    # Pairs only with mentors who may mentor, in a form they offer.
    assert not Parrainage.objects.filter(parrain__statut=Parrain.Statut.A_VALIDER).exists()
    for pair in Parrainage.objects.select_related("parrain"):
        assert pair.forme in pair.parrain.formes
        assert 1 <= pair.parrain.capacite <= 5


def test_too_many_pairs_for_the_capacity_is_refused():
    with pytest.raises(CommandError, match="places"):
        seed("--mentees", 200, "--mentors", 2, "--pairs", 150)
    assert not Filleul.objects.exists()


def test_more_pairs_than_mentees_is_refused():
    with pytest.raises(CommandError, match="un filleul n'a qu'un parrainage"):
        seed("--mentees", 10, "--mentors", 10, "--pairs", 11)


def test_unknown_programme_is_refused():
    with pytest.raises(CommandError, match="introuvable"):
        seed("--mentees", 10, "--mentors", 5, "--programme", "nexiste-pas")


def test_existing_programme_can_be_used():
    programme = Programme.objects.create(
        slug="autre",
        nom="Autre",
        porteur="Ville",
        accroche="a",
        description="d",
        public_vise="p",
        statut=Programme.Statut.OUVERT,
        date_debut=dt.date(2024, 1, 1),
    )
    seed("--mentees", 20, "--mentors", 8, "--programme", "autre")

    assert Parrainage.objects.filter(programme=programme).count() == 15
    assert not Programme.objects.filter(slug=PROGRAMME_SLUG).exists()
    assert set(programme.parrains.all()) == set(Parrain.objects.all())


def test_people_are_plausible():
    seed("--mentees", 150, "--mentors", 40, "--seed", 9)
    today = timezone.localdate()

    for filleul in Filleul.objects.select_related("commune"):
        assert 16 <= filleul.age(today) <= 60
        assert filleul.commune.latitude is not None
        assert filleul.disponibilites
        filleul.full_clean(exclude=["user"])
    assert Filleul.objects.filter(secteurs_souhaites__isnull=False).distinct().count() == 150
    assert Parrain.objects.filter(secteurs__isnull=False).distinct().count() == 40
    assert set(Filleul.objects.values_list("qpv", flat=True)) >= {"non", "confirme"}
    assert len(set(Filleul.objects.values_list("niveau_diplome", flat=True))) >= 4
    candidatures = Counter(Candidature.objects.values_list("statut", flat=True))
    assert candidatures["retenue"] > 100
    # Every paired mentee was retained before being proposed.
    assert not Parrainage.objects.exclude(candidature__statut="retenue").exists()
    assert not Parrainage.objects.filter(candidature__decidee_le__gt=F("propose_le")).exists()


def test_synthetic_communes_cluster_around_big_cities():
    assert Commune.objects.count() < 50
    seed("--mentees", 50, "--mentors", 10)

    synthetic = Commune.objects.filter(code_insee__regex=r"^[0-9]{2}S[0-9]{2}$")
    assert synthetic.count() > 500
    assert set(synthetic.values_list("departement", flat=True)) <= set(DEPARTEMENT_NOMS)
    paris = synthetic.get(nom="Paris (synthétique)")
    assert (paris.latitude, paris.longitude, paris.departement) == (48.857, 2.352, "75")
    assert not synthetic.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True)).exists()


def test_meetings_span_last_year_and_next_month_with_consistent_statuses():
    seed("--mentees", 90, "--mentors", 30, "--seed", 4)
    now = timezone.now()

    assert Rencontre.objects.filter(debut__gte=now).exclude(statut="prevue").count() == 0
    assert Rencontre.objects.filter(debut__lt=now, statut="tenue").exists()
    assert Rencontre.objects.filter(debut__gte=now, statut="prevue").exists()
    assert not Rencontre.objects.filter(debut__lt=now - dt.timedelta(days=367)).exists()
    assert not Rencontre.objects.filter(debut__gt=now + dt.timedelta(days=32)).exists()
    assert not Rencontre.objects.exclude(parrainage__statut__in=Parrainage.STATUTS_FORMES).exists()
    for meeting in Rencontre.objects.select_related("parrainage"):
        pair = meeting.parrainage
        day = timezone.localtime(meeting.debut).date()
        assert day >= pair.date_debut
        if pair.date_fin:
            assert day <= pair.date_fin
        assert bool(meeting.themes) == (meeting.statut == "tenue")


def test_outcomes_only_for_ended_pairs():
    seed("--mentees", 200, "--mentors", 60, "--seed", 2)

    assert Sortie.objects.exists()
    assert not Sortie.objects.exclude(parrainage__statut__in=["termine", "interrompu"]).exists()
    for sortie in Sortie.objects.filter(moment="fin").select_related("parrainage"):
        assert sortie.date == sortie.parrainage.date_fin


def test_same_seed_same_data_and_other_seed_other_data():
    seed("--mentees", 80, "--mentors", 25, "--seed", 11)
    first = fingerprint()
    statuses = Counter(Parrainage.objects.values_list("statut", flat=True))

    seed("--mentees", 80, "--mentors", 25, "--seed", 11, "--reset")
    assert fingerprint() == first
    assert Counter(Parrainage.objects.values_list("statut", flat=True)) == statuses

    seed("--mentees", 80, "--mentors", 25, "--seed", 12, "--reset")
    assert fingerprint() != first


def test_a_second_run_appends_a_new_batch():
    seed("--mentees", 20, "--mentors", 8)
    output = seed("--mentees", 10, "--mentors", 4)

    assert "Lot synthétique n° 2" in output
    assert Filleul.objects.count() == 30
    assert synthetic_users().filter(email__startswith="filleul-2-").count() == 10
    assert Candidature.objects.count() == 30
    assert Programme.objects.filter(slug=PROGRAMME_SLUG).count() == 1


def test_reset_removes_synthetic_rows_only():
    real_pair = ParrainageFactory(actif=True)
    real_meeting = RencontreFactory(parrainage=real_pair)
    real_user = UserFactory()
    seed("--mentees", 40, "--mentors", 12)
    # Rows other code may hang on synthetic people: removed with them.
    synthetic_mentor = Parrain.objects.filter(user__email__endswith=SUFFIXE_EMAIL).first()
    mixed = ParrainageFactory(parrain=synthetic_mentor, filleul=FilleulFactory(), decline=True)
    CharteFactory(parrainage=Parrainage.objects.filter(statut="actif").first())

    output = seed("--mentees", 10, "--mentors", 5, "--reset")

    assert "Données synthétiques supprimées" in output
    assert Filleul.objects.filter(user__email__endswith=SUFFIXE_EMAIL).count() == 10
    assert Parrain.objects.filter(user__email__endswith=SUFFIXE_EMAIL).count() == 5
    assert synthetic_users().count() == 15
    assert not Parrainage.objects.filter(pk=mixed.pk).exists()
    assert Filleul.objects.filter(pk=mixed.filleul_id).exists()
    assert Parrainage.objects.filter(pk=real_pair.pk, statut="actif").exists()
    assert Rencontre.objects.filter(pk=real_meeting.pk).exists()
    assert User.objects.filter(pk=real_user.pk).exists()
    assert Parrain.objects.filter(pk=real_pair.parrain_id).exists()


def test_reset_with_nothing_to_create_only_deletes():
    seed("--mentees", 10, "--mentors", 5)
    output = seed("--mentees", 0, "--mentors", 0, "--reset")

    assert not synthetic_users().exists()
    assert not Parrainage.objects.exists()
    assert "0 filleuls, 0 parrains, 0 parrainages, 0 rencontres" in output


def test_small_batches_give_the_same_counts():
    seed("--mentees", 30, "--mentors", 10, "--meetings", 77, "--batch-size", 7)

    assert Filleul.objects.count() == 30
    assert Rencontre.objects.count() == 77


@pytest.mark.parametrize(
    "seconds, text",
    [(4.24, "4,2 s"), (42.4, "42 s"), (192, "3 min 12 s"), (3725, "1 h 2 min 5 s")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.services
def test_copy_path_on_postgresql(postgres):
    output = seed("--mentees", 300, "--mentors", 80, "--meetings", 1500, "--seed", 5)

    assert Filleul.objects.count() == 300
    assert Parrain.objects.count() == 80
    assert Parrainage.objects.count() == 225
    assert Rencontre.objects.count() == 1500
    assert "ANALYZE" in output
    assert not Parrain.objects.avec_places().filter(places_restantes__lt=0).exists()
    meeting = Rencontre.objects.filter(statut="tenue").first()
    assert isinstance(meeting.themes, list) and meeting.themes
    pair = Parrainage.objects.exclude(raisons=[]).first()
    assert pair.raisons[0].startswith("Secteur commun")
    assert Filleul.objects.first().disponibilites
    assert Candidature.objects.first().eligibilite == {}
    # Ids were reserved from the sequences: the ORM can go on inserting.
    ParrainageFactory()

    seed("--mentees", 30, "--mentors", 10, "--reset")
    assert Filleul.objects.filter(user__email__endswith=SUFFIXE_EMAIL).count() == 30


def test_national_data_spans_the_13_regions_with_a_team_each():
    """The synthetic communes cover the 96 metropolitan départements; the people, drawn where
    the jobs are, live in every one of the 13 metropolitan regions; the programme has a
    national team and one regional team per region, each seeing its region's people only."""
    from mentorat.perimetre import perimetre_de
    from mentorat.territoires import REGION_DE_DEPARTEMENT
    from parrainages.admin import FilleulAdmin
    from programmes.models import Structure
    from tests.programmes.factories import affecter

    seed("--mentees", 3000, "--mentors", 300, "--pairs", 100, "--meetings", 0)

    synthetiques = Commune.objects.filter(code_insee__contains="S")
    departements = set(synthetiques.values_list("departement", flat=True))
    assert len(departements) == 96
    assert len({REGION_DE_DEPARTEMENT[d] for d in departements}) == 13
    habites = set(Filleul.objects.values_list("commune__departement", flat=True))
    assert len({REGION_DE_DEPARTEMENT[d] for d in habites}) == 13
    assert len(habites) > 60

    programme = Programme.objects.get(slug=PROGRAMME_SLUG)
    nationale = Structure.objects.get(type=Structure.Type.NATIONALE, programmes=programme)
    equipes = Structure.objects.filter(parent=nationale, programmes=programme)
    assert sorted(equipes.values_list("region", flat=True)) == sorted(
        {REGION_DE_DEPARTEMENT[d] for d in departements}
    )
    bretagne = equipes.get(region="53")
    coordinatrice = affecter(UserFactory(is_staff=True, structure=False), bretagne).user
    vus = perimetre_de(coordinatrice).filtrer(Filleul.objects.all(), FilleulAdmin.portee)
    assert vus.exists()
    assert set(vus.values_list("commune__departement", flat=True)) <= {"22", "29", "35", "56"}
    # A second run adds no structure.
    seed("--mentees", 10, "--mentors", 5)
    assert Structure.objects.filter(parent=nationale).count() == 13
