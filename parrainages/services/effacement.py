"""Erasing an account: one service for every kind of person and every place they are.

A mentee, a mentor, a partner member (or one person who is several of them) goes the same
way, whoever asks: the person from their space, staff from the admin, the retention task
after the inactivity period. What statistics count stays, without identity; everything that
names the person goes, in the database and in the stored files:

- the account (e-mail addresses, authenticators, signature codes, partner memberships go with
  it) and all its sessions;
- the mentee profile's identity (birth day and month, France Travail identifier), the
  mentor profile's company, role, presentation and availability (a mentor never validated,
  with nothing to count, is deleted);
- every free text of the person's pairs, whichever side they were on: objectives, reasons,
  meeting places, subjects, links and notes, immersion conventions (their text, sealed PDF,
  every person named and free field) and their assessments' comments, outcome employers and
  comments; the reasons written on their applications;
- the charters of their pairs (frozen text, cancellation reason, sealed PDF, the identity of
  every party frozen on them: a minor's guardians too), and their own identity and network
  traces on every document they were called to sign (``mentorat.signatures.parties_effacer``);
- the outbox: rows addressed to them, and rows about their pairs addressed to someone else
  (cancelled if not sent yet);
- a minor's legal guardians: their rows, their identity as parties of the consents to the
  applications (and those consents' frozen text), the messages written to them;
- what the apps above this one hold of them, through their extensions
  (``parrainages.extensions``; partenaires: the referrals that name them, linked to their
  profile or sent to their address, and the partner reports that list them, produced again
  without their name);
- the audit trail and Django's history of admin actions;
- what waited on them: their open applications are withdrawn (out of the staff's review
  queue), their proposals set aside, their pairs in progress ended (meetings to come
  cancelled, the other party and the coordinators told), their event registrations to come
  cancelled (``_parcours_clore``; ``parcours_effaces_clore`` for people erased before).

Files are deleted only once the transaction is committed: an erasure that fails leaves every
row and every file as they were.
"""

import datetime as dt
import functools
import operator

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from mentorat.audit import EFFACE, historique_admin_anonymiser, journal_anonymiser
from mentorat.envois import (
    courriel_ecrire,
    envois_anonymiser,
    envois_effacer,
    envois_sans_compte_anonymiser,
)
from mentorat.fields import fichier_supprimer_apres_validation
from mentorat.models import Envoi, Partie, User
from mentorat.sessions import sessions_supprimer
from mentorat.signatures import (
    IDENTITE_EFFACEE,
    parties_des_documents_effacer,
    parties_effacer,
)
from mentorat.suppression import supprimer
from programmes.models import Inscription

from ..extensions import extensions
from ..models import (
    AutorisationParentale,
    BilanImmersion,
    Candidature,
    Charte,
    Evaluation,
    EvenementCandidature,
    Filleul,
    Immersion,
    Note,
    ObjectifBinome,
    Parrain,
    Parrainage,
    ParticipationSelection,
    PointEtape,
    Presence,
    Rencontre,
    RepresentantLegal,
    Sortie,
)
from .evenements import inscriptions_a_venir_annuler, inscriptions_de
from .mineurs import ROLE_PREFIXE
from .representants import cle_representant


