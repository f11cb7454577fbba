"""Writes of the selection step (see docs/selection.md): a session (cohort) and its half-days,
invitations within its capacity, attendance, assessment grids, the jury's decisions.

Every write locks the session row first (``_session_verrouiller``), then checks and writes:
two staff members, a prescriber and the facilitator acting at once take turns, and the second
one counts what the first one committed (as ``services.capacite`` does for mentors). A refusal
is a French ``ValidationError`` and writes nothing.

The application moves through the services of ``filleul`` (``candidature_inviter_a_la_selection``,
``candidature_retenir``…): each change is recorded and told to the applicant, a minor's
guardians and the prescriber (``decisions.evenement_ecrire``). The session adds its own
invitation, with its dates, place and an .ics.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentorat.envois import courriel_ecrire

from ..ics import session_selection_ics
from ..models import (
    Candidature,
    CritereEvaluation,
    DemiJournee,
    EvaluateurInvite,
    Evaluation,
    MotifRefus,
    Note,
    ParticipationSelection,
    Presence,
    SessionSelection,
)
from .filleul import (
    candidature_etudier,
    candidature_inviter_a_la_selection,
    candidature_mettre_en_attente,
    candidature_refuser,
    candidature_retenir,
)
from .representants import cle_representant, representants_a_informer

D = ParticipationSelection.Decision
# How long after the session's last day a manager's link still opens (to finish a grid).
LIEN_MANAGER_JOURS_APRES = 7


class LienEvaluationInvalide(Exception):
    """A manager's link that is unknown, replaced, expired or whose session is over."""


def _session_verrouiller(session) -> SessionSelection:
    return (
        SessionSelection.objects.select_for_update(of=("self",))
        .select_related("programme", "commune", "animateur")
        .get(pk=session.pk)
    )


def _exiger_ouverte(session):
    if not session.est_ouverte:
        raise ValidationError(
            f"La session « {session.titre} » est {session.get_statut_display().lower()} : "
            "elle ne peut plus être modifiée."
        )


# --- The session and its half-days --------------------------------------------------------------


def session_changement_verifier(session: SessionSelection) -> None:
    """Refuse in French what cannot change once someone is invited: the programme, and a
    capacity below the number already invited (the form calls it too, to show why)."""
    if not session.pk:
        return
    invites = ParticipationSelection.objects.filter(session=session.pk).count()
    if not invites:
        return
    ancien = SessionSelection.objects.filter(pk=session.pk).values_list("programme_id", flat=True)
    if session.programme_id != ancien.first():
        raise ValidationError(
            "Des candidats sont déjà invités à cette session : son programme ne peut plus "
            "changer (annulez-la et créez-en une autre)."
        )
    if session.capacite is not None and session.capacite < invites:
        raise ValidationError(
            f"{invites} candidat(s) sont déjà invités : la capacité ne peut pas être inférieure "
            f"à {invites}."
        )


@transaction.atomic
def session_enregistrer(*, session: SessionSelection) -> SessionSelection:
    """Create or update a session (validated in French) and generate its half-days: a morning
    and an afternoon for each day of its dates. Staff may then drop some; changing the dates
    adds the new days and drops the half-days outside them (refused when one has attendance).

    Once someone is invited, the programme may not change nor the capacity drop below the
    number invited; a change of dates or place raises the session's version and sends each
    invited member still awaiting the week (and a minor's guardians) the update with its
    calendar entry (same UID, higher SEQUENCE)."""
    avant = set()
    change = False
    if session.pk:
        ancienne = _session_verrouiller(session)
        avant = set(ancienne.jours())
        session_changement_verifier(session)
        change = (
            ancienne.date_debut,
            ancienne.date_fin,
            ancienne.adresse,
            ancienne.commune_id,
        ) != (
            session.date_debut,
            session.date_fin,
            session.adresse,
            session.commune_id,
        )
        invites = session.participations.filter(
            candidature__statut=Candidature.Statut.INVITEE_SELECTION
        )
        session.version = ancienne.version + 1 if change and invites.exists() else ancienne.version
    session.full_clean()
    session.save()
    jours = set(session.jours())
    hors = session.demi_journees.exclude(date__in=jours)
    if Presence.objects.filter(demi_journee__in=hors).exists():
        raise ValidationError(
            "Des présences sont saisies sur des demi-journées hors des nouvelles dates : "
            "changez d'abord ces présences."
        )
    hors.delete()
    # Only the new days get their half-days: those staff dropped stay dropped.
    DemiJournee.objects.bulk_create(
        [
            DemiJournee(session=session, date=jour, moment=moment)
            for jour in sorted(jours - avant)
            for moment in (DemiJournee.Moment.MATIN, DemiJournee.Moment.APRES_MIDI)
        ],
        ignore_conflicts=True,
    )
    if session.pk and change:
        for participation in invites.select_related("candidature__filleul__user").order_by("pk"):
            _invitation_ecrire(session, participation, methode="REQUEST", modification=True)
    return session


