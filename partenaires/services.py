"""Writes of the partenaires app: referrals ("prescriptions") and their invitation links;
convention reports (requested, produced by a task, monthly).

The partner's members hear of a monthly report through the reminders outbox
(rule ``rapport_pret`` of ``partenaires.relances``), which sends each e-mail once."""

import contextlib
import datetime as dt
import logging

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mentorat.envois import courriel_ecrire
from mentorat.fields import fichier_supprimer_apres_validation
from mentorat.limites import limite_du_jour_verifier
from mentorat.taches import tache_apres_validation
from mentorat.travaux import PERIME_APRES, battement, prendre

from .models import Convention, Frein, Membre, Partenaire, Prescription, Rapport

logger = logging.getLogger(__name__)

INVITATION_SALT = "mentorat.prescription.invitation"
INVITATION_DUREE_JOURS = 30


class InvitationInvalide(Exception):
    """An invitation link that is expired, tampered with or already used (message in French)."""


def membre_actif(*, user, partenaire) -> bool:
    return Membre.objects.filter(user=user, partenaire=partenaire, actif=True).exists()


LECTURE_SEULE = (
    "Votre rôle dans cette structure est « lecture seule » : vous ne pouvez ni orienter, ni "
    "remettre de code, ni inviter ou noter. Demandez au référent de votre structure de vous "
    "donner le rôle de conseiller."
)


def membre_redacteur(*, user, partenaire) -> bool:
    """An active member whose role writes (a read-only member only reads)."""
    return (
        Membre.objects.filter(user=user, partenaire=partenaire, actif=True)
        .exclude(role=Membre.Role.LECTEUR)
        .exists()
    )


def _verrouiller_compteurs(*, user, partenaire_id: int) -> None:
    """Lock the account, then the partner, for the rest of the transaction: simultaneous
    requests of one person or one partner are then counted against the daily limits one after
    the other (always in this order, so two requests never wait on each other)."""
    from mentorat.models import User

    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    list(Partenaire.objects.select_for_update().filter(pk=partenaire_id).values_list("pk"))


def prescriptions_limiter(*, par, partenaire) -> None:
    """Invitations go to any address: at most so many a day per member and per partner."""
    limite = settings.LIMITE_INVITATIONS_MEMBRE_JOUR
    limite_du_jour_verifier(
        Prescription.objects.filter(conseiller=par),
        limite=limite,
        message=f"Vous avez déjà envoyé {limite} invitations aujourd'hui, le nombre maximal "
        "par personne et par jour : celle-ci pourra partir demain. Si vous avez besoin d'en "
        "envoyer davantage, écrivez à l'équipe du service emploi.",
    )
    limite = settings.LIMITE_INVITATIONS_PARTENAIRE_JOUR
    limite_du_jour_verifier(
        Prescription.objects.filter(partenaire=partenaire),
        limite=limite,
        message=f"{partenaire.nom} a déjà envoyé {limite} invitations aujourd'hui, le nombre "
        "maximal par partenaire et par jour : celle-ci pourra partir demain. Si vous avez "
        "besoin d'en envoyer davantage, écrivez à l'équipe du service emploi.",
    )


@transaction.atomic
def prescription_creer(
    *,
    par,
    partenaire,
    programme,
    prenom: str,
    nom: str,
    email: str,
    message: str = "",
    freins=(),
    diagnostic: str = "",
) -> Prescription:
    """A partner member refers a person to a programme; the invitation is e-mailed.

    Refused beyond the daily limits of the member and of the partner (nothing written)."""
    if not membre_actif(user=par, partenaire=partenaire):
        raise ValidationError("Vous n'êtes pas membre actif de ce partenaire.")
    if not membre_redacteur(user=par, partenaire=partenaire):
        raise ValidationError(LECTURE_SEULE)
    _verrouiller_compteurs(user=par, partenaire_id=partenaire.pk)
    prescriptions_limiter(par=par, partenaire=partenaire)
    # Several structures may refer the same person: every referral is recorded, and nothing
    # here depends on another structure's (no error nor message that would tell of it).
    en_attente = Prescription.objects.filter(
        programme=programme,
        email__iexact=email.strip(),
        utilisee_le__isnull=True,
        conseiller=par,
        partenaire=partenaire,
    ).first()
    if en_attente is not None:
        # The same referral posted twice (a double click, a retry after an error): the
        # member's lock above made this request wait for the first; it is the one.
        return en_attente
    prescription = Prescription.objects.create(
        partenaire=partenaire,
        conseiller=par,
        programme=programme,
        prenom=prenom.strip(),
        nom=nom.strip(),
        email=email.strip().lower(),
        message=message.strip(),
        freins=[f for f in Frein.values if f in set(freins or ())],
        diagnostic=(diagnostic or "").strip(),
    )
    # The link opens a sign-up tied to the referral: the row is confidential (never shown to
    # staff, emptied once sent, its address too, since no account is tied to it yet).
    courriel_ecrire(
        regle="invitation_prescription",
        cle=f"invitation_prescription:{prescription.pk}",
        a=prescription.email,
        sujet=f"Invitation au programme « {programme.nom} »",
        gabarit="partenaires/emails/invitation",
        contexte={
            "prescription": prescription,
            "lien": invitation_url(prescription),
            "duree_jours": INVITATION_DUREE_JOURS,
        },
        confidentiel=True,
    )
    return prescription


