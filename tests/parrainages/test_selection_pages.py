"""The selection step's pages: the facilitator's portal (attendance grid, grids), a prescriber
inviting the people their partner referred, a manager's personal link, the admin's cohort sheet
(jury, invitations, PDF) and the applications' action."""

import datetime as dt
import html

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from parrainages.models import (
    Candidature,
    Evaluation,
    Note,
    ParticipationSelection,
    Presence,
    SessionSelection,
)
from parrainages.services.selection import evaluateur_lien_emettre
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    CritereEvaluationFactory,
    EvaluateurInviteFactory,
    MotifRefusFactory,
    candidature_invitee,
    session_selection,
)
from tests.partenaires.factories import MembreFactory, PartenaireFactory

pytestmark = pytest.mark.django_db

S = Candidature.Statut


@pytest.fixture
def cohorte():
    """A session facilitated by a partner, three members, a two-criterion grid."""
    animateur = MembreFactory()
    session = session_selection(animateur=animateur.partenaire)
    criteres = [
        CritereEvaluationFactory(programme=session.programme, libelle="Motivation"),
        CritereEvaluationFactory(programme=session.programme, libelle="Présentation orale"),
    ]
    membres = [candidature_invitee(session) for _ in range(3)]
    return session, animateur.user, membres, criteres


# --- The facilitator's attendance grid ---------------------------------------------------------


def test_the_facilitator_saves_the_whole_grid_in_one_post(
    client, cohorte, django_assert_max_num_queries
):
    session, animateur, membres, _ = cohorte
    connecter(client, animateur)
    url = reverse("partenaires:session_presences", kwargs={"pk": session.pk})
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200
    contenu = page.content.decode()
    assert contenu.count("<select") == 3 * session.demi_journees.count()
    assert 'aria-labelledby="pa-' in contenu
    matin = session.demi_journees.first()
    donnees = {f"p-{m.pk}-{matin.pk}": "present" for m in membres}
    donnees[f"p-{membres[2].pk}-{matin.pk}"] = "excuse"
    assert client.post(url, donnees).status_code == 302
    assert sorted(Presence.objects.values_list("etat", flat=True)) == [
        "excuse",
        "present",
        "present",
    ]


def test_a_grid_naming_someone_outside_the_cohort_is_refused_whole(client, cohorte):
    session, animateur, membres, _ = cohorte
    ailleurs = candidature_invitee(session_selection(programme=session.programme))
    connecter(client, animateur)
    matin = session.demi_journees.first()
    reponse = client.post(
        reverse("partenaires:session_presences", kwargs={"pk": session.pk}),
        {f"p-{membres[0].pk}-{matin.pk}": "present", f"p-{ailleurs.pk}-{matin.pk}": "present"},
    )
    assert reponse.status_code == 400
    assert "ne fait pas partie de cette session" in reponse.content.decode()
    assert 'aria-describedby="erreurs-grille"' in reponse.content.decode()
    assert not Presence.objects.exists()


@pytest.mark.parametrize(
    "donnees", [{"p-1-x": "present"}, {"p-abc": "present"}, {}, {"p-1-2": ["a", "b"]}]
)
def test_a_broken_grid_is_refused_in_french(client, cohorte, donnees):
    session, animateur, _, _ = cohorte
    connecter(client, animateur)
    reponse = client.post(
        reverse("partenaires:session_presences", kwargs={"pk": session.pk}), donnees
    )
    assert reponse.status_code == 400
    assert "rien n'a été enregistré" in html.unescape(reponse.content.decode())
    assert not Presence.objects.exists()


def test_a_prescriber_who_does_not_facilitate_gets_no_grid(client, cohorte):
    session, _, membres, _ = cohorte
    prescripteur = MembreFactory()
    Candidature.objects.filter(pk=membres[0].candidature_id).update(
        prescripteur=prescripteur.partenaire
    )
    connecter(client, prescripteur.user)
    assert client.get(reverse("partenaires:session", kwargs={"pk": session.pk})).status_code == 200
    for nom in ("partenaires:session_presences",):
        assert client.get(reverse(nom, kwargs={"pk": session.pk})).status_code == 404
    assert (
        client.get(
            reverse(
                "partenaires:session_evaluation",
                kwargs={"pk": session.pk, "participation": membres[0].pk},
            )
        ).status_code
        == 404
    )


