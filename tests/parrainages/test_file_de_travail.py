"""The staff member's work queue on the admin's home page, and a programme's summary page:
each count is what the list it links to shows, within the staff member's perimeter."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parrainages.models import Candidature
from programmes.models import Affectation
from tests.mentorat.factories import UserFactory, connecter, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    ImmersionFactory,
    ParrainageFactory,
    PointEtapeFactory,
    RencontreFactory,
)
from tests.programmes.factories import ProgrammeFactory, StructureFactory, affecter

pytestmark = pytest.mark.django_db

ACCUEIL = reverse("admin:index")


def il_y_a(jours):
    return timezone.now() - dt.timedelta(days=jours)


def peupler(programme):
    """Two applications to study and one under review, one retained; a proposal; a charter
    waiting for 10 days and one for 2; an immersion to validate; a pair with no meeting for
    60 days and one with a meeting last week; an ended pair without its end outcome."""
    for _ in range(2):
        CandidatureFactory(programme=programme)
    CandidatureFactory(programme=programme, en_etude=True)
    CandidatureFactory(programme=programme, retenue=True)
    ParrainageFactory(programme=programme)
    CharteFactory(parrainage__programme=programme, emise_le=il_y_a(10))
    CharteFactory(parrainage__programme=programme, emise_le=il_y_a(2))
    ImmersionFactory(parrainage__programme=programme, a_valider=True)
    ParrainageFactory(
        programme=programme, actif=True, date_debut=timezone.localdate() - dt.timedelta(days=60)
    )
    suivi = ParrainageFactory(
        programme=programme, actif=True, date_debut=timezone.localdate() - dt.timedelta(days=60)
    )
    RencontreFactory(parrainage=suivi, tenue=True, debut=il_y_a(7))
    # Its check-ins: the mentee's low score to handle; the mentor's satisfied answer, and
    # their second-round alert already handled, are not.
    PointEtapeFactory(parrainage=suivi, alerte=True)
    PointEtapeFactory(parrainage=suivi, role="parrain")
    PointEtapeFactory(parrainage=suivi, role="parrain", tour=2, alerte=True, traite_le=il_y_a(1))
    ParrainageFactory(programme=programme, termine=True)


def taches(reponse):
    return {
        ligne.programme.pk: {t.libelle: (t.nombre, t.url) for t in ligne.taches}
        for ligne in reponse.context["file_de_travail"]
    }


def test_each_count_is_what_its_list_shows(client):
    programme = ProgrammeFactory()
    peupler(programme)
    staff = gestionnaire()
    connecter(client, staff)
    reponse = client.get(ACCUEIL)
    assert reponse.status_code == 200
    file = taches(reponse)[programme.pk]
    # The charters' and the immersions' pairs are active and met nobody: stalled too.
    attendu = {
        "Candidatures à étudier": 3,
        "Propositions de binômes à confirmer": 1,
        "Chartes en attente de signature depuis plus de 7 jours": 1,
        "Immersions à valider": 1,
        "Binômes sans rencontre": 1 + 2 + 1,
        "Situations de sortie à recueillir": 1,
        "Points d'étape à traiter (note basse ou demande de contact)": 1,
    }
    assert {libelle: n for libelle, (n, _url) in file.items()} == attendu
    texte = reponse.content.decode()
    assert "File de travail" in texte and programme.nom in texte
    for libelle, (nombre, url) in file.items():
        if "#" in url:  # the follow-up page: its own tables
            page = client.get(url.split("#")[0])
            assert page.status_code == 200
            continue
        liste = client.get(url)
        assert liste.status_code == 200, (libelle, url)
        assert liste.context["cl"].result_count == nombre, libelle


def test_another_structures_work_is_not_in_the_queue(client):
    mien, autre = ProgrammeFactory(), ProgrammeFactory(structure=StructureFactory())
    peupler(mien)
    peupler(autre)
    connecter(client, gestionnaire())
    file = taches(client.get(ACCUEIL))
    assert set(file) == {mien.pk}


def test_nothing_waiting_says_so(client):
    ProgrammeFactory()
    connecter(client, gestionnaire())
    reponse = client.get(ACCUEIL)
    assert reponse.context["file_de_travail"] == []
    assert "Rien n'attend dans vos programmes." in reponse.content.decode()


def test_the_queue_costs_the_same_for_one_programme_or_five(client, django_assert_num_queries):
    staff = gestionnaire()
    connecter(client, staff)
    peupler(ProgrammeFactory())
    client.get(ACCUEIL)
    cache.clear()  # counted again at each view below (they are kept a minute)
    with CaptureQueriesContext(connection) as requetes:
        client.get(ACCUEIL)
    une = len(requetes)
    for _ in range(4):
        peupler(ProgrammeFactory(relance_sans_rencontre_jours=21))
    cache.clear()
    with django_assert_num_queries(une):
        reponse = client.get(ACCUEIL)
    assert len(reponse.context["file_de_travail"]) == 5


def test_the_programme_opens_on_its_summary(client):
    programme = ProgrammeFactory(cible_binomes=10)
    peupler(programme)
    connecter(client, gestionnaire())
    liste = client.get(reverse("admin:programmes_programme_changelist")).content.decode()
    resume = reverse("admin:programmes_programme_resume", args=[programme.pk])
    assert f'href="{resume}"' in liste
    page = client.get(resume)
    assert page.status_code == 200
    entonnoir = dict(page.context["entonnoir"])
    assert (
        entonnoir["Candidatures reçues"] == Candidature.objects.filter(programme=programme).count()
    )
    assert entonnoir["Candidatures retenues"] == 1
    # Active: the two alerts, the charters' two pairs, the immersion's; and one ended.
    assert entonnoir["Binômes formés"] == 6
    assert entonnoir["Binômes en cours"] == 5
    texte = page.content.decode()
    assert "6</strong> binômes formés sur un objectif de 10" in texte
    assert "Réglages du programme" in texte
    assert page.context["travail"].programme == programme


def test_a_summary_answers_404_outside_the_perimeter_and_read_only_staff_only_read(client):
    autre = ProgrammeFactory(structure=StructureFactory())
    programme = ProgrammeFactory()
    connecter(client, gestionnaire())
    assert (
        client.get(reverse("admin:programmes_programme_resume", args=[autre.pk])).status_code == 404
    )
    lecteur = UserFactory(gestionnaire=True, structure=False)
    structure = StructureFactory(programmes=[programme])
    affecter(lecteur, structure, Affectation.Role.LECTURE)
    connecter(client, lecteur)
    page = client.get(reverse("admin:programmes_programme_resume", args=[programme.pk]))
    assert page.status_code == 200
    assert "Voir les réglages" in page.content.decode()
    assert urlsplit(reverse("admin:programmes_programme_change", args=[programme.pk])).path in (
        page.content.decode()
    )


def test_the_counts_are_kept_a_minute_for_the_perimeter(client):
    """The home page's counts are counted once a minute for every staff member of the same
    perimeter; a view in between reads none of the rows they count, and says when they
    were counted."""
    programme = ProgrammeFactory()
    CandidatureFactory(programme=programme)
    connecter(client, gestionnaire())
    page = client.get(ACCUEIL)
    assert taches(page)[programme.pk]["Candidatures à étudier"][0] == 1
    assert "Chiffres arrêtés à" in page.content.decode()
    CandidatureFactory(programme=programme)
    with CaptureQueriesContext(connection) as requetes:
        page = client.get(ACCUEIL)
    assert taches(page)[programme.pk]["Candidatures à étudier"][0] == 1  # kept
    # (The session's own read joins the account's profiles: not a count.)
    assert not [
        q
        for q in requetes.captured_queries
        if "parrainages_" in q["sql"] and "mentorat_session" not in q["sql"]
    ]
    # Another staff member of the same perimeter reads the same counts.
    connecter(client, gestionnaire())
    assert taches(client.get(ACCUEIL))[programme.pk]["Candidatures à étudier"][0] == 1
    cache.clear()  # the minute is over
    assert taches(client.get(ACCUEIL))[programme.pk]["Candidatures à étudier"][0] == 2


def test_the_home_page_reads_at_most_ten_statements_whatever_the_data(client):
    """Between two countings, a view of the home page reads the session, the staff member,
    their permissions and perimeter, the recent actions: never the rows it counts."""
    connecter(client, gestionnaire())
    for _ in range(3):
        peupler(ProgrammeFactory())
    client.get(ACCUEIL)  # counted
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(ACCUEIL)
    lues = [
        q["sql"]
        for q in requetes.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert len(lues) <= 10, "\n\n".join(lues)
    assert len(reponse.context["file_de_travail"]) == 3


def test_candidates_to_invite_are_those_the_sessions_page_offers(client):
    """The count links to the next session's sheet, where invitations are made, and counts
    what its invitation form offers; a session outside the staff member's territory is
    neither linked nor shown on the programme's summary."""
    from parrainages.selection import candidatures_invitables
    from tests.parrainages.factories import candidature_invitee, session_selection
    from tests.programmes.factories import CommuneFactory

    programme = ProgrammeFactory()
    prochaine = session_selection(programme=programme)
    plus_tard = session_selection(
        programme=programme, date_debut=timezone.localdate() + dt.timedelta(days=30)
    )
    for _ in range(2):
        CandidatureFactory(programme=programme)  # invitable
    candidature_invitee(prochaine)  # already in the next session: not counted
    candidature_invitee(plus_tard)  # invited to a later one: no longer invitable
    connecter(client, gestionnaire())
    nombre, url = taches(client.get(ACCUEIL))[programme.pk]["Candidats à inviter à la sélection"]
    assert url == reverse("admin:parrainages_sessionselection_fiche", args=[prochaine.pk])
    fiche = client.get(url)
    assert fiche.status_code == 200
    assert nombre == candidatures_invitables(prochaine).count() == 2

    # A regional team of a national programme: another region's session is not its own.
    from tests.parrainages.helpers import STRASBOURG, commune

    national = ProgrammeFactory(structure=False)
    equipe = StructureFactory(programmes=[national], departements=["67"])
    lyon = CommuneFactory(code_insee="69123", departement="69")
    ailleurs = session_selection(programme=national, commune=lyon)
    CandidatureFactory(programme=national, filleul__commune=commune(STRASBOURG))
    regional = UserFactory(gestionnaire=True, structure=equipe)
    connecter(client, regional)
    file = taches(client.get(ACCUEIL))
    assert "Candidats à inviter à la sélection" not in file.get(national.pk, {})
    resume = client.get(reverse("admin:programmes_programme_resume", args=[national.pk]))
    assert ailleurs.titre not in [s.titre for s in resume.context["sessions"]]
    assert resume.context["sessions"] == []