def invitation_jeton(prescription: Prescription) -> str:
    return signing.dumps({"p": prescription.pk}, salt=INVITATION_SALT, compress=True)


def invitation_url(prescription: Prescription) -> str:
    path = reverse("invitation", kwargs={"jeton": invitation_jeton(prescription)})
    return f"{settings.SITE_URL}{path}"


def prescription_depuis_jeton(jeton: str) -> Prescription:
    """The referral behind an invitation link, or InvitationInvalide with a French reason."""
    try:
        data = signing.loads(
            jeton, salt=INVITATION_SALT, max_age=INVITATION_DUREE_JOURS * 24 * 3600
        )
    except signing.SignatureExpired:
        raise InvitationInvalide(
            "Ce lien d'invitation a expiré. Demandez à votre conseiller de vous en envoyer un "
            "nouveau, ou inscrivez-vous directement depuis la page du programme."
        ) from None
    except signing.BadSignature:
        raise InvitationInvalide(
            "Ce lien d'invitation n'est pas valide. Vérifiez qu'il a été copié en entier."
        ) from None
    prescription = (
        Prescription.objects.select_related("programme", "partenaire")
        .filter(pk=data.get("p"))
        .first()
    )
    if prescription is None:
        raise InvitationInvalide("Cette invitation n'existe plus.")
    if prescription.utilisee_le is not None:
        raise InvitationInvalide(
            "Cette invitation a déjà été utilisée. Connectez-vous avec votre compte."
        )
    return prescription


def prescription_creditee(*, filleul, programme) -> Prescription | None:
    """The referral an application to ``programme`` is credited to (``Candidature.prescripteur``,
    the indicators), among every structure's referrals of the person (docs/indicateurs.md):

    1. the referral whose link or claim code led to the account the person applied with (the
       first one used, when several were);
    2. else the earliest referral to that programme linked to the person (by staff) or sent
       to the address of the person's account, made before the application.

    The other referrals stay recorded, each seen by its own structure only."""
    utilisee = (
        Prescription.objects.filter(filleul=filleul, programme=programme, utilisee_le__isnull=False)
        .select_related("partenaire")
        .order_by("utilisee_le", "pk")
        .first()
    )
    if utilisee is not None:
        return utilisee
    email = filleul.user.email if filleul.user_id else None
    de_la_personne = Q(filleul=filleul) | (Q(email__iexact=email) if email else Q(pk__in=[]))
    return (
        Prescription.objects.filter(de_la_personne, programme=programme)
        .select_related("partenaire")
        .order_by("created_at", "pk")
        .first()
    )


def prescriptions_relier(*, filleul, programme) -> int:
    """Link every referral of the person to ``programme`` (sent to their account's address)
    to their profile: each referring structure then sees the application's status on its
    portal, and its counsellor is told of the decisions."""
    email = filleul.user.email if filleul.user_id else None
    if not email:
        return 0
    return Prescription.objects.filter(
        programme=programme, email__iexact=email, filleul__isnull=True
    ).update(filleul=filleul)


@transaction.atomic
def prescription_rattacher(*, prescription_id: int, filleul) -> Prescription | None:
    """Link a referral to the mentee profile created from its invitation (once)."""
    from django.utils import timezone

    prescription = (
        Prescription.objects.select_for_update()
        .filter(pk=prescription_id, utilisee_le__isnull=True)
        .first()
    )
    if prescription is None:
        return None
    prescription.filleul = filleul
    prescription.utilisee_le = timezone.now()
    prescription.save(update_fields=["filleul", "utilisee_le"])
    if filleul.prescripteur_id is None:
        filleul.prescripteur = prescription.partenaire
        filleul.save(update_fields=["prescripteur"])
    return prescription