@transaction.atomic
def compte_effacer(*, user, notifier: bool = True) -> None:
    """Erase the identity of the person behind ``user`` everywhere (see the module's text).

    A confirmation is e-mailed to the address that goes unless ``notifier`` is false (the
    admin, the retention task).
    """
    from ..relances import envois_des_binomes

    user = User.objects.select_for_update().get(pk=user.pk)
    # No address: an account a partner's counsellor created, not claimed yet.
    email, prenom, user_id = user.email or "", user.first_name, user.pk
    mentions = [m for m in (email, user.get_full_name()) if m]
    filleul = Filleul.objects.select_for_update().filter(user=user).first()
    parrain = Parrain.objects.select_for_update().filter(user=user).first()
    paires = Parrainage.objects.none()
    if filleul is not None:
        paires |= Parrainage.objects.filter(filleul=filleul)
    if parrain is not None:
        paires |= Parrainage.objects.filter(parrain=parrain)
    paires = list(paires.values_list("pk", flat=True))
    traces = _traces(user=user, filleul=filleul, parrain=parrain, paires=paires)
    # Read while the account still leads to them (the profiles lose it on the way).
    inscriptions = list(inscriptions_de(user).values_list("pk", flat=True))
    historique = {
        **traces,
        EmailAddress: list(EmailAddress.objects.filter(user=user).values_list("pk", flat=True)),
    }

    # Before the rows change: what names the person in the outbox, then in the apps above
    # (their referrals and reports), which also tell the names and records they knew.
    envois_effacer(ids=envois_des_binomes(paires))
    if filleul is not None:
        noms, objets = _representants_effacer(filleul, paires)
        mentions += noms
        historique.update(objets)
    for extension in extensions():
        noms, objets = extension.effacer(user=user, filleul=filleul)
        mentions += noms
        historique.update(objets)

    _binomes_effacer(paires)
    if filleul is not None:
        filleul.user = None
        filleul.date_naissance = dt.date(filleul.date_naissance.year, 1, 1)
        filleul.identifiant_france_travail = ""
        # The postal address goes; the priority-neighbourhood result and code stay, as the
        # commune does (programme statistics); its source names the address, the staff's
        # reason may name the person: both go.
        filleul.adresse = filleul.adresse_complement = filleul.code_postal = ""
        filleul.qpv_source = filleul.qpv_motif = ""
        # A self-declared family situation goes (partenaires.publics reads it for statistics).
        filleul.parent_isole = None
        filleul.anonymise_le = timezone.now()
        filleul.save()
        Candidature.objects.filter(filleul=filleul).update(motif_refus="")
        # The outcomes of their applications (people without a pair): the same as a pair's.
        Sortie.objects.filter(candidature__filleul=filleul).update(employeur="", commentaire="")
        _historique_des_candidatures_effacer(filleul)
        _selection_effacer(filleul)
    if parrain is not None:
        _parrain_effacer(parrain)
    parties_effacer(user=user)
    envois_anonymiser(destinataire=user)
    sessions_supprimer(user=user)
    inscriptions_a_venir_annuler(inscriptions=Inscription.objects.filter(pk__in=inscriptions))
    # The account and what cascades from it, their audit entries written in bulk.
    supprimer([user])
    # Once nothing names the person any more (their account gone, their profile without
    # identity): what was waiting on them closes, and the messages it writes name no one.
    _parcours_clore(filleul=filleul, paires=paires)
    # Last: the entries the erasure itself just wrote (profile cleared, account deleted) too.
    journal_anonymiser(objets=traces, acteur_id=user_id, acteur_email=email)
    historique_admin_anonymiser(objets=historique, mentions=mentions)
    if notifier:
        # Confidential and with no account left to tie it to: once sent, the row keeps
        # neither the address nor the content (mentorat.envois).
        courriel_ecrire(
            regle="compte_supprime",
            cle=f"compte_supprime:{user_id}",
            a=email,
            sujet="Votre compte a été supprimé",
            gabarit="parrainages/emails/compte_supprime",
            contexte={"prenom": prenom, "contact": settings.CONTACT_EMAIL},
            confidentiel=True,
            repondre_a=settings.CONTACT_EMAIL,
        )


# Applications still waiting for a decision or a pair: withdrawn at the erasure.
CANDIDATURES_OUVERTES = (
    Candidature.Statut.ATTENTE_AUTORISATION,
    Candidature.Statut.DEPOSEE,
    Candidature.Statut.EN_ETUDE,
    Candidature.Statut.INVITEE_SELECTION,
    Candidature.Statut.LISTE_ATTENTE,
    Candidature.Statut.RETENUE,
)


def _candidatures_ouvertes(candidatures):
    """The applications still waiting: a retained one whose pair was formed (it stays
    « Retenue » for good, its pair carrying what followed) is history, not a queue."""
    forme = Parrainage.objects.filter(
        filleul=OuterRef("filleul_id"),
        programme=OuterRef("programme_id"),
        statut__in=Parrainage.STATUTS_FORMES,
    )
    return candidatures.filter(statut__in=CANDIDATURES_OUVERTES).exclude(
        Q(statut=Candidature.Statut.RETENUE) & Exists(forme)
    )