@transaction.atomic
def session_demarrer(*, session) -> SessionSelection:
    session = _session_verrouiller(session)
    session.demarrer()
    session.save(update_fields=["statut"])
    return session


@transaction.atomic
def session_clore(*, session) -> SessionSelection:
    """The jury is over: refused while a member awaiting it has no decision (a member whose
    application moved on meanwhile, e.g. who withdrew, awaits nothing)."""
    session = _session_verrouiller(session)
    restants = session.participations.filter(
        decision="", candidature__statut=Candidature.Statut.INVITEE_SELECTION
    ).count()
    if restants:
        raise ValidationError(
            f"{restants} participant(s) sans décision du jury : la session ne peut pas être close."
        )
    session.clore()
    session.save(update_fields=["statut", "close_le"])
    return session


@transaction.atomic
def session_annuler(*, session, par) -> SessionSelection:
    """Cancelled: the members not decided go back to study (told), and their invitation is
    withdrawn from their calendar."""
    session = _session_verrouiller(session)
    session.annuler()
    session.save(update_fields=["statut"])
    for participation in session.participations.filter(decision="").select_related(
        "candidature__filleul__user"
    ):
        candidature = participation.candidature
        if candidature.statut == Candidature.Statut.INVITEE_SELECTION:
            candidature_etudier(candidature=candidature, par=par)
        _invitation_ecrire(session, participation, methode="CANCEL")
    return session


# --- Invitations --------------------------------------------------------------------------------


@transaction.atomic
def participants_inviter(
    *, session, candidatures: Iterable[Candidature], par, partenaires=None
) -> list[ParticipationSelection]:
    """Invite applications to the session, all or none. ``partenaires``: when a prescriber
    invites, the partners they act for; only the applications those partners referred may be
    invited. Refused when the session is full (counted under the session's lock)."""
    session = _session_verrouiller(session)
    _exiger_ouverte(session)
    candidatures = list(
        Candidature.objects.filter(pk__in=[c.pk for c in candidatures])
        .select_related("filleul__user", "programme")
        .order_by("pk")
    )
    if not candidatures:
        raise ValidationError("Choisissez au moins une candidature à inviter.")
    deja = set(
        session.participations.filter(candidature__in=candidatures).values_list(
            "candidature_id", flat=True
        )
    )
    for candidature in candidatures:
        nom = _nom(candidature)
        if candidature.programme_id != session.programme_id:
            raise ValidationError(
                f"{nom} a candidaté à un autre programme que celui de la session."
            )
        if partenaires is not None and candidature.prescripteur_id not in {
            p.pk for p in partenaires
        }:
            raise ValidationError(f"{nom} n'a pas été orienté(e) par votre structure.")
        if candidature.pk in deja:
            raise ValidationError(f"{nom} est déjà invité(e) à cette session.")
    prises = session.participations.count()
    if prises + len(candidatures) > session.capacite:
        raise ValidationError(
            f"La session « {session.titre} » est complète : {prises} place(s) prise(s) sur "
            f"{session.capacite}, {len(candidatures)} invitation(s) demandée(s)."
        )
    participations = []
    for candidature in candidatures:
        try:
            candidature = candidature_inviter_a_la_selection(candidature=candidature, par=par)
        except ValidationError as exc:
            raise ValidationError(f"{_nom(candidature)} : {' '.join(exc.messages)}") from None
        participation = ParticipationSelection.objects.create(
            session=session, candidature=candidature, invitee_par=par
        )
        _invitation_ecrire(session, participation, methode="REQUEST")
        participations.append(participation)
    return participations


