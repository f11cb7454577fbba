"""The selection step (issue #16, point 3): a session (cohort) and its half-days, invitations
within its capacity, attendance, assessment grids (staff, facilitator, company managers with a
personal link), the jury's decision applied to the application and told, the cohort sheet.
Bad input is refused in French with nothing changed."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from parrainages.models import (
    Candidature,
    DemiJournee,
    Evaluation,
    Note,
    ParticipationSelection,
    Presence,
    SessionSelection,
)
from parrainages.selection import candidatures_invitables, fiche_cohorte
from parrainages.services.selection import (
    LienEvaluationInvalide,
    decision_enregistrer,
    evaluateur_depuis_jeton,
    evaluateur_inviter,
    evaluateur_lien_emettre,
    evaluation_enregistrer,
    participants_inviter,
    participation_retirer,
    selection_presences_enregistrer,
    session_annuler,
    session_clore,
    session_demarrer,
    session_enregistrer,
)
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    CritereEvaluationFactory,
    EvaluateurInviteFactory,
    FilleulFactory,
    MineurFactory,
    MotifRefusFactory,
    ParrainageFactory,
    SortieCandidatureFactory,
    SortieFactory,
    candidature_invitee,
    session_selection,
)
from tests.partenaires.factories import MembreFactory, PartenaireFactory
from tests.programmes.factories import EtapeFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

S = Candidature.Statut
D = ParticipationSelection.Decision


def jeton_de(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


# --- The session -----------------------------------------------------------------------------


def test_half_days_are_generated_from_the_dates_and_dropped_ones_stay_dropped():
    session = session_selection(date_fin=timezone.localdate() + dt.timedelta(days=9))
    assert session.demi_journees.count() == 6
    assert list(session.demi_journees.values_list("moment", flat=True)[:2]) == [
        DemiJournee.Moment.MATIN,
        DemiJournee.Moment.APRES_MIDI,
    ]
    # Staff drop the last afternoon, then change the title: it does not come back.
    session.demi_journees.order_by("date", "moment").first().delete()
    session.titre = "Semaine de mars"
    session_enregistrer(session=session)
    assert session.demi_journees.count() == 5
    # One more day: two more half-days.
    session.date_fin += dt.timedelta(days=1)
    session_enregistrer(session=session)
    assert session.demi_journees.count() == 7


@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        ({"date_fin": dt.date(2026, 3, 1)}, "date_fin", "Le dernier jour doit suivre"),
        ({"date_fin": dt.date(2026, 3, 20)}, "date_fin", "au plus 15 jours"),
        ({"capacite": 0}, "capacite", "1"),
    ],
)
def test_a_session_is_validated_in_french(champs, champ, message):
    valeurs = {"date_debut": dt.date(2026, 3, 2), "date_fin": dt.date(2026, 3, 6), **champs}
    with pytest.raises(ValidationError) as exc:
        session_selection(**valeurs)
    assert message in " ".join(exc.value.message_dict[champ])
    assert not SessionSelection.objects.exists()


def test_the_step_must_be_of_the_sessions_programme():
    with pytest.raises(ValidationError) as exc:
        session_selection(etape=EtapeFactory())
    assert "n'appartient pas au programme" in exc.value.message_dict["etape"][0]


# --- Invitations -----------------------------------------------------------------------------


@pytest.fixture
def orientee():
    """An application under review, referred by a partner (a counsellor is told)."""
    partenaire = PartenaireFactory(nom="Mission locale Strasbourg")
    conseillere = MembreFactory(partenaire=partenaire, user__email="conseillere@ml.fr").user
    candidature = CandidatureFactory(
        en_etude=True,
        prescripteur=partenaire,
        filleul=FilleulFactory(user__email="lina@exemple.fr", user__first_name="Lina"),
    )
    from partenaires.models import Prescription

    Prescription.objects.create(
        partenaire=partenaire,
        conseiller=conseillere,
        programme=candidature.programme,
        filleul=candidature.filleul,
        prenom="Lina",
        nom="B",
        email="lina@exemple.fr",
    )
    return candidature


def test_an_invitation_moves_the_application_and_sends_dates_place_and_ics(orientee):
    session = session_selection(programme=orientee.programme, animateur=PartenaireFactory())
    mail.outbox.clear()
    (participation,) = participants_inviter(
        session=session, candidatures=[orientee], par=gestionnaire()
    )
    orientee.refresh_from_db()
    assert orientee.statut == S.INVITEE_SELECTION
    assert participation.session == session
    sujets = {m.to[0]: m.subject for m in mail.outbox}
    # The status change, told to the applicant and the prescriber; and the session's own.
    assert sujets["conseillere@ml.fr"].endswith("invitée à la semaine de sélection")
    invitation = next(m for m in mail.outbox if "votre semaine de sélection" in m.subject)
    assert invitation.to == ["lina@exemple.fr"]
    assert "12 rue du Jeu-des-Enfants" in invitation.body
    assert "matin" in invitation.body
    (nom, contenu, type_mime) = invitation.attachments[0]
    assert nom == "semaine-de-selection.ics"
    assert "BEGIN:VEVENT" in (contenu if isinstance(contenu, str) else contenu.decode())
    assert type_mime.startswith("text/calendar")
    assert len([m for m in mail.outbox if m.to == ["lina@exemple.fr"]]) == 2


def test_a_full_session_refuses_in_french_and_nothing_changes():
    session = session_selection(capacite=2)
    candidature_invitee(session)
    candidature_invitee(session)
    autre = CandidatureFactory(programme=session.programme, en_etude=True)
    with pytest.raises(ValidationError) as exc:
        participants_inviter(session=session, candidatures=[autre], par=None)
    assert "est complète : 2 place(s) prise(s) sur 2" in exc.value.messages[0]
    autre.refresh_from_db()
    assert autre.statut == S.EN_ETUDE
    assert session.participations.count() == 2


def test_many_at_once_past_capacity_invite_none():
    session = session_selection(capacite=2)
    candidatures = CandidatureFactory.create_batch(3, programme=session.programme, en_etude=True)
    with pytest.raises(ValidationError):
        participants_inviter(session=session, candidatures=candidatures, par=None)
    assert not session.participations.exists()
    assert not Candidature.objects.filter(statut=S.INVITEE_SELECTION).exists()


def test_a_prescriber_invites_only_what_their_partner_referred(orientee):
    session = session_selection(programme=orientee.programme)
    autre_partenaire = PartenaireFactory()
    with pytest.raises(ValidationError) as exc:
        participants_inviter(
            session=session, candidatures=[orientee], par=None, partenaires=[autre_partenaire]
        )
    assert "n'a pas été orienté(e) par votre structure" in exc.value.messages[0]
    participants_inviter(
        session=session, candidatures=[orientee], par=None, partenaires=[orientee.prescripteur]
    )
    assert list(candidatures_invitables(session)) == []


def test_an_application_of_another_programme_or_closed_is_refused():
    session = session_selection()
    with pytest.raises(ValidationError) as exc:
        participants_inviter(
            session=session, candidatures=[CandidatureFactory(en_etude=True)], par=None
        )
    assert "autre programme" in exc.value.messages[0]
    retenue = CandidatureFactory(programme=session.programme, retenue=True)
    with pytest.raises(ValidationError) as exc:
        participants_inviter(session=session, candidatures=[retenue], par=None)
    assert "Passage impossible" in exc.value.messages[0]
    assert not session.participations.exists()


def _ics(message) -> str:
    (nom, contenu, _type) = message.attachments[0]
    assert nom == "semaine-de-selection.ics"
    return contenu if isinstance(contenu, str) else contenu.decode()


def test_new_dates_or_place_are_sent_to_the_invited_and_guardians_with_a_higher_sequence():
    session = session_selection(capacite=3)
    adulte = candidature_invitee(session)
    mineur = candidature_invitee(session, filleul=MineurFactory())
    parent = mineur.candidature.filleul.representants_legaux.get().email
    invitation = next(
        m
        for m in mail.outbox
        if m.to == [adulte.candidature.filleul.user.email]
        and "semaine de sélection" in m.subject
        and m.attachments
    )
    assert "SEQUENCE:0" in _ics(invitation)
    uid = next(x for x in _ics(invitation).splitlines() if x.startswith("UID:"))
    mail.outbox.clear()
    # Nothing changed: nothing sent.
    session_enregistrer(session=SessionSelection.objects.get(pk=session.pk))
    assert mail.outbox == []

    session = SessionSelection.objects.get(pk=session.pk)
    session.date_debut += dt.timedelta(days=7)
    session.date_fin += dt.timedelta(days=7)
    session_enregistrer(session=session)
    destinataires = sorted(m.to[0] for m in mail.outbox)
    assert destinataires == sorted(
        [adulte.candidature.filleul.user.email, mineur.candidature.filleul.user.email, parent]
    )
    for message in mail.outbox:
        assert "change" in message.subject
        assert "METHOD:REQUEST" in _ics(message)
        assert "SEQUENCE:1" in _ics(message)
        assert uid in _ics(message)
    mail.outbox.clear()
    # A second change: a new message (a new key), a higher sequence again.
    session = SessionSelection.objects.get(pk=session.pk)
    session.adresse = "3 place Kléber, Strasbourg"
    session_enregistrer(session=session)
    assert len(mail.outbox) == 3
    assert all("SEQUENCE:2" in _ics(m) for m in mail.outbox)
    assert "3 place Kléber" in mail.outbox[0].body


def test_programme_and_capacity_cannot_drop_under_the_invited():
    session = session_selection(capacite=3)
    candidature_invitee(session)
    candidature_invitee(session)
    session = SessionSelection.objects.get(pk=session.pk)
    session.capacite = 1
    with pytest.raises(ValidationError, match="capacité ne peut pas être inférieure à 2"):
        session_enregistrer(session=session)
    session = SessionSelection.objects.get(pk=session.pk)
    session.programme = ProgrammeFactory()
    with pytest.raises(ValidationError, match="programme ne peut plus changer"):
        session_enregistrer(session=session)
    session = SessionSelection.objects.get(pk=session.pk)
    assert (session.capacite, session.version) == (3, 0)


def test_withdrawing_an_invitation_moves_the_application_back_to_study():
    session = session_selection()
    participation = candidature_invitee(session)
    mail.outbox.clear()
    participation_retirer(participation=participation, par=None)
    candidature = Candidature.objects.get(pk=participation.candidature_id)
    assert candidature.statut == S.EN_ETUDE
    assert not session.participations.exists()
    assert any("invitation annulée" in m.subject for m in mail.outbox)


# --- Attendance ------------------------------------------------------------------------------


def test_the_whole_grid_is_saved_at_once():
    session = session_selection()
    a, b = candidature_invitee(session), candidature_invitee(session)
    matin, aprem = session.demi_journees.all()[:2]
    n = selection_presences_enregistrer(
        session=session,
        saisies={
            (a.pk, matin.pk): Presence.Etat.PRESENT,
            (b.pk, matin.pk): Presence.Etat.EXCUSE,
            (a.pk, aprem.pk): Presence.Etat.ABSENT,
            (b.pk, aprem.pk): "",
        },
        par=None,
    )
    assert n == 3
    # Corrected, and a cell cleared.
    selection_presences_enregistrer(
        session=session,
        saisies={(a.pk, aprem.pk): Presence.Etat.PRESENT, (b.pk, matin.pk): ""},
        par=None,
    )
    assert sorted(Presence.objects.values_list("etat", flat=True)) == ["present", "present"]


@pytest.mark.parametrize("intrus", ["personne", "demi_journee", "etat"])
def test_attendance_for_someone_not_in_the_cohort_is_refused_and_nothing_changes(intrus):
    session = session_selection()
    autre = session_selection(programme=session.programme)
    membre = candidature_invitee(session)
    etranger = candidature_invitee(autre)
    matin = session.demi_journees.first()
    saisies = {(membre.pk, matin.pk): Presence.Etat.PRESENT}
    if intrus == "personne":
        saisies[(etranger.pk, matin.pk)] = Presence.Etat.PRESENT
    elif intrus == "demi_journee":
        saisies[(membre.pk, autre.demi_journees.first().pk)] = Presence.Etat.PRESENT
    else:
        saisies[(membre.pk, matin.pk)] = "en_retard"
    with pytest.raises(ValidationError) as exc:
        selection_presences_enregistrer(session=session, saisies=saisies, par=None)
    assert "rien n'a été enregistré" in exc.value.messages[0]
    assert not Presence.objects.exists()


# --- Assessment grids ------------------------------------------------------------------------


@pytest.fixture
def grille():
    session = session_selection()
    criteres = [
        CritereEvaluationFactory(programme=session.programme, libelle="Motivation"),
        CritereEvaluationFactory(programme=session.programme, libelle="Savoir-être"),
    ]
    return session, criteres, candidature_invitee(session)


def test_a_grid_may_be_half_filled_then_completed(grille):
    session, (motivation, savoir_etre), membre = grille
    staff = gestionnaire()
    evaluation_enregistrer(
        participation=membre,
        qualite=Evaluation.Qualite.EQUIPE,
        evaluateur=staff,
        notes={motivation.pk: (3, "Très investie"), savoir_etre.pk: (None, "")},
    )
    evaluation = evaluation_enregistrer(
        participation=membre,
        qualite=Evaluation.Qualite.EQUIPE,
        evaluateur=staff,
        notes={motivation.pk: (4, ""), savoir_etre.pk: (2, "Retards")},
        commentaire="À suivre",
    )
    assert Evaluation.objects.count() == 1
    assert dict(evaluation.notes.values_list("critere__libelle", "valeur")) == {
        "Motivation": 4,
        "Savoir-être": 2,
    }


@pytest.mark.parametrize("valeur", [0, 5, 99])
def test_a_score_out_of_scale_is_refused_and_nothing_changes(grille, valeur):
    session, (motivation, savoir_etre), membre = grille
    with pytest.raises(ValidationError) as exc:
        evaluation_enregistrer(
            participation=membre,
            qualite=Evaluation.Qualite.EQUIPE,
            evaluateur=gestionnaire(),
            notes={motivation.pk: (3, ""), savoir_etre.pk: (valeur, "")},
        )
    assert "« Savoir-être » doit être comprise entre 1 et 4" in exc.value.messages[0]
    assert not Evaluation.objects.exists()
    assert not Note.objects.exists()


def test_a_criterion_of_another_programme_is_refused(grille):
    session, _criteres, membre = grille
    etranger = CritereEvaluationFactory()
    with pytest.raises(ValidationError):
        evaluation_enregistrer(
            participation=membre,
            qualite=Evaluation.Qualite.EQUIPE,
            evaluateur=gestionnaire(),
            notes={etranger.pk: (2, "")},
        )
    assert not Evaluation.objects.exists()


def test_a_managers_link_works_until_replaced_or_expired(grille):
    session, (motivation, _), membre = grille
    manager = EvaluateurInviteFactory(session=session)
    mail.outbox.clear()
    evaluateur_inviter(evaluateur=manager)
    (message,) = mail.outbox
    assert message.to == [manager.email]
    premier = jeton_de(next(ligne for ligne in message.body.split() if "/selection/" in ligne))
    assert evaluateur_depuis_jeton(premier) == manager
    # A new link: the first one, reused, no longer opens.
    second = jeton_de(evaluateur_lien_emettre(manager))
    with pytest.raises(LienEvaluationInvalide, match="remplacé"):
        evaluateur_depuis_jeton(premier)
    assert evaluateur_depuis_jeton(second) == manager
    manager.refresh_from_db()
    manager.jeton_expire_le = timezone.now() - dt.timedelta(minutes=1)
    manager.save(update_fields=["jeton_expire_le"])
    with pytest.raises(LienEvaluationInvalide, match="expiré"):
        evaluateur_depuis_jeton(second)


def test_a_corrected_email_in_the_admin_drops_the_managers_link(grille, rf):
    from django.contrib import admin

    from parrainages.admin_selection import EvaluateurInviteInline, SessionSelectionAdmin

    session, _, _ = grille
    manager = EvaluateurInviteFactory(session=session, email="ancienne@exemple.fr")
    autre = EvaluateurInviteFactory(session=session)
    lien = jeton_de(evaluateur_lien_emettre(manager))
    lien_autre = jeton_de(evaluateur_lien_emettre(autre))
    requete = rf.post("/")
    requete.user = gestionnaire()
    Formset = EvaluateurInviteInline(SessionSelection, admin.site).get_formset(requete, session)
    donnees = {
        "evaluateurs_invites-TOTAL_FORMS": "2",
        "evaluateurs_invites-INITIAL_FORMS": "2",
        "evaluateurs_invites-MIN_NUM_FORMS": "0",
        "evaluateurs_invites-MAX_NUM_FORMS": "1000",
    }
    for i, (m, email) in enumerate(((manager, "nouvelle@exemple.fr"), (autre, autre.email))):
        donnees |= {
            f"evaluateurs_invites-{i}-id": str(m.pk),
            f"evaluateurs_invites-{i}-session": str(session.pk),
            f"evaluateurs_invites-{i}-prenom": m.prenom,
            f"evaluateurs_invites-{i}-nom": m.nom,
            f"evaluateurs_invites-{i}-entreprise": "Nouvelle entreprise",
            f"evaluateurs_invites-{i}-email": email,
        }
    formset = Formset(donnees, instance=session, prefix="evaluateurs_invites")
    assert formset.is_valid(), formset.errors
    SessionSelectionAdmin(SessionSelection, admin.site).save_formset(
        requete, None, formset, change=True
    )
    manager.refresh_from_db()
    assert (manager.email, manager.jeton_hash, manager.jeton_expire_le) == (
        "nouvelle@exemple.fr",
        "",
        None,
    )
    with pytest.raises(LienEvaluationInvalide):
        evaluateur_depuis_jeton(lien)
    # The other manager's address did not change: their link still works.
    assert evaluateur_depuis_jeton(lien_autre) == autre


def test_managers_are_anonymised_a_year_after_their_session(grille, settings):
    from parrainages import retention

    session, (motivation, _), membre = grille
    manager = EvaluateurInviteFactory(session=session)
    evaluation_enregistrer(
        participation=membre,
        qualite=Evaluation.Qualite.MANAGER,
        evaluateur_invite=manager,
        notes={motivation.pk: (3, "")},
    )
    fin = session.date_fin
    la_veille = timezone.make_aware(
        dt.datetime.combine(
            fin + dt.timedelta(days=settings.RETENTION_EVALUATEURS_JOURS), dt.time(12)
        )
    )
    assert retention.evaluateurs_anonymiser(la_veille) == 0
    lendemain = la_veille + dt.timedelta(days=1)
    assert retention.evaluateurs_anonymiser(lendemain, dry_run=True) == 1
    assert retention.retention_appliquer(maintenant=lendemain).evaluateurs_anonymises == 1
    manager.refresh_from_db()
    assert manager.prenom == "" and "anonymisé" in manager.nom
    assert manager.email.endswith("@anonyme.invalid") and manager.jeton_hash == ""
    # The scores stay (unnamed), and a second run changes nothing.
    assert Note.objects.filter(evaluation__evaluateur_invite=manager).count() == 1
    assert retention.evaluateurs_anonymiser(lendemain) == 0


def test_a_managers_link_stops_with_the_session(grille):
    session, _, membre = grille
    manager = EvaluateurInviteFactory(session=session)
    jeton = jeton_de(evaluateur_lien_emettre(manager))
    session_annuler(session=session, par=None)
    with pytest.raises(LienEvaluationInvalide, match="terminée"):
        evaluateur_depuis_jeton(jeton)


# --- The jury --------------------------------------------------------------------------------


def test_the_jurys_decisions_move_the_applications_and_are_told(orientee):
    session = session_selection(programme=orientee.programme)
    (retenu,) = participants_inviter(session=session, candidatures=[orientee], par=None)
    refuse, attente = candidature_invitee(session), candidature_invitee(session)
    session_demarrer(session=session)
    staff = gestionnaire()
    mail.outbox.clear()
    decision_enregistrer(participation=retenu, decision=D.RETENUE, par=staff)
    assert [m.to for m in mail.outbox] and any(
        m.to == ["conseillere@ml.fr"] and "retenue" in m.subject for m in mail.outbox
    )
    motif = MotifRefusFactory(libelle="Projet à mûrir", texte_candidat="Texte doux.")
    decision_enregistrer(
        participation=refuse,
        decision=D.NON_RETENUE,
        par=staff,
        motif=motif,
        precision="À revoir en juin",
    )
    decision_enregistrer(participation=attente, decision=D.LISTE_ATTENTE, par=staff)
    statuts = {
        p.pk: p.candidature.statut
        for p in ParticipationSelection.objects.select_related("candidature")
    }
    assert statuts == {retenu.pk: S.RETENUE, refuse.pk: S.REFUSEE, attente.pk: S.LISTE_ATTENTE}
    refuse.refresh_from_db()
    assert (refuse.motif, refuse.precision, refuse.decidee_par) == (
        motif,
        "À revoir en juin",
        staff,
    )
    session_clore(session=session)
    session.refresh_from_db()
    assert session.statut == SessionSelection.Statut.CLOSE


def test_a_decision_on_a_closed_application_is_refused_and_nothing_changes():
    session = session_selection()
    participation = candidature_invitee(session)
    Candidature.objects.filter(pk=participation.candidature_id).update(statut=S.DESISTEE)
    with pytest.raises(ValidationError) as exc:
        decision_enregistrer(participation=participation, decision=D.RETENUE, par=None)
    assert "« Désistement » : le jury ne peut plus en décider" in exc.value.messages[0]
    participation.refresh_from_db()
    assert participation.decision == ""
    assert Candidature.objects.get(pk=participation.candidature_id).statut == S.DESISTEE


def test_a_member_is_decided_once():
    session = session_selection()
    participation = candidature_invitee(session)
    decision_enregistrer(participation=participation, decision=D.LISTE_ATTENTE, par=None)
    with pytest.raises(ValidationError, match="déjà décidé"):
        decision_enregistrer(participation=participation, decision=D.RETENUE, par=None)


def test_not_retained_needs_a_reason_of_the_list():
    session = session_selection()
    participation = candidature_invitee(session)
    with pytest.raises(ValidationError, match="motif"):
        decision_enregistrer(participation=participation, decision=D.NON_RETENUE, par=None)
    assert Candidature.objects.get(pk=participation.candidature_id).statut == (S.INVITEE_SELECTION)


def test_a_session_closes_only_when_every_member_is_decided():
    session = session_selection()
    candidature_invitee(session)
    session_demarrer(session=session)
    with pytest.raises(ValidationError, match="1 participant"):
        session_clore(session=session)
    session.refresh_from_db()
    assert session.statut == SessionSelection.Statut.EN_COURS


def test_a_closed_session_takes_nothing_more():
    session = session_selection()
    participation = candidature_invitee(session)
    session_demarrer(session=session)
    decision_enregistrer(participation=participation, decision=D.RETENUE, par=None)
    session_clore(session=session)
    with pytest.raises(ValidationError, match="close"):
        participants_inviter(
            session=session,
            candidatures=[CandidatureFactory(programme=session.programme, en_etude=True)],
            par=None,
        )


def test_cancelling_sends_the_undecided_back_to_study():
    session = session_selection()
    participation = candidature_invitee(session)
    session_annuler(session=session, par=None)
    assert Candidature.objects.get(pk=participation.candidature_id).statut == S.EN_ETUDE


# --- The cohort sheet ------------------------------------------------------------------------


def test_the_cohort_sheet_counts_attendance_averages_and_the_later_path(
    grille, django_assert_max_num_queries
):
    session, (motivation, savoir_etre), membre = grille
    autres = [candidature_invitee(session) for _ in range(4)]
    demi = list(session.demi_journees.all())
    selection_presences_enregistrer(
        session=session,
        saisies={
            (membre.pk, demi[0].pk): Presence.Etat.PRESENT,
            (membre.pk, demi[1].pk): Presence.Etat.ABSENT,
            (membre.pk, demi[2].pk): Presence.Etat.PRESENT,
        },
        par=None,
    )
    for note in (2, 4):
        evaluation_enregistrer(
            participation=membre,
            qualite=Evaluation.Qualite.EQUIPE,
            evaluateur=gestionnaire(),
            notes={motivation.pk: (note, "")},
        )
    decision_enregistrer(participation=membre, decision=D.RETENUE, par=None)
    binome = ParrainageFactory(
        filleul=membre.candidature.filleul, programme=session.programme, termine=True
    )
    SortieFactory(parrainage=binome, type="cdi")
    for autre in autres:
        ParrainageFactory(filleul=autre.candidature.filleul, programme=session.programme)
    with django_assert_max_num_queries(6):
        fiche = fiche_cohorte(session)
    ligne = fiche["lignes"][0]
    assert (ligne["presents"], ligne["absents"], ligne["excuses"]) == (2, 1, 0)
    assert ligne["moyennes"] == [3.0, None]
    assert ligne["binome"] == binome
    assert ligne["sortie_fin"].get_type_display() == "CDI"
    assert fiche["sans_decision"] == 4
    assert ("Retenu(e)", 1) in fiche["decisions"]


def test_the_cohort_sheet_reads_outcomes_without_a_pair_and_formed_pairs_only(
    django_assert_num_queries,
):
    import io

    from pypdf import PdfReader

    from mentorat.pdf import rendre_pdf

    session = session_selection()
    sans_binome, refuse = candidature_invitee(session), candidature_invitee(session)
    for membre in (sans_binome, refuse):
        decision_enregistrer(participation=membre, decision=D.RETENUE, par=None)
    # Retained, never paired: the outcome recorded on the application.
    SortieCandidatureFactory(candidature=sans_binome.candidature, moment="fin", type="cdi")
    SortieCandidatureFactory(
        candidature=sans_binome.candidature, moment="six_mois", type="formation"
    )
    # A proposal the mentor declined is no pair.
    ParrainageFactory(
        filleul=refuse.candidature.filleul, programme=session.programme, statut="decline"
    )

    def requetes():
        with django_assert_num_queries(6) as contexte:
            fiche_cohorte(session)
        return len(contexte.captured_queries)

    fiche = fiche_cohorte(session)
    ligne, ligne_refuse = fiche["lignes"]
    assert ligne["binome"] is None
    assert ligne["sortie_fin"].get_type_display() == "CDI"
    assert ligne["sortie_six_mois"].type == "formation"
    assert ligne_refuse["binome"] is None
    texte = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(rendre_pdf("parrainages/pdf/cohorte.html", fiche))).pages
    )
    assert "sortie : CDI" in texte
    assert "Décliné" not in texte
    # Bounded: the same number of queries with more members (some with outcomes).
    avant = requetes()
    for _ in range(3):
        autre = candidature_invitee(session)
        SortieCandidatureFactory(candidature=autre.candidature, moment="fin", type="cdi")
    assert requetes() == avant


def test_a_programme_needs_no_grid_to_run_a_session():
    session = session_selection(programme=ProgrammeFactory())
    assert fiche_cohorte(session)["criteres"] == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_invitations_respect_the_capacity(postgres):
    """Four invitations at the same instant for the last place: one gets it."""
    from tests.concurrence import simultanement

    session = session_selection(capacite=2)
    candidature_invitee(session)
    candidatures = CandidatureFactory.create_batch(4, programme=session.programme, en_etude=True)
    resultats = simultanement(
        *(
            lambda c=c: participants_inviter(session=session, candidatures=[c], par=None)
            for c in candidatures
        )
    )
    gagnants = [r for r in resultats if isinstance(r, list)]
    perdants = [r for r in resultats if isinstance(r, ValidationError)]
    assert len(gagnants) == 1 and len(perdants) == 3, resultats
    assert all("est complète" in e.messages[0] for e in perdants)
    assert session.participations.count() == 2
    assert Candidature.objects.filter(statut=S.INVITEE_SELECTION).count() == 2


def test_a_member_who_withdrew_does_not_hold_the_closing_up():
    from parrainages.services import candidature_desister

    session = session_selection()
    parti, reste = candidature_invitee(session), candidature_invitee(session)
    session_demarrer(session=session)
    candidature_desister(candidature=parti.candidature, par=None)
    decision_enregistrer(participation=reste, decision=D.RETENUE, par=None)
    session_clore(session=session)
    session.refresh_from_db()
    assert session.statut == SessionSelection.Statut.CLOSE
    assert Candidature.objects.get(pk=parti.candidature_id).statut == S.DESISTEE