# --- Grids ------------------------------------------------------------------------------------


def test_the_facilitator_fills_a_grid_and_reads_every_evaluation(client, cohorte):
    session, animateur, membres, (motivation, orale) = cohorte
    manager = EvaluateurInviteFactory(session=session, prenom="Paul", entreprise="Adidas")
    from parrainages.services.selection import evaluation_enregistrer

    evaluation_enregistrer(
        participation=membres[0],
        qualite=Evaluation.Qualite.MANAGER,
        evaluateur_invite=manager,
        notes={orale.pk: (2, "Hésitant au début")},
    )
    connecter(client, animateur)
    url = reverse(
        "partenaires:session_evaluation", kwargs={"pk": session.pk, "participation": membres[0].pk}
    )
    page = client.get(url).content.decode()
    assert "Hésitant au début" in page and "Adidas" in page
    reponse = client.post(
        url,
        {
            f"note_{motivation.pk}": "3",
            f"commentaire_{motivation.pk}": "Très motivée",
            f"note_{orale.pk}": "",
            "commentaire": "Bonne semaine",
        },
    )
    assert reponse.status_code == 302
    evaluation = Evaluation.objects.get(evaluateur=animateur)
    assert evaluation.qualite == Evaluation.Qualite.ANIMATEUR
    assert list(evaluation.notes.values_list("valeur", flat=True)) == [3]


@pytest.mark.parametrize("valeur", ["0", "5", "-1", "3.5", "quatre"])
def test_a_score_out_of_scale_is_refused_on_the_page(client, cohorte, valeur):
    session, animateur, membres, (motivation, _) = cohorte
    connecter(client, animateur)
    reponse = client.post(
        reverse(
            "partenaires:session_evaluation",
            kwargs={"pk": session.pk, "participation": membres[0].pk},
        ),
        {f"note_{motivation.pk}": valeur},
    )
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "La note doit être comprise entre 1 et 4." in contenu or "nombre entier" in contenu
    assert not Evaluation.objects.exists()


def test_a_manager_sees_and_changes_only_their_own_grid(client, cohorte):
    session, _, membres, (motivation, _) = cohorte
    moi, autre = EvaluateurInviteFactory(session=session), EvaluateurInviteFactory(session=session)
    from parrainages.services.selection import evaluation_enregistrer

    evaluation_enregistrer(
        participation=membres[0],
        qualite=Evaluation.Qualite.MANAGER,
        evaluateur_invite=autre,
        notes={motivation.pk: (1, "Commentaire de l'autre manager")},
    )
    jeton = evaluateur_lien_emettre(moi).rstrip("/").rsplit("/", 1)[-1]
    liste = client.get(reverse("selection_evaluation", kwargs={"jeton": jeton}))
    assert liste.status_code == 200
    url = reverse("selection_evaluation_membre", kwargs={"jeton": jeton, "pk": membres[0].pk})
    page = client.get(url).content.decode()
    assert "Commentaire de l'autre manager" not in page
    assert client.post(url, {f"note_{motivation.pk}": "4"}).status_code == 302
    assert Note.objects.get(evaluation__evaluateur_invite=moi).valeur == 4
    assert Note.objects.get(evaluation__evaluateur_invite=autre).valeur == 1
    # A member of another session: not through this link.
    ailleurs = candidature_invitee(session_selection(programme=session.programme))
    assert (
        client.get(
            reverse("selection_evaluation_membre", kwargs={"jeton": jeton, "pk": ailleurs.pk})
        ).status_code
        == 404
    )