# --- Reports ------------------------------------------------------------------------------------

# A production "in progress" whose heartbeat stopped this long ago was lost with its worker
# (mentorat/travaux.py): the catch-up, every minute, enqueues it again and the task takes it
# over.
REPRISE_APRES = PERIME_APRES


def _abandonne(maintenant) -> Q:
    limite = maintenant - REPRISE_APRES
    return Q(statut=Rapport.Statut.EN_COURS) & (
        Q(battement_le__lt=limite) | Q(battement_le__isnull=True, demarre_le__lt=limite)
    )


def periode_verifier(*, convention: Convention, debut: dt.date, fin: dt.date) -> None:
    """Refuse, in French, a period that ends before it starts or goes beyond the convention's
    dates, or a convention not yet signed."""
    if fin < debut:
        raise ValidationError({"fin": "La fin de la période doit suivre son début."})
    du, au = f"{convention.date_debut:%d/%m/%Y}", f"{convention.date_fin:%d/%m/%Y}"
    hors_convention = {}
    if debut < convention.date_debut:
        hors_convention["debut"] = (
            f"La période commence avant la convention {convention.reference}, qui court du "
            f"{du} au {au}."
        )
    if fin > convention.date_fin:
        hors_convention["fin"] = (
            f"La période finit après la convention {convention.reference}, qui court du "
            f"{du} au {au}."
        )
    if hors_convention:
        raise ValidationError(hors_convention)
    if not convention.est_suivie:
        raise ValidationError(
            f"La convention {convention.reference} est encore un brouillon : ses indicateurs "
            "seront suivis, et ses rapports produits, une fois qu'elle aura été signée."
        )


def rapports_limiter(*, convention: Convention, par) -> None:
    """Reports fill the PDF queue: at most so many requests a day per person (partner member
    or staff) and per partner (its members' requests; automatic reports are not counted)."""
    demandes = Rapport.objects.filter(automatique=False)
    if par.is_staff:
        limite = settings.LIMITE_RAPPORTS_EQUIPE_JOUR
        limite_du_jour_verifier(
            demandes.filter(demande_par=par),
            limite=limite,
            message=f"Vous avez déjà demandé {limite} rapports aujourd'hui, le nombre maximal "
            "par jour pour un membre de l'équipe : les suivants pourront être demandés demain.",
        )
        return
    limite = settings.LIMITE_RAPPORTS_MEMBRE_JOUR
    limite_du_jour_verifier(
        demandes.filter(demande_par=par),
        limite=limite,
        message=f"Vous avez déjà demandé {limite} rapports aujourd'hui, le nombre maximal par "
        "personne et par jour : celui-ci pourra être demandé demain. Les rapports déjà produits "
        "restent téléchargeables depuis la page « Rapports ».",
    )
    limite = settings.LIMITE_RAPPORTS_PARTENAIRE_JOUR
    limite_du_jour_verifier(
        demandes.filter(
            convention__partenaire=convention.partenaire_id, demande_par__is_staff=False
        ),
        limite=limite,
        message=f"Les membres de {convention.partenaire} ont déjà demandé {limite} rapports "
        "aujourd'hui, le nombre maximal par partenaire et par jour : celui-ci pourra être "
        "demandé demain. Les rapports déjà produits restent téléchargeables depuis la page "
        "« Rapports ».",
    )


def rapport_demande_verifier(*, convention: Convention, debut: dt.date, fin: dt.date, par) -> None:
    """Everything that refuses a report request, in French: the period, then the daily limits
    of the person asking (none for a request without a person: demo data, benchmarks)."""
    periode_verifier(convention=convention, debut=debut, fin=fin)
    if par is not None:
        rapports_limiter(convention=convention, par=par)


def rapport_planifier(*, rapport: Rapport) -> None:
    """Produce the report in the background once the current transaction is committed."""
    # Robust: with the broker down the request stands; the catch-up enqueues it later.
    tache_apres_validation("partenaires.produire_rapport", rapport.pk)


# A convention's figures asked to be counted again at most this often (seconds): a burst
# of visits to a page showing its last figures asks once.
TABLEAU_REDEMANDE_APRES = 120


def tableau_faire_recompter(*, convention_id: int, change: bool = False) -> bool:
    """Count the portal's figures of a convention in the background, once the current
    transaction is committed: a visit found only its last figures
    (``selectors.tableau_de_bord_convention``), or (``change``) the convention or its
    objectives changed. A visit asks at most every ``TABLEAU_REDEMANDE_APRES`` seconds per
    convention; a change always asks (a count asked before it would miss it). The scheduled
    count every five minutes catches up whatever a lost task left. Returns whether it was
    asked."""
    cle = f"partenaires:tableau-redemande:{convention_id}"
    if change:
        cache.set(cle, 1, TABLEAU_REDEMANDE_APRES)
    elif not cache.add(cle, 1, TABLEAU_REDEMANDE_APRES):
        return False
    tache_apres_validation("partenaires.recompter_tableau", convention_id)
    return True


