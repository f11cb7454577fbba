"""Writes of the partenaires app: referrals ("prescriptions") and their invitation links."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from mentorat.emails import envoyer_email

from .models import Membre, Prescription

INVITATION_SALT = "mentorat.prescription.invitation"
INVITATION_DUREE_JOURS = 30


class InvitationInvalide(Exception):
    """An invitation link that is expired, tampered with or already used (message in French)."""


def membre_actif(*, user, partenaire) -> bool:
    return Membre.objects.filter(user=user, partenaire=partenaire, actif=True).exists()


@transaction.atomic
def prescription_creer(
    *, par, partenaire, programme, prenom: str, nom: str, email: str, message: str = ""
) -> Prescription:
    """A partner member refers a person to a programme; the invitation is e-mailed."""
    if not membre_actif(user=par, partenaire=partenaire):
        raise ValidationError("Vous n'êtes pas membre actif de ce partenaire.")
    if Prescription.objects.filter(
        programme=programme, email__iexact=email, utilisee_le__isnull=True
    ).exists():
        raise ValidationError("Cette personne a déjà une invitation en attente pour ce programme.")
    prescription = Prescription.objects.create(
        partenaire=partenaire,
        conseiller=par,
        programme=programme,
        prenom=prenom.strip(),
        nom=nom.strip(),
        email=email.strip().lower(),
        message=message.strip(),
    )
    lien = invitation_url(prescription)
    transaction.on_commit(
        lambda: envoyer_email(
            a=prescription.email,
            sujet=f"Invitation au programme « {programme.nom} »",
            gabarit="partenaires/emails/invitation",
            contexte={
                "prescription": prescription,
                "lien": lien,
                "duree_jours": INVITATION_DUREE_JOURS,
            },
        )
    )
    return prescription


def invitation_jeton(prescription: Prescription) -> str:
    return signing.dumps({"p": prescription.pk}, salt=INVITATION_SALT, compress=True)


def invitation_url(prescription: Prescription) -> str:
    from django.conf import settings

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