def test_an_expired_or_replaced_managers_link_is_refused_in_french(client, cohorte):
    session, _, membres, (motivation, _) = cohorte
    manager = EvaluateurInviteFactory(session=session)
    ancien = evaluateur_lien_emettre(manager).rstrip("/").rsplit("/", 1)[-1]
    nouveau = evaluateur_lien_emettre(manager).rstrip("/").rsplit("/", 1)[-1]
    url = reverse("selection_evaluation_membre", kwargs={"jeton": ancien, "pk": membres[0].pk})
    reponse = client.post(url, {f"note_{motivation.pk}": "3"})
    assert reponse.status_code == 404
    assert "remplacé par un lien plus récent" in reponse.content.decode()
    manager.refresh_from_db()
    manager.jeton_expire_le = timezone.now() - dt.timedelta(seconds=1)
    manager.save()
    reponse = client.get(reverse("selection_evaluation", kwargs={"jeton": nouveau}))
    assert reponse.status_code == 404
    assert "Ce lien a expiré" in reponse.content.decode()
    assert not Evaluation.objects.exists()


# --- A prescriber invites --------------------------------------------------------------------


def test_a_prescriber_invites_the_people_their_partner_referred(client):
    prescripteur = MembreFactory()
    session = session_selection(capacite=1)
    a_moi = CandidatureFactory(
        programme=session.programme, en_etude=True, prescripteur=prescripteur.partenaire
    )
    pas_a_moi = CandidatureFactory(
        programme=session.programme, en_etude=True, prescripteur=PartenaireFactory()
    )
    connecter(client, prescripteur.user)
    url = reverse("partenaires:session", kwargs={"pk": session.pk})
    page = client.get(url)
    assert page.status_code == 200
    offertes = set(page.context["form"].fields["candidatures"].queryset)
    assert offertes == {a_moi}
    # Another partner's referral, posted by hand: refused, nothing changed.
    reponse = client.post(url, {"candidatures": [pas_a_moi.pk]})
    assert reponse.status_code == 200
    assert not ParticipationSelection.objects.exists()
    mail.outbox.clear()
    assert client.post(url, {"candidatures": [a_moi.pk]}).status_code == 302
    a_moi.refresh_from_db()
    assert a_moi.statut == S.INVITEE_SELECTION
    assert any(m.attachments for m in mail.outbox)


def test_an_unrelated_member_does_not_see_the_session(client):
    session = session_selection()
    connecter(client, MembreFactory().user)
    assert client.get(reverse("partenaires:session", kwargs={"pk": session.pk})).status_code == 404
    assert session.titre not in client.get(reverse("partenaires:sessions")).content.decode()


# --- The admin -------------------------------------------------------------------------------


def test_staff_create_a_session_and_its_half_days_are_generated(client):
    from tests.programmes.factories import ProgrammeFactory

    programme = ProgrammeFactory()
    connecter(client, gestionnaire())
    debut = timezone.localdate() + dt.timedelta(days=10)
    donnees = {
        "programme": programme.pk,
        "titre": "Semaine d'avril",
        "date_debut": debut.isoformat(),
        "date_fin": (debut + dt.timedelta(days=2)).isoformat(),
        "adresse": "1 place Kléber",
        "capacite": "12",
        "demi_journees-TOTAL_FORMS": "0",
        "demi_journees-INITIAL_FORMS": "0",
        "evaluateurs_invites-TOTAL_FORMS": "0",
        "evaluateurs_invites-INITIAL_FORMS": "0",
    }
    url = reverse("admin:parrainages_sessionselection_add")
    reponse = client.post(url, {**donnees, "date_fin": (debut + dt.timedelta(days=20)).isoformat()})
    assert reponse.status_code == 200
    assert "au plus 15 jours" in reponse.content.decode()
    assert client.post(url, donnees).status_code == 302
    session = SessionSelection.objects.get()
    assert session.demi_journees.count() == 6