@transaction.atomic
def rapport_demander(
    *, convention: Convention, debut: dt.date, fin: dt.date, par=None, sur_le_champ=False
) -> Rapport:
    """A report on ``convention`` for [debut, fin], produced by a task — or at once with
    ``sur_le_champ`` (demo data, benchmarks).

    Refused (ValidationError, nothing written) for a period outside the convention or beyond
    the daily limits of the person asking."""
    if par is not None:
        _verrouiller_compteurs(user=par, partenaire_id=convention.partenaire_id)
        # The same request posted twice (a double click, a retry): the account's lock above
        # made this one wait for the first, which is still on its way: that one.
        en_route = (
            Rapport.objects.filter(
                convention=convention,
                periode_debut=debut,
                periode_fin=fin,
                demande_par=par,
                statut__in=[Rapport.Statut.EN_ATTENTE, Rapport.Statut.EN_COURS],
            )
            .order_by("-pk")
            .first()
        )
        if en_route is not None and not sur_le_champ:
            return en_route
    rapport_demande_verifier(convention=convention, debut=debut, fin=fin, par=par)
    rapport = Rapport.objects.create(
        convention=convention, periode_debut=debut, periode_fin=fin, demande_par=par
    )
    if sur_le_champ:
        return rapport_produire(rapport_id=rapport.pk)
    rapport_planifier(rapport=rapport)
    return rapport


@transaction.atomic
def rapport_relancer(*, rapport: Rapport) -> Rapport:
    """Start a failed production again."""
    rapport.relancer()
    rapport.save(update_fields=["statut", "progression", "erreur"])
    rapport_planifier(rapport=rapport)
    return rapport


def rapport_produire(*, rapport_id: int) -> Rapport | None:
    """Compute a report and store its PDF, CSV and XLSX; progress is written on the row.

    Claimed with a conditional update, so a second delivery of the task does nothing; a
    failure is recorded on the row (``echec``), to be started again from the admin.
    """
    maintenant = timezone.now()
    # The start time is the claim's token (fencing): this claim, and no later one.
    a_moi = prendre(
        Rapport.objects.filter(pk=rapport_id),
        libres=Q(statut=Rapport.Statut.EN_ATTENTE) | _abandonne(maintenant),
        jeton={"statut": Rapport.Statut.EN_COURS, "demarre_le": maintenant},
        battement_le=maintenant,
        progression=5,
        erreur="",
    )
    if a_moi is None:
        return None
    rapport = Rapport.objects.select_related("convention__partenaire").get(pk=rapport_id)
    # In a worker each step commits, so the page sees the progress. Called inside a
    # transaction (in-process tasks, demo), a savepoint keeps a failed query from breaking it.
    en_transaction = transaction.get_connection().in_atomic_block
    try:
        with (
            transaction.atomic() if en_transaction else contextlib.nullcontext(),
            battement(lambda: a_moi.update(battement_le=timezone.now())),
        ):
            _rapport_calculer_fichiers(rapport, a_moi)
    except Exception as exc:
        logger.exception("Rapport %s : échec de la production", rapport_id)
        rapport.refresh_from_db(fields=["statut"])
        rapport.echouer(f"{type(exc).__name__} : {exc}")
        rapport.save(update_fields=["statut", "erreur"])
        return rapport
    return rapport