def test_stalled_pairs_follow_the_follow_up_pages_rule_to_the_day(client):
    from parrainages.suivi import binomes_en_panne

    programme = ProgrammeFactory(relance_sans_rencontre_jours=21)
    aujourd_hui = timezone.localdate()
    pile = ParrainageFactory(
        programme=programme, actif=True, date_debut=aujourd_hui - dt.timedelta(days=40)
    )
    RencontreFactory(parrainage=pile, tenue=True, debut=il_y_a(21))
    veille = ParrainageFactory(
        programme=programme, actif=True, date_debut=aujourd_hui - dt.timedelta(days=40)
    )
    RencontreFactory(parrainage=veille, tenue=True, debut=il_y_a(20))
    sans_debut = ParrainageFactory(programme=programme, actif=True, date_debut=None)
    RencontreFactory(parrainage=sans_debut, tenue=True, debut=il_y_a(30))
    connecter(client, gestionnaire())
    nombre, _url = taches(client.get(ACCUEIL))[programme.pk]["Binômes sans rencontre"]
    attendus = {p.pk for p in binomes_en_panne()}
    assert attendus == {pile.pk, sans_debut.pk}
    assert nombre == len(attendus)


def test_a_count_whose_list_is_not_open_to_the_staff_member_is_not_shown(client):
    from django.contrib.auth.models import Permission

    programme = ProgrammeFactory()
    peupler(programme)
    staff = gestionnaire()
    staff.user_permissions.clear()
    for groupe in staff.groups.all():
        groupe.permissions.remove(Permission.objects.get(codename="view_candidature"))
    connecter(client, staff)
    file = taches(client.get(ACCUEIL))[programme.pk]
    assert "Candidatures à étudier" not in file
    assert "Propositions de binômes à confirmer" in file