@transaction.atomic
def participation_retirer(*, participation, par) -> None:
    """The invitation is withdrawn: the application, if still invited, goes back to study
    (told); the member leaves the cohort with their attendance and assessments, their calendar
    entry is cancelled. Refused once the jury decided."""
    session = _session_verrouiller(participation.session)
    _exiger_ouverte(session)
    participation = ParticipationSelection.objects.select_related(
        "candidature__filleul__user", "candidature__programme"
    ).get(pk=participation.pk, session=session)
    if participation.decision:
        raise ValidationError(
            f"Le jury a déjà décidé pour {_nom(participation.candidature)} : l'invitation ne "
            "peut plus être retirée."
        )
    if participation.candidature.statut == Candidature.Statut.INVITEE_SELECTION:
        candidature_etudier(candidature=participation.candidature, par=par)
    _invitation_ecrire(session, participation, methode="CANCEL")
    participation.delete()


def _nom(candidature) -> str:
    user = candidature.filleul.user
    return user.get_full_name() if user else f"Candidature n° {candidature.pk}"


def _invitation_ecrire(session, participation, *, methode: str, modification: bool = False):
    """The session's own invitation (or its cancellation, or with ``modification`` its update
    after new dates or place) to the applicant and a minor's guardians: dates, place,
    half-days and an .ics (its SEQUENCE is the session's version)."""
    candidature = participation.candidature
    filleul = candidature.filleul
    annulation = methode == "CANCEL"
    jointes = [
        {
            "nom": "semaine-de-selection.ics",
            "contenu": session_selection_ics(session, methode=methode),
            "type": f"text/calendar; charset=utf-8; method={methode}",
        }
    ]
    sujet = (
        f"Programme « {session.programme.nom} » : "
        + (
            "invitation annulée"
            if annulation
            else "votre semaine de sélection change"
            if modification
            else "votre semaine de sélection"
        )
        + f" du {session.date_debut:%d/%m/%Y}"
    )
    contexte = {
        "session": session,
        "demi_journees": list(session.demi_journees.all()),
        "annulation": annulation,
        "modification": modification,
        "representant": None,
        "prenom": filleul.user.first_name if filleul.user else "",
    }
    prefixe = f"selection_invitation:{participation.pk}:{methode}"
    if session.version:
        # One e-mail per version of the session: a later change is a new message.
        prefixe += f":v{session.version}"
    if filleul.user is not None:
        courriel_ecrire(
            regle="selection_invitation",
            cle=f"{prefixe}:u{filleul.user_id}",
            a=filleul.user.email,
            destinataire=filleul.user,
            sujet=sujet,
            gabarit="parrainages/emails/selection_invitation",
            contexte=contexte,
            pieces_jointes=jointes,
        )
    for representant in representants_a_informer(filleul, jour=session.date_debut):
        courriel_ecrire(
            regle="selection_invitation",
            cle=cle_representant(prefixe, representant.pk),
            a=representant.email,
            sujet=sujet,
            gabarit="parrainages/emails/selection_invitation",
            contexte={**contexte, "representant": representant},
            pieces_jointes=jointes,
        )


# --- Attendance ---------------------------------------------------------------------------------


@transaction.atomic
def selection_presences_enregistrer(*, session, saisies: dict, par) -> int:
    """Save the whole attendance grid at once. ``saisies`` maps ``(participation_id,
    demi_journee_id)`` to a ``Presence.Etat`` value, or to "" to clear the cell. A person not
    in the cohort, a half-day not of the session or an unknown value refuses the whole grid
    (nothing written). Returns the number of cells written or cleared."""
    session = _session_verrouiller(session)
    _exiger_ouverte(session)
    membres = set(session.participations.values_list("pk", flat=True))
    demi_journees = set(session.demi_journees.values_list("pk", flat=True))
    etats = set(Presence.Etat.values)
    for (participation_id, demi_journee_id), etat in saisies.items():
        if participation_id not in membres:
            raise ValidationError(
                "Une des personnes de la grille ne fait pas partie de cette session : "
                "rien n'a été enregistré."
            )
        if demi_journee_id not in demi_journees:
            raise ValidationError(
                "Une des demi-journées de la grille n'appartient pas à cette session : "
                "rien n'a été enregistré."
            )
        if etat and etat not in etats:
            raise ValidationError(
                "Une présence doit être « présent(e) », « absent(e) » ou « excusé(e) » : "
                "rien n'a été enregistré."
            )
    existantes = {
        (p.participation_id, p.demi_journee_id): p
        for p in Presence.objects.filter(participation__session=session)
    }
    n = 0
    for cle, etat in saisies.items():
        presence = existantes.get(cle)
        if not etat:
            if presence is not None:
                presence.delete()
                n += 1
            continue
        if presence is None:
            Presence.objects.create(
                participation_id=cle[0], demi_journee_id=cle[1], etat=etat, saisie_par=par
            )
            n += 1
        elif presence.etat != etat:
            presence.etat, presence.saisie_par, presence.saisie_le = etat, par, timezone.now()
            presence.save(update_fields=["etat", "saisie_par", "saisie_le"])
            n += 1
    return n