def _parcours_clore(*, filleul, paires: list[int]) -> None:
    """Nothing of an erased person stays waiting in a queue: their open applications are
    withdrawn (the staff's review queue no longer shows them), their proposals set aside, and
    their pairs in progress end (``parrainage_finir``: meetings to come cancelled, the other
    party and the programme's coordinators told, the erased person told nothing).

    Run after the account is deleted and the profile cleared, so that whatever is written
    names no one: a prescriber is told of the withdrawal by the decisions' own message
    (``services.decisions``), which then reads « Filleul anonymisé n° … »; the other party of
    a pair reads that the person deleted their account."""
    from .filleul import candidature_desister
    from .matching import proposition_ecarter
    from .parrain import parrainage_finir

    if filleul is not None:
        for candidature in _candidatures_ouvertes(
            Candidature.objects.filter(filleul=filleul)
        ).order_by("pk"):
            candidature_desister(candidature=candidature, par=None)
    for parrainage in Parrainage.objects.filter(
        pk__in=paires, statut__in=Parrainage.STATUTS_OUVERTS
    ).order_by("pk"):
        if parrainage.statut == Parrainage.Statut.ACTIF:
            parrainage_finir(
                parrainage=parrainage,
                interrompu=True,
                motif="Compte supprimé par l'une des deux personnes.",
                compte_supprime=True,
            )
        else:
            proposition_ecarter(parrainage=parrainage)


def parcours_effaces_clore() -> int:
    """The people erased before their erasure closed what waited on them: their open
    applications, proposals and pairs close now as ``_parcours_clore`` does (the erased mentees'
    profiles, and the mentors' left inactive without an account). Each person in a transaction
    of their own. Returns how many people had something to close."""
    ouverts = Parrainage.objects.filter(statut__in=Parrainage.STATUTS_OUVERTS)
    en_attente = _candidatures_ouvertes(Candidature.objects.filter(filleul=OuterRef("pk")))
    filleuls = Filleul.objects.filter(user__isnull=True, anonymise_le__isnull=False).filter(
        Q(Exists(en_attente)) | Q(parrainages__statut__in=Parrainage.STATUTS_OUVERTS)
    )
    parrains = Parrain.objects.filter(
        user__isnull=True,
        statut=Parrain.Statut.INACTIF,
        parrainages__statut__in=Parrainage.STATUTS_OUVERTS,
    )
    with transaction.atomic():
        inscriptions_a_venir_annuler(
            inscriptions=Inscription.objects.filter(
                Q(filleul__user__isnull=True, filleul__anonymise_le__isnull=False)
                | Q(parrain__user__isnull=True, parrain__statut=Parrain.Statut.INACTIF)
            )
        )
    n = 0
    for filleul in filleuls.distinct().order_by("pk"):
        with transaction.atomic():
            paires = list(ouverts.filter(filleul=filleul).values_list("pk", flat=True))
            _parcours_clore(filleul=filleul, paires=paires)
        n += 1
    for parrain_id in parrains.distinct().order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            paires = list(ouverts.filter(parrain_id=parrain_id).values_list("pk", flat=True))
            _parcours_clore(filleul=None, paires=paires)
        n += 1
    return n


