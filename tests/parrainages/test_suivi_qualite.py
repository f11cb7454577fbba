"""Goals and check-ins (docs/suivi-qualite.md): the pair's goals written at the first meeting
or from either space, their progress ticked meeting by meeting; the check-in at 30 days then
every 60, its signed link, its answers, and the alert it puts in the coordinator's queue."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core import mail, signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.enquetes import SALT_POINT_ETAPE, lien_point_etape
from parrainages.models import Avancement, AvancementObjectif, ObjectifBinome, PointEtape
from parrainages.services.qualite import (
    objectifs_avancer,
    objectifs_enregistrer,
    point_etape_inviter,
    point_etape_repondre,
    points_etape_planifier,
    tour_du_jour,
)
from programmes.models import OBJECTIFS_PAR_DEFAUT, ObjectifSuggere
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import (
    ObjectifBinomeFactory,
    ParrainageFactory,
    PointEtapeFactory,
    RencontreFactory,
)
from tests.programmes.factories import ProgrammeFactory, StructureFactory

pytestmark = pytest.mark.django_db


def chemin(lien: str) -> str:
    return "/" + lien.split("://", 1)[-1].split("/", 1)[1]


def texte(response) -> str:
    return response.content.decode()


def il_y_a(jours: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=jours)


# --- Goals --------------------------------------------------------------------------------------


def test_either_party_writes_one_to_three_goals():
    pair = ParrainageFactory(actif=True)
    suggestion = ObjectifSuggere.objects.create(
        programme=pair.programme, libelle="Préparer mes entretiens"
    )
    objectifs = objectifs_enregistrer(
        parrainage=pair,
        par=pair.filleul.user,
        libelles=["préparer mes entretiens", "  Élargir   mon réseau ", ""],
    )
    assert [o.libelle for o in objectifs] == ["préparer mes entretiens", "Élargir mon réseau"]
    assert objectifs[0].suggestion == suggestion and objectifs[1].suggestion is None
    assert {o.ecrit_par for o in objectifs} == {ObjectifBinome.Auteur.FILLEUL}
    # The mentor rewrites them: a goal kept keeps its row (and its history), one dropped goes.
    gardes = objectifs_enregistrer(
        parrainage=pair, par=pair.parrain.user, libelles=["Élargir mon réseau", "Trouver un CDI"]
    )
    assert gardes[0].pk == objectifs[1].pk and gardes[1].ecrit_par == "parrain"
    assert list(pair.objectifs_binome.values_list("libelle", flat=True)) == [
        "Élargir mon réseau",
        "Trouver un CDI",
    ]


@pytest.mark.parametrize(
    ("libelles", "message"),
    [
        (["Un", "Deux", "Trois", "Quatre"], "3 objectifs au plus"),
        (["", "  "], "au moins un objectif"),
    ],
)
def test_goals_out_of_bounds_are_refused(libelles, message):
    pair = ParrainageFactory(actif=True)
    with pytest.raises(ValidationError, match=message):
        objectifs_enregistrer(parrainage=pair, par=pair.filleul.user, libelles=libelles)
    assert not pair.objectifs_binome.exists()


def test_only_the_pair_writes_its_goals_while_in_progress():
    pair, autre = ParrainageFactory(actif=True), ParrainageFactory(actif=True)
    with pytest.raises(ValidationError, match="pas le vôtre"):
        objectifs_enregistrer(parrainage=pair, par=autre.filleul.user, libelles=["Un"])
    fini = ParrainageFactory(termine=True)
    with pytest.raises(ValidationError, match="pas en cours"):
        objectifs_enregistrer(parrainage=fini, par=fini.filleul.user, libelles=["Un"])
    assert not ObjectifBinome.objects.exists()


def test_the_programmes_list_or_else_a_general_one(client):
    pair = ParrainageFactory(actif=True)
    connecter(client, pair.filleul.user)
    url = reverse("filleul:objectifs", kwargs={"pk": pair.pk})
    assert OBJECTIFS_PAR_DEFAUT[0] in texte(client.get(url))
    ObjectifSuggere.objects.create(programme=pair.programme, libelle="Visiter une usine")
    page = texte(client.get(url))
    assert "Visiter une usine" in page and OBJECTIFS_PAR_DEFAUT[0] not in page


def test_the_first_meeting_logged_asks_for_goals_then_each_meeting_ticks_them(client):
    pair = ParrainageFactory(actif=True)
    premiere = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=20))
    seconde = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=2))
    connecter(client, pair.parrain.user)
    url = reverse("parrain:rencontre_consigner", kwargs={"pk": premiere.pk})
    assert "Objectif 1" in texte(client.get(url))
    response = client.post(
        url, {"themes": ["cv"], "objectif_1": "Réussir mes entretiens", "objectif_2": "CDI"}
    )
    assert response.status_code == 302
    entretiens, cdi = pair.objectifs_binome.order_by("ordre")
    assert entretiens.ecrit_par == "parrain"

    # The next meeting: no goal asked any more, the progress of each.
    url = reverse("parrain:rencontre_consigner", kwargs={"pk": seconde.pk})
    page = texte(client.get(url))
    assert "Objectif 1" not in page and "Avancement : Réussir mes entretiens" in page
    response = client.post(
        url,
        {
            "themes": ["entretien"],
            f"avancement_{entretiens.pk}": "atteint",
            f"avancement_{cdi.pk}": "en_cours",
        },
    )
    assert response.status_code == 302
    entretiens.refresh_from_db()
    assert entretiens.avancement == Avancement.ATTEINT
    assert entretiens.atteint_le == timezone.localdate(seconde.debut)
    assert AvancementObjectif.objects.get(objectif=entretiens).rencontre == seconde

    # The mentee reads the progress and the history from their space.
    connecter(client, pair.filleul.user)
    page = texte(client.get(reverse("filleul:objectifs", kwargs={"pk": pair.pk})))
    assert "Réussir mes entretiens" in page and "Atteint" in page
    objectifs_url = reverse("filleul:objectifs", kwargs={"pk": pair.pk})
    assert objectifs_url in texte(client.get(reverse("filleul:tableau_de_bord")))


def test_a_progress_ticked_on_an_older_meeting_keeps_the_latest_state():
    pair = ParrainageFactory(actif=True)
    objectif = ObjectifBinomeFactory(parrainage=pair)
    ancienne = RencontreFactory(parrainage=pair, tenue=True, debut=timezone.now() - dt.timedelta(9))
    recente = RencontreFactory(parrainage=pair, tenue=True, debut=timezone.now() - dt.timedelta(2))
    objectifs_avancer(rencontre=recente, avancements={objectif.pk: Avancement.EN_COURS})
    objectifs_avancer(rencontre=ancienne, avancements={objectif.pk: Avancement.PAS_COMMENCE})
    objectif.refresh_from_db()
    assert objectif.avancement == Avancement.EN_COURS
    assert objectif.historique.count() == 2
    autre = ObjectifBinomeFactory()
    with pytest.raises(ValidationError, match="pas celui du binôme"):
        objectifs_avancer(rencontre=recente, avancements={autre.pk: Avancement.ATTEINT})


def test_the_goals_pages_cost_a_fixed_number_of_queries(client, django_assert_num_queries):
    pair = ParrainageFactory(actif=True)
    for i in range(3):
        objectif = ObjectifBinomeFactory(parrainage=pair, ordre=i)
        for jours in (9, 5, 2):
            rencontre = RencontreFactory(
                parrainage=pair, tenue=True, debut=timezone.now() - dt.timedelta(jours, hours=i)
            )
            objectifs_avancer(rencontre=rencontre, avancements={objectif.pk: "en_cours"})
    connecter(client, pair.parrain.user)
    with django_assert_num_queries(8):
        assert client.get(reverse("parrain:objectifs", kwargs={"pk": pair.pk})).status_code == 200
    connecter(client, pair.filleul.user)
    with django_assert_num_queries(8):
        assert client.get(reverse("filleul:objectifs", kwargs={"pk": pair.pk})).status_code == 200


# --- Check-ins: the beat --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jours", "tour"),
    [(29, None), (30, 1), (36, 1), (37, None), (89, None), (90, 2), (150, 3), (151, 3)],
)
def test_the_rounds_fall_at_30_days_then_every_60(jours, tour):
    assert tour_du_jour(il_y_a(jours), timezone.localdate()) == tour


def cles_point_etape():
    return sorted(Envoi.objects.filter(regle="point_etape").values_list("cle", flat=True))


def test_the_beat_invites_both_at_30_then_90_days_and_never_twice():
    pair = ParrainageFactory(actif=True, date_debut=il_y_a(30))
    ParrainageFactory(actif=True, date_debut=il_y_a(29))  # too early
    ParrainageFactory(termine=True)  # ended
    assert points_etape_planifier() == 2
    assert points_etape_planifier() == 0  # a second beat, the same day
    cles = cles_point_etape()
    assert cles == sorted(
        [
            f"point_etape:{pair.pk}:1:filleul:{pair.filleul.user_id}",
            f"point_etape:{pair.pk}:1:parrain:{pair.parrain.user_id}",
        ]
    )
    envoi = Envoi.objects.get(cle=cles[0])
    # The link answers for the person: the row is emptied once sent; one may decline these.
    assert envoi.confidentiel and not envoi.essentiel
    assert [m for m in mail.outbox if "/point-etape/" in m.body and "Ne plus recevoir" in m.body]
    # Sixty days later, the second round.
    plus_tard = timezone.now() + dt.timedelta(days=60)
    assert points_etape_planifier(maintenant=plus_tard) == 2
    assert points_etape_planifier(maintenant=plus_tard) == 0
    assert len(cles_point_etape()) == 4
    assert {c.split(":")[2] for c in cles_point_etape()} == {"1", "2"}


def test_the_invitation_is_written_once_per_pair_round_and_person():
    pair = ParrainageFactory(actif=True)
    assert point_etape_inviter(parrainage=pair, role="filleul", tour=1)
    assert not point_etape_inviter(parrainage=pair, role="filleul", tour=1)
    assert point_etape_inviter(parrainage=pair, role="parrain", tour=1)
    assert Envoi.objects.filter(regle="point_etape").count() == 2


def test_the_beat_task_runs_the_service():
    from parrainages.tasks import inviter_points_etape

    ParrainageFactory(actif=True, date_debut=il_y_a(31))
    assert inviter_points_etape() == 2
    assert inviter_points_etape() == 0


def test_the_check_in_is_scheduled_with_the_other_periodic_tasks():
    from mentorat.planification import PLANIFICATION

    assert "parrainages.inviter_points_etape" in {p.tache for p in PLANIFICATION}


# --- Check-ins: the link and the answer ---------------------------------------------------------


REPONSE = {"satisfaction": "4", "utile": "oui", "commentaire": "Très utile."}


def lien(pair, role="filleul", tour=1, user=None):
    personne = pair.filleul if role == "filleul" else pair.parrain
    user_id = (user or personne.user).pk
    return chemin(lien_point_etape(parrainage_id=pair.pk, role=role, tour=tour, user_id=user_id))


def test_answering_from_the_link_without_logging_in_and_again(client, django_assert_num_queries):
    pair = ParrainageFactory(actif=True)
    url = lien(pair)
    with django_assert_num_queries(4):
        page = client.get(url)
    assert page.status_code == 200 and "Ce parrainage vous est-il utile ?" in texte(page)
    assert client.post(url, REPONSE).status_code == 200
    point = PointEtape.objects.get()
    assert (point.role, point.tour, point.satisfaction, point.utile) == ("filleul", 1, 4, "oui")
    # The same link again: the answer is shown, and a new one replaces it.
    assert "déjà répondu" in texte(client.get(url))
    client.post(url, {**REPONSE, "satisfaction": "2"})
    point.refresh_from_db()
    assert PointEtape.objects.count() == 1 and point.satisfaction == 2
    # The mentor's own answer is a row of its own.
    client.post(lien(pair, role="parrain"), REPONSE)
    assert PointEtape.objects.count() == 2


def test_a_tampered_expired_or_someone_elses_link_changes_nothing(client):
    pair, autre = ParrainageFactory(actif=True), ParrainageFactory(actif=True)
    url = lien(pair)
    falsifie = url[:-6] + "AAAAA/"
    assert client.post(falsifie, REPONSE).status_code == 400
    expire = signing.dumps(
        {"p": pair.pk, "r": "filleul", "t": 1, "u": pair.filleul.user_id}, salt=SALT_POINT_ETAPE
    )
    expire_url = reverse("point_etape", kwargs={"jeton": expire})
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=10**10):
        response = client.post(expire_url, REPONSE)
    assert response.status_code == 400 and "expiré" in texte(response)
    # Another pair's mentee, a role that is not theirs, a pair that does not exist.
    for url in (
        lien(pair, user=autre.filleul.user),
        lien(pair, role="parrain", user=pair.filleul.user),
        chemin(lien_point_etape(parrainage_id=10**9, role="filleul", tour=1, user_id=1)),
    ):
        response = client.post(url, REPONSE)
        assert response.status_code == 400 and "ne vous concerne pas" in texte(response)
    assert not PointEtape.objects.exists()


def test_the_service_refuses_what_the_form_would_not_send():
    pair = ParrainageFactory(actif=True)
    with pytest.raises(ValidationError, match="1 à 5"):
        point_etape_repondre(
            parrainage_id=pair.pk,
            role="filleul",
            tour=1,
            user_id=pair.filleul.user_id,
            donnees={"satisfaction": 9, "utile": "oui"},
        )
    assert not PointEtape.objects.exists()


def test_the_other_party_never_reads_the_answers(client):
    pair = ParrainageFactory(actif=True)
    client.post(lien(pair), {**REPONSE, "commentaire": "Mon parrain est souvent en retard."})
    connecter(client, pair.parrain.user)
    for url in (
        reverse("parrain:binome", kwargs={"pk": pair.pk}),
        reverse("parrain:objectifs", kwargs={"pk": pair.pk}),
        reverse("parrain:tableau_de_bord"),
    ):
        assert "souvent en retard" not in texte(client.get(url))


# --- Alerts -------------------------------------------------------------------------------------


def file_de_travail(client):
    return {
        ligne.programme.pk: {t.libelle: (t.nombre, t.url) for t in ligne.taches}
        for ligne in client.get(reverse("admin:index")).context["file_de_travail"]
    }


ALERTES = "Points d'étape à traiter (note basse ou demande de contact)"


@pytest.mark.parametrize(
    ("reponse", "alerte"),
    [
        ({"satisfaction": "2", "utile": "oui"}, True),
        ({"satisfaction": "5", "utile": "oui", "parler_equipe": "on"}, True),
        ({"satisfaction": "3", "utile": "non"}, False),
    ],
)
def test_a_low_score_or_a_request_alerts_the_coordinator_until_handled(client, reponse, alerte):
    pair = ParrainageFactory(actif=True)
    ParrainageFactory(actif=True, programme=ProgrammeFactory(structure=StructureFactory()))
    client.post(lien(pair), reponse)
    staff = gestionnaire()
    connecter(client, staff)
    file = file_de_travail(client)
    if not alerte:
        assert ALERTES not in file.get(pair.programme.pk, {})
        return
    nombre, url = file[pair.programme.pk][ALERTES]
    assert nombre == 1
    liste = client.get(url)
    assert liste.status_code == 200 and liste.context["cl"].result_count == 1
    point = PointEtape.objects.get()
    # The pair's page shows the answer, read-only.
    page = client.get(reverse("admin:parrainages_parrainage_change", args=[pair.pk]))
    (inline,) = [f for f in page.context["inline_admin_formsets"] if f.formset.model is PointEtape]
    assert [f.instance for f in inline.formset.forms] == [point]
    # Marked handled: out of the queue, who and when kept, in the audit trail.
    client.post(
        reverse("admin:parrainages_pointetape_changelist"),
        {"action": "traiter", "_selected_action": [point.pk]},
    )
    point.refresh_from_db()
    assert point.traite_par == staff and point.traite_le is not None
    cache.clear()  # a minute later: the home page's counts are kept a minute
    assert ALERTES not in file_de_travail(client).get(pair.programme.pk, {})
    assert LogEntry.objects.get_for_object(point).filter(actor=staff).exists()
    # The same answer posted again stays handled; a changed one that still asks is new.
    client.logout()
    client.post(lien(pair), reponse)
    point.refresh_from_db()
    assert point.traite_le is not None
    client.post(lien(pair), {**reponse, "commentaire": "Toujours pas de nouvelles."})
    point.refresh_from_db()
    assert point.traite_le is None


def test_staff_of_another_structure_neither_count_nor_list_the_alert(client):
    point = PointEtapeFactory(alerte=True)
    autre_structure = StructureFactory()
    ProgrammeFactory(structure=autre_structure)
    staff = gestionnaire(structure=autre_structure)
    connecter(client, staff)
    assert point.parrainage.programme.pk not in file_de_travail(client)
    liste = client.get(reverse("admin:parrainages_pointetape_changelist"), {"a_traiter": "1"})
    assert liste.context["cl"].result_count == 0
    fiche = client.get(reverse("admin:parrainages_pointetape_change", args=[point.pk]))
    assert fiche.status_code in (302, 404)
    # Their action on a row of another perimeter handles nothing.
    client.post(
        reverse("admin:parrainages_pointetape_changelist"),
        {"action": "traiter", "_selected_action": [point.pk]},
    )
    point.refresh_from_db()
    assert point.traite_le is None


# --- Pages ----------------------------------------------------------------------------------------


def test_the_new_pages_are_valid_html(client, nu_checker):
    from conftest import nu_erreurs

    pair = ParrainageFactory(actif=True)
    premiere = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=2))
    pages = []
    connecter(client, pair.parrain.user)
    pages.append(reverse("parrain:rencontre_consigner", kwargs={"pk": premiere.pk}))
    pages.append(reverse("parrain:objectifs", kwargs={"pk": pair.pk}))
    contenus = [client.get(url).content for url in pages]
    objectif = ObjectifBinomeFactory(parrainage=pair)
    objectifs_avancer(
        rencontre=RencontreFactory(parrainage=pair, tenue=True),
        avancements={objectif.pk: Avancement.EN_COURS},
    )
    seconde = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=1))
    contenus.append(
        client.get(reverse("parrain:rencontre_consigner", kwargs={"pk": seconde.pk})).content
    )
    contenus.append(client.get(reverse("parrain:binome", kwargs={"pk": pair.pk})).content)
    connecter(client, pair.filleul.user)
    contenus.append(client.get(reverse("filleul:objectifs", kwargs={"pk": pair.pk})).content)
    contenus.append(client.get(reverse("filleul:tableau_de_bord")).content)
    client.logout()
    contenus.append(client.get(lien(pair)).content)
    contenus.append(client.post(lien(pair), REPONSE).content)
    contenus.append(client.get(lien(pair)[:-6] + "AAAAA/").content)
    erreurs = [m["message"] for html in contenus for m in nu_erreurs(nu_checker, html)]
    assert not erreurs, erreurs