def _rapport_calculer_fichiers(rapport: Rapport, a_moi) -> None:
    """The figures, then the PDF, CSV and XLSX of a report being produced; saved as ready."""
    from . import documents, selectors

    convention, debut, fin = rapport.convention, rapport.periode_debut, rapport.periode_fin
    contenu = selectors.contenu_rapport(convention, debut, fin)
    a_moi.update(progression=30)
    pdf = documents.rapport_pdf(contenu)
    a_moi.update(progression=60)
    lignes = list(selectors.lignes_filleuls(convention, debut, fin))
    csv = documents.rapport_csv(lignes)
    a_moi.update(progression=75)
    xlsx = documents.rapport_xlsx(contenu, lignes)
    ventilation = documents.rapport_csv_ventilation(contenu)
    a_moi.update(progression=90)
    for champ, contenu_fichier in (("pdf", pdf), ("csv", csv), ("xlsx", xlsx)):
        nom = documents.nom_rapport(rapport, champ).removesuffix(f".{champ}")
        getattr(rapport, champ).save(
            f"{nom}-{rapport.pk}.{champ}", ContentFile(contenu_fichier), save=False
        )
    nom = documents.nom_rapport(rapport, "ventilation").removesuffix(".csv")
    rapport.csv_ventilation.save(f"{nom}-{rapport.pk}.csv", ContentFile(ventilation), save=False)
    rapport.terminer()
    # Ready only if still ours: a report taken back meanwhile (a person listed in it was
    # erased, ``rapports_refaire``) is produced again, and these files are stale.
    fini = a_moi.update(
        statut=rapport.statut,
        progression=rapport.progression,
        genere_le=rapport.genere_le,
        pdf=rapport.pdf.name,
        csv=rapport.csv.name,
        xlsx=rapport.xlsx.name,
        csv_ventilation=rapport.csv_ventilation.name,
    )
    if not fini:
        for fichier in (rapport.pdf, rapport.csv, rapport.xlsx, rapport.csv_ventilation):
            fichier.storage.delete(fichier.name)
        rapport.refresh_from_db()


MOTIF_EFFACEMENT = (
    "Une personne qui y figurait a supprimé son compte ou a été anonymisée : le rapport a été "
    "produit à nouveau sans son nom."
)


def rapports_refaire(*, ids: list[int], motif: str = MOTIF_EFFACEMENT) -> list[int]:
    """Produce reports again, without what they can no longer hold (an erased person's name).

    Called inside the erasing transaction. Reports ready or in production go back to waiting,
    with the reason and date shown to the partner and to staff; their files are deleted once
    the transaction is committed, and only then is the new production enqueued. A production
    running meanwhile does not finish (``_rapport_calculer_fichiers``). Reports waiting or
    failed have no file yet: they will be produced from the erased data anyway.
    """
    repris = []
    for rapport in Rapport.objects.select_for_update().filter(
        pk__in=ids, statut__in=[Rapport.Statut.PRET, Rapport.Statut.EN_COURS]
    ):
        for fichier in (rapport.pdf, rapport.csv, rapport.xlsx, rapport.csv_ventilation):
            fichier_supprimer_apres_validation(fichier)
        rapport.reprendre(motif=motif)
        rapport.save(
            update_fields=[
                "statut",
                "progression",
                "erreur",
                "genere_le",
                "pdf",
                "csv",
                "xlsx",
                "csv_ventilation",
                "reprise_le",
                "motif_reprise",
            ]
        )
        rapport_planifier(rapport=rapport)
        repris.append(rapport.pk)
    return repris


def rapports_a_rattraper(*, enqueue, delai_minutes: int = 2) -> list[int]:
    """Reports still waiting ``delai_minutes`` after their request (the task was lost with the
    broker), or left in production by a dead worker: enqueue each again.

    Safe to run often: ``rapport_produire`` claims a report with a conditional update, so a
    report enqueued twice is produced once.
    """
    maintenant = timezone.now()
    ids = list(
        Rapport.objects.filter(
            Q(
                statut=Rapport.Statut.EN_ATTENTE,
                created_at__lt=maintenant - dt.timedelta(minutes=delai_minutes),
            )
            | _abandonne(maintenant)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for rapport_id in ids:
        enqueue(rapport_id)
    return ids


def mois_precedent(jour: dt.date) -> tuple[dt.date, dt.date]:
    fin = jour.replace(day=1) - dt.timedelta(days=1)
    return fin.replace(day=1), fin


def rapports_mensuels_creer(*, jour: dt.date | None = None) -> list[Rapport]:
    """The previous month's report of every active convention, once, over the days of that
    month the convention covers.

    Safe to run any number of times (the task runs daily, so a missed day is caught up):
    the unique constraint on automatic reports keeps one per convention and month.
    """
    debut, fin = mois_precedent(jour or timezone.localdate())
    crees = []
    conventions = Convention.objects.actives().filter(date_debut__lte=fin, date_fin__gte=debut)
    for convention in conventions.order_by("pk"):
        with transaction.atomic():
            # The month, within the convention's dates (one that starts or ends in it).
            rapport, cree = Rapport.objects.get_or_create(
                convention=convention,
                periode_debut=max(debut, convention.date_debut),
                periode_fin=min(fin, convention.date_fin),
                automatique=True,
            )
            if cree:
                rapport_planifier(rapport=rapport)
                crees.append(rapport)
    return crees