def _binomes_effacer(paires: list[int]) -> None:
    """Free text about a pair may name either party: erased, whichever side is going. Dates,
    statuses, forms, themes and outcome types stay (the indicators count them)."""
    Parrainage.objects.filter(pk__in=paires).update(objectifs="", motif_declin="", motif_fin="")
    Rencontre.objects.filter(parrainage__in=paires).update(
        lieu="", lien="", sujet="", compte_rendu=""
    )
    # Check-ins' comments, and goals in the pair's own words; scores, rounds, progress and
    # the programme's suggested wordings stay (docs/suivi-qualite.md).
    PointEtape.objects.filter(parrainage__in=paires).update(commentaire="")
    ObjectifBinome.objects.filter(parrainage__in=paires, suggestion__isnull=True).update(
        libelle=EFFACE
    )
    immersions = Immersion.objects.filter(parrainage__in=paires)
    for immersion in immersions.exclude(pdf=""):
        fichier_supprimer_apres_validation(immersion.pdf)
    # The convention's text and every free field may name either party; its dates, nature,
    # statuses, fingerprints and assessment's figures stay (the indicators count them).
    immersions.update(
        lieu=EFFACE,
        objectifs=EFFACE,
        activites="",
        competences="",
        risques="",
        epi_detail="",
        tuteur_prenom="",
        tuteur_nom="",
        tuteur_email="",
        tuteur_telephone="",
        representant_prenom="",
        representant_nom="",
        representant_email="",
        representant_telephone="",
        conseiller_prenom="",
        conseiller_nom="",
        conseiller_email="",
        conseiller_telephone="",
        enseignant_prenom="",
        enseignant_nom="",
        enseignant_email="",
        enseignant_telephone="",
        chef_etablissement_prenom="",
        chef_etablissement_nom="",
        chef_etablissement_email="",
        urgence_nom="",
        urgence_telephone="",
        motif_refus="",
        refusee_par="",
        motif_annulation="",
        texte=f"[Texte effacé le {timezone.localdate():%d/%m/%Y} : compte supprimé]",
        pdf="",
        bilan_jeton_hash="",
    )
    # Their parties' frozen identities too (the instants and fingerprints of the signatures
    # stay, for the conventions issued).
    parties_des_documents_effacer(modele=Immersion, ids=immersions.values_list("pk", flat=True))
    BilanImmersion.objects.filter(immersion__parrainage__in=paires).update(
        commentaire="", rempli_par="", competences=[]
    )
    Sortie.objects.filter(parrainage__in=paires).update(employeur="", commentaire="")
    chartes = Charte.objects.filter(parrainage__in=paires)
    for charte in chartes.exclude(pdf=""):
        fichier_supprimer_apres_validation(charte.pdf)
    # Every party's frozen identity goes with the text (whoever they are: the other party, a
    # minor's guardian); the instants and fingerprints of the signatures stay.
    _parties_des_chartes(chartes).update(**IDENTITE_EFFACEE)
    chartes.update(
        texte=f"[Texte effacé le {timezone.localdate():%d/%m/%Y} : compte supprimé]",
        motif_annulation="",
        pdf="",
    )


def _parties_des_chartes(chartes):
    return Partie.objects.filter(
        document_type__app_label="parrainages",
        document_type__model="charte",
        document_id__in=chartes.values("pk"),
    )


def _historique_des_candidatures_effacer(filleul) -> None:
    """The history of the applications keeps its statuses and dates; staff's free text and
    what the person was told go, and so does the content of what the prescribers were sent
    about them (found by the keys ``candidature_evenement:<row>:p<user>``)."""
    evenements = EvenementCandidature.objects.filter(candidature__filleul=filleul)
    prefixes = [f"candidature_evenement:{pk}:p" for pk in evenements.values_list("pk", flat=True)]
    if prefixes:
        cles = Envoi.objects.filter(regle="candidature_evenement_prescripteur").filter(
            functools.reduce(operator.or_, (Q(cle__startswith=p) for p in prefixes))
        )
        envois_sans_compte_anonymiser(cles=list(cles.values_list("cle", flat=True)), adresses=())
    evenements.update(precision="", texte_candidat="")


def _selection_effacer(filleul) -> None:
    """Their cohorts keep attendance, scores and decisions (counted in the cohort's
    figures); what evaluators and staff wrote about them goes."""
    participations = ParticipationSelection.objects.filter(candidature__filleul=filleul)
    participations.update(precision="")
    Evaluation.objects.filter(participation__in=participations).update(commentaire="")
    Note.objects.filter(evaluation__participation__in=participations).update(commentaire="")