# --- Assessment grids ---------------------------------------------------------------------------


@transaction.atomic
def evaluation_enregistrer(
    *,
    participation,
    qualite: str,
    notes: dict,
    commentaire: str = "",
    evaluateur=None,
    evaluateur_invite=None,
) -> Evaluation:
    """Save one evaluator's grid for one member (created or replaced). ``notes`` maps a
    criterion id to ``(valeur or None, commentaire)``; a criterion left blank is not scored
    yet (a grid may be half-filled). A criterion of another programme or a score out of its
    scale refuses the whole grid (nothing written)."""
    if (evaluateur is None) == (evaluateur_invite is None):
        raise ValueError("One evaluator: an account or a manager's link.")
    session = _session_verrouiller(participation.session)
    _exiger_ouverte(session)
    participation = ParticipationSelection.objects.get(pk=participation.pk, session=session)
    if evaluateur_invite is not None and evaluateur_invite.session_id != session.pk:
        raise ValidationError("Ce manager n'évalue pas cette session.")
    criteres = {c.pk: c for c in CritereEvaluation.objects.filter(programme=session.programme_id)}
    propres = {}
    for critere_id, (valeur, texte) in notes.items():
        critere = criteres.get(critere_id)
        if critere is None:
            raise ValidationError(
                "Un des critères n'appartient pas à la grille du programme : rien n'a été "
                "enregistré."
            )
        texte = (texte or "").strip()
        if valeur is None:
            if texte:
                raise ValidationError(
                    f"« {critere.libelle} » : donnez une note pour accompagner le commentaire."
                )
            continue
        if not (critere.note_min <= valeur <= critere.note_max):
            raise ValidationError(
                f"La note de « {critere.libelle} » doit être comprise entre "
                f"{critere.note_min} et {critere.note_max} : rien n'a été enregistré."
            )
        propres[critere_id] = (valeur, texte)
    identite = (
        {"evaluateur_invite": evaluateur_invite}
        if evaluateur_invite is not None
        else {"evaluateur": evaluateur}
    )
    evaluation, _ = Evaluation.objects.get_or_create(
        participation=participation, **identite, defaults={"qualite": qualite}
    )
    evaluation.qualite = qualite
    evaluation.commentaire = (commentaire or "").strip()
    evaluation.save(update_fields=["qualite", "commentaire", "updated_at"])
    evaluation.notes.exclude(critere_id__in=propres).delete()
    for critere_id, (valeur, texte) in propres.items():
        Note.objects.update_or_create(
            evaluation=evaluation,
            critere_id=critere_id,
            defaults={"valeur": valeur, "commentaire": texte},
        )
    return evaluation