def test_the_summary_reads_a_fixed_number_of_queries(client, django_assert_num_queries):
    programme = ProgrammeFactory(cible_binomes=10)
    peupler(programme)
    connecter(client, gestionnaire())
    url = reverse("admin:programmes_programme_resume", args=[programme.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as requetes:
        client.get(url)
    une = len(requetes)
    for _ in range(3):
        peupler(programme)
    with django_assert_num_queries(une):
        reponse = client.get(url)
    assert dict(reponse.context["entonnoir"])["Binômes formés"] == 24


def test_a_mentees_options_count_once_among_the_proposals_to_confirm(client):
    programme = ProgrammeFactory()
    filleul = ParrainageFactory(programme=programme).filleul
    for _ in range(2):
        ParrainageFactory(programme=programme, filleul=filleul, option=True)
    ParrainageFactory(programme=programme)
    connecter(client, gestionnaire())
    file = taches(client.get(ACCUEIL))[programme.pk]
    assert file["Propositions de binômes à confirmer"][0] == 2


def test_two_staff_members_of_one_perimeter_with_other_permissions_do_not_share_counts(client):
    """The counts are kept per perimeter and permissions: a staff member whose permissions
    do not open the applications never reads the counts of one whose do."""
    from django.contrib.auth.models import Permission

    programme = ProgrammeFactory()
    peupler(programme)
    connecter(client, gestionnaire())
    assert "Candidatures à étudier" in taches(client.get(ACCUEIL))[programme.pk]
    autre = gestionnaire()
    permissions = set(Permission.objects.filter(group__user=autre))
    autre.groups.clear()
    autre.user_permissions.set([p for p in permissions if p.codename != "view_candidature"])
    connecter(client, autre)
    file = taches(client.get(ACCUEIL))[programme.pk]
    assert "Candidatures à étudier" not in file
    assert "Propositions de binômes à confirmer" in file


def test_counts_past_their_minute_are_shown_while_counted_again_in_the_background(
    client, django_capture_on_commit_callbacks
):
    """Past the minute, a view does not wait for the counts: it shows the last ones with
    when they were counted, and asks for them once in the background; the next view reads
    the new counts."""
    from django.contrib import admin
    from django.http import HttpRequest

    programme = ProgrammeFactory()
    CandidatureFactory(programme=programme)
    staff = gestionnaire()
    connecter(client, staff)
    client.get(ACCUEIL)
    CandidatureFactory(programme=programme)
    requete = HttpRequest()
    requete.user = staff
    cle = admin.site._cle_tableau_de_bord(requete)
    assert cache.get(cle) is not None and cache.get(f"{cle}:dernier") is not None
    cache.delete(cle)  # the minute is over: the counts expire, their last copy stays
    with django_capture_on_commit_callbacks(execute=True) as demandes:
        page = client.get(ACCUEIL)
        encore = client.get(ACCUEIL)  # asked once, not at every view
    assert taches(page)[programme.pk]["Candidatures à étudier"][0] == 1
    assert "en cours de mise à jour" in page.content.decode()
    assert len(demandes) == 1
    page = client.get(ACCUEIL)
    assert taches(page)[programme.pk]["Candidatures à étudier"][0] == 2
    assert "en cours de mise à jour" not in page.content.decode()
    del encore