def _representants_effacer(filleul, paires: list[int]) -> tuple[list[str], dict]:
    """A minor's legal guardians go with them: their rows, their identity as parties of the
    consents (whose frozen text names the minor), and the messages written to them (found by
    their keys: a guardian has no account). Returns their names and records, for the admin's
    history."""
    representants = list(filleul.representants_legaux.all())
    autorisations = list(
        AutorisationParentale.objects.filter(candidature__filleul=filleul).values_list(
            "pk", flat=True
        )
    )
    parties = list(
        Partie.objects.du_modele(AutorisationParentale)
        .filter(document_id__in=autorisations)
        .values_list("role", "email")
    )
    ids = {r.pk for r in representants} | {
        int(role.removeprefix(ROLE_PREFIXE))
        for role, _ in parties
        if role.startswith(ROLE_PREFIXE) and role.removeprefix(ROLE_PREFIXE).isdigit()
    }
    rencontres = Rencontre.objects.filter(parrainage__in=paires).values_list("pk", "sequence")
    evenements = EvenementCandidature.objects.filter(candidature__filleul=filleul).values_list(
        "pk", flat=True
    )
    participations = ParticipationSelection.objects.filter(
        candidature__filleul=filleul
    ).values_list("pk", flat=True)
    prefixes = [
        *(f"candidature_evenement:{e}" for e in evenements),
        *(f"selection_invitation:{p}:{m}" for p in participations for m in ("REQUEST", "CANCEL")),
        *(f"autorisation_confirmee:{a}" for a in autorisations),
        *(f"parrainage_accepte:{p}" for p in paires),
        *(f"parrainage_fin:{p}" for p in paires),
        # A moved meeting's later invitations name their version (services.rencontres).
        *(
            f"rencontre_invitation:{r}:{m}"
            for r, sequence in rencontres
            for m in ("REQUEST", "CANCEL", *(f"REQUEST-{s}" for s in range(1, sequence + 1)))
        ),
    ]
    envois_sans_compte_anonymiser(
        cles=[cle_representant(prefixe, rl) for prefixe in prefixes for rl in ids],
        adresses={r.email for r in representants} | {email for _, email in parties},
    )
    parties_des_documents_effacer(modele=AutorisationParentale, ids=autorisations)
    AutorisationParentale.objects.filter(pk__in=autorisations).update(
        texte=f"[Texte effacé le {timezone.localdate():%d/%m/%Y} : compte supprimé]"
    )
    noms = [n for r in representants for n in (str(r), r.nom_complet, r.email)]
    objets = {
        RepresentantLegal: [r.pk for r in representants],
        AutorisationParentale: autorisations,
    }
    filleul.representants_legaux.all().delete()
    return noms, objets


def _parrain_effacer(parrain: Parrain) -> None:
    """A mentor never validated, with no pair and no event, leaves nothing to count: the
    profile goes. Otherwise it stays, inactive (no more proposals), without what identifies
    the person; the link to the account goes with the account."""
    if (
        parrain.valide_le is None
        and not parrain.parrainages.exists()
        and not parrain.evenements_organises.exists()
    ):
        parrain.delete()
        return
    parrain.entreprise = ""
    parrain.fonction = ""
    parrain.bio = ""
    parrain.disponibilites = []
    parrain.statut = Parrain.Statut.INACTIF
    parrain.save()


def _traces(*, user, filleul, parrain, paires: list[int]) -> dict:
    """The person's records in the audit trail, by model, as ids (see mentorat.audit)."""
    objets = {User: [user.pk], Parrainage: paires}
    if filleul is not None:
        objets[Filleul] = [filleul.pk]
        objets[Candidature] = list(
            Candidature.objects.filter(filleul=filleul).values_list("pk", flat=True)
        )
        objets[AutorisationParentale] = list(
            AutorisationParentale.objects.filter(candidature__filleul=filleul).values_list(
                "pk", flat=True
            )
        )
        participations = ParticipationSelection.objects.filter(candidature__filleul=filleul)
        objets[ParticipationSelection] = list(participations.values_list("pk", flat=True))
        objets[Presence] = list(
            Presence.objects.filter(participation__in=participations).values_list("pk", flat=True)
        )
        evaluations = Evaluation.objects.filter(participation__in=participations)
        objets[Evaluation] = list(evaluations.values_list("pk", flat=True))
        objets[Note] = list(
            Note.objects.filter(evaluation__in=evaluations).values_list("pk", flat=True)
        )
    if parrain is not None:
        objets[Parrain] = [parrain.pk]
    sorties = Sortie.objects.filter(parrainage__in=paires)
    if filleul is not None:
        sorties |= Sortie.objects.filter(candidature__filleul=filleul)
    objets[Sortie] = list(sorties.values_list("pk", flat=True))
    chartes = Charte.objects.filter(parrainage__in=paires)
    objets[Charte] = list(chartes.values_list("pk", flat=True))
    parties = Partie.objects.filter(user=user) | _parties_des_chartes(chartes)
    # The guardians' parties of the consents to the person's applications name them too.
    parties |= Partie.objects.du_modele(AutorisationParentale).filter(
        document_id__in=objets.get(AutorisationParentale, ())
    )
    # So do the parties of the immersion conventions of their pairs (tutor, host company…).
    parties |= Partie.objects.du_modele(Immersion).filter(
        document_id__in=Immersion.objects.filter(parrainage__in=paires).values("pk")
    )
    objets[Partie] = list(parties.values_list("pk", flat=True).distinct())
    return objets