def _hash(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


@transaction.atomic
def evaluateur_lien_emettre(evaluateur: EvaluateurInvite) -> str:
    """A new personal link for a manager (the previous one stops working): returns its URL.
    Only the hash of the secret is kept; it expires a week after the session's last day."""
    evaluateur = (
        EvaluateurInvite.objects.select_for_update().select_related("session").get(pk=evaluateur.pk)
    )
    jeton = secrets.token_urlsafe(32)
    fin = dt.datetime.combine(
        evaluateur.session.date_fin + dt.timedelta(days=LIEN_MANAGER_JOURS_APRES + 1),
        dt.time.min,
        tzinfo=timezone.get_current_timezone(),
    )
    evaluateur.jeton_hash = _hash(jeton)
    evaluateur.jeton_expire_le = fin
    evaluateur.save(update_fields=["jeton_hash", "jeton_expire_le"])
    return f"{settings.SITE_URL}{reverse('selection_evaluation', kwargs={'jeton': jeton})}"


@transaction.atomic
@transaction.atomic
def evaluateur_enregistrer(*, evaluateur: EvaluateurInvite) -> EvaluateurInvite:
    """Save a manager staff typed (admin inline). A corrected e-mail drops the link sent to
    the old address: it stops working at once; the new one goes with « Envoyer leur lien aux
    managers »."""
    if evaluateur.pk:
        ancien = EvaluateurInvite.objects.select_for_update().get(pk=evaluateur.pk)
        if ancien.email.strip().lower() != (evaluateur.email or "").strip().lower():
            evaluateur.jeton_hash = ""
            evaluateur.jeton_expire_le = None
    evaluateur.full_clean()
    evaluateur.save()
    return evaluateur


def evaluateur_inviter(*, evaluateur: EvaluateurInvite) -> None:
    """E-mail a manager their personal link (a new one: the previous one stops working). The
    message carries an access link: confidential (staff never read it in the outbox)."""
    lien = evaluateur_lien_emettre(evaluateur)
    session = evaluateur.session
    courriel_ecrire(
        regle="selection_evaluateur",
        cle=f"selection_evaluateur:{evaluateur.pk}:{_hash(lien)[:16]}",
        a=evaluateur.email,
        sujet=f"{session.programme.nom} : vos grilles d'évaluation ({session.titre})",
        gabarit="parrainages/emails/selection_evaluateur",
        contexte={"evaluateur": evaluateur, "session": session, "lien": lien},
        confidentiel=True,
    )


def evaluateur_depuis_jeton(jeton: str) -> EvaluateurInvite:
    """The manager a link belongs to, or ``LienEvaluationInvalide`` with a French reason."""
    evaluateur = (
        EvaluateurInvite.objects.select_related("session__programme")
        .filter(jeton_hash=_hash(jeton or ""))
        .exclude(jeton_hash="")
        .first()
    )
    if evaluateur is None:
        raise LienEvaluationInvalide(
            "Ce lien n'est pas valide : il a peut-être été remplacé par un lien plus récent. "
            "Utilisez le dernier lien reçu par e-mail, ou demandez-en un nouveau à l'équipe."
        )
    if evaluateur.jeton_expire_le is None or evaluateur.jeton_expire_le <= timezone.now():
        raise LienEvaluationInvalide(
            "Ce lien a expiré. Demandez à l'équipe du programme de vous en envoyer un nouveau."
        )
    if not evaluateur.session.est_ouverte:
        raise LienEvaluationInvalide(
            "Cette session de sélection est terminée : ses grilles ne sont plus modifiables."
        )
    return evaluateur


# --- The jury -----------------------------------------------------------------------------------


@transaction.atomic
def decision_enregistrer(
    *, participation, decision: str, par, motif: MotifRefus | None = None, precision: str = ""
) -> ParticipationSelection:
    """The jury's decision on one member, applied to the application through its services (so
    the applicant, guardians and prescriber are told). Refused, nothing changed, when the
    member is already decided or the application is closed (withdrawn, already decided)."""
    session = _session_verrouiller(participation.session)
    _exiger_ouverte(session)
    participation = (
        ParticipationSelection.objects.select_for_update(of=("self",))
        .select_related("candidature__filleul__user")
        .get(pk=participation.pk, session=session)
    )
    candidature = participation.candidature
    nom = _nom(candidature)
    if participation.decision:
        raise ValidationError(
            f"Le jury a déjà décidé pour {nom} ({participation.get_decision_display()})."
        )
    if decision not in D.values:
        raise ValidationError(
            "Choisissez une décision : retenu(e), non retenu(e) ou liste d'attente."
        )
    if candidature.statut != Candidature.Statut.INVITEE_SELECTION:
        raise ValidationError(
            f"La candidature de {nom} est « {candidature.get_statut_display()} » : le jury ne "
            "peut plus en décider."
        )
    if decision == D.RETENUE:
        candidature_retenir(candidature=candidature, par=par)
    elif decision == D.LISTE_ATTENTE:
        candidature_mettre_en_attente(candidature=candidature, par=par)
    else:
        if motif is None:
            raise ValidationError("Choisissez le motif de non-retenue dans la liste.")
        candidature_refuser(candidature=candidature, par=par, motif=motif, precision=precision)
    participation.decision = decision
    participation.motif = motif if decision == D.NON_RETENUE else None
    participation.precision = (precision or "").strip() if decision == D.NON_RETENUE else ""
    participation.decidee_le = timezone.now()
    participation.decidee_par = par
    participation.save(
        update_fields=["decision", "motif", "precision", "decidee_le", "decidee_par"]
    )
    return participation