def test_the_cohort_sheet_invites_decides_and_prints(
    client, cohorte, django_assert_max_num_queries
):
    session, _, membres, _ = cohorte
    staff = gestionnaire()
    connecter(client, staff)
    url = reverse("admin:parrainages_sessionselection_fiche", args=[session.pk])
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    nouvelle = CandidatureFactory(programme=session.programme, en_etude=True)
    assert client.post(url, {"action": "inviter", "candidatures": [nouvelle.pk]}).status_code == 302
    assert session.participations.count() == 4
    motif = MotifRefusFactory()
    client.post(url, {"action": "decider", "participation": membres[0].pk, "decision": "retenue"})
    client.post(
        url,
        {
            "action": "decider",
            "participation": membres[1].pk,
            "decision": "non_retenue",
            "motif": motif.pk,
            "precision": "Projet à préciser",
        },
    )
    # Not retained without a reason: refused, nothing changed.
    client.post(
        url, {"action": "decider", "participation": membres[2].pk, "decision": "non_retenue"}
    )
    statuts = dict(ParticipationSelection.objects.values_list("pk", "candidature__statut"))
    assert statuts[membres[0].pk] == S.RETENUE
    assert statuts[membres[1].pk] == S.REFUSEE
    assert statuts[membres[2].pk] == S.INVITEE_SELECTION
    # Withdrawn: back to study.
    client.post(url, {"action": "retirer", "participation": membres[2].pk})
    assert Candidature.objects.get(pk=membres[2].candidature_id).statut == S.EN_ETUDE
    # Closing with a member undecided: refused in French, the session stays open.
    client.post(url, {"action": "demarrer"})
    reponse = client.post(url, {"action": "clore"}, follow=True)
    assert "sans décision du jury" in html.unescape(reponse.content.decode())
    derniere = session.participations.filter(decision="").first()
    client.post(
        url, {"action": "decider", "participation": derniere.pk, "decision": "liste_attente"}
    )
    assert client.post(url, {"action": "clore"}).status_code == 302
    session.refresh_from_db()
    assert session.statut == SessionSelection.Statut.CLOSE
    pdf = client.get(reverse("admin:parrainages_sessionselection_fiche_pdf", args=[session.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_a_decision_on_a_closed_application_is_refused_on_the_sheet(client, cohorte):
    session, _, membres, _ = cohorte
    Candidature.objects.filter(pk=membres[0].candidature_id).update(statut=S.DESISTEE)
    connecter(client, gestionnaire())
    url = reverse("admin:parrainages_sessionselection_fiche", args=[session.pk])
    reponse = client.post(
        url,
        {"action": "decider", "participation": membres[0].pk, "decision": "retenue"},
        follow=True,
    )
    assert "le jury ne peut plus en décider" in html.unescape(reponse.content.decode())
    membres[0].refresh_from_db()
    assert membres[0].decision == ""


def test_staff_invite_applications_from_their_list(client):
    session = session_selection(capacite=2)
    candidatures = CandidatureFactory.create_batch(2, programme=session.programme, en_etude=True)
    connecter(client, gestionnaire())
    url = reverse("admin:parrainages_candidature_changelist")
    choix = {
        "action": "candidatures_inviter_action",
        "_selected_action": [c.pk for c in candidatures],
        "index": "0",
    }
    page = client.post(url, choix)
    assert page.status_code == 200
    assert session.titre in page.content.decode()
    assert client.post(url, {**choix, "session": session.pk}).status_code == 302
    assert session.participations.count() == 2


def test_staff_attendance_grid_and_grid_pages(client, cohorte):
    session, _, membres, (motivation, _) = cohorte
    connecter(client, gestionnaire())
    url = reverse("admin:parrainages_sessionselection_presences", args=[session.pk])
    assert client.get(url).status_code == 200
    matin = session.demi_journees.first()
    assert client.post(url, {f"p-{membres[0].pk}-{matin.pk}": "absent"}).status_code == 302
    evaluation = reverse(
        "admin:parrainages_sessionselection_evaluation", args=[session.pk, membres[0].pk]
    )
    assert client.get(evaluation).status_code == 200
    assert client.post(evaluation, {f"note_{motivation.pk}": "2"}).status_code == 302
    assert Evaluation.objects.get().qualite == Evaluation.Qualite.EQUIPE


def test_new_dates_leaving_out_attendance_are_refused_on_the_form(client, cohorte):
    from tests.mentorat.helpers import form_data

    session, _, membres, _ = cohorte
    dernier = session.demi_journees.order_by("-date").first()
    Presence.objects.create(participation=membres[0], demi_journee=dernier, etat="present")
    connecter(client, gestionnaire())
    url = reverse("admin:parrainages_sessionselection_change", args=[session.pk])
    donnees = form_data(client.get(url))
    donnees["date_fin"] = (session.date_fin - dt.timedelta(days=1)).isoformat()
    reponse = client.post(url, donnees)
    assert reponse.status_code == 200
    assert "changez d'abord ces présences" in html.unescape(reponse.content.decode())
    session.refresh_from_db()
    assert session.demi_journees.filter(pk=dernier.pk).exists()


def test_the_calendar_entry_covers_the_whole_week():
    from icalendar import Calendar

    from parrainages.ics import session_selection_ics

    session = session_selection()
    (evenement,) = Calendar.from_ical(session_selection_ics(session)).walk("VEVENT")
    assert evenement.decoded("dtstart") == session.date_debut
    # RFC 5545: the end of an all-day event is the day after its last day.
    assert evenement.decoded("dtend") == session.date_fin + dt.timedelta(days=1)
    assert "Strasbourg" in str(evenement["location"])


def test_staff_send_managers_their_links_and_run_the_session(client, cohorte):
    from mentorat.models import Envoi

    session, _, membres, _ = cohorte
    manager = EvaluateurInviteFactory(session=session)
    connecter(client, gestionnaire())
    url = reverse("admin:parrainages_sessionselection_changelist")
    mail.outbox.clear()
    choix = {"_selected_action": [session.pk], "index": "0"}
    assert client.post(url, {**choix, "action": "envoyer_liens"}).status_code == 302
    (message,) = mail.outbox
    assert message.to == [manager.email] and "/selection/evaluation/" in message.body
    assert Envoi.objects.get(regle="selection_evaluateur").confidentiel
    client.post(url, {**choix, "action": "demarrer"})
    session.refresh_from_db()
    assert session.statut == SessionSelection.Statut.EN_COURS
    # Closing with members undecided: refused, the session stays open.
    client.post(url, {**choix, "action": "clore"})
    session.refresh_from_db()
    assert session.statut == SessionSelection.Statut.EN_COURS


def test_the_applicant_reads_their_week_on_their_space(client, django_assert_max_num_queries):
    session = session_selection(titre="Semaine de mars")
    membre = candidature_invitee(session)
    client.force_login(membre.candidature.filleul.user)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("filleul:tableau_de_bord")).content.decode()
    assert "Votre semaine de sélection : « Semaine de mars »" in html.unescape(page)
    assert "12 rue du Jeu-des-Enfants" in page


def test_a_read_only_member_neither_invites_nor_fills_grids(client, cohorte):
    from partenaires.models import Membre

    session, _animateur, membres, _ = cohorte
    lecteur = MembreFactory(partenaire=session.animateur, role=Membre.Role.LECTEUR)
    orientee = CandidatureFactory(
        programme=session.programme, en_etude=True, prescripteur=session.animateur
    )
    connecter(client, lecteur.user)
    url = reverse("partenaires:session", kwargs={"pk": session.pk})
    page = html.unescape(client.get(url).content.decode())
    assert "lecture seule" in page and "Inviter et prévenir" not in page
    refus = client.post(url, {"candidatures": [orientee.pk]})
    assert "lecture seule" in html.unescape(refus.content.decode())
    orientee.refresh_from_db()
    assert orientee.statut != S.INVITEE_SELECTION

    presences = reverse("partenaires:session_presences", kwargs={"pk": session.pk})
    matin = session.demi_journees.first()
    refus = client.post(presences, {f"p-{membres[0].pk}-{matin.pk}": "present"})
    assert refus.status_code == 400 and "lecture seule" in html.unescape(refus.content.decode())
    assert not Presence.objects.exists()

    grille = reverse(
        "partenaires:session_evaluation", kwargs={"pk": session.pk, "participation": membres[0].pk}
    )
    assert client.get(grille).status_code == 200
    client.post(grille, {})
    assert not Evaluation.objects.exists()
