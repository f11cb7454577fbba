"""Accounts opened in the admin: no password but the one their owner chooses from an e-mail.

An account created in the admin (a staff member, or a partner's member) has no usable
password, so that no password logs it in, and an activation link goes to its address through
the outbox. The link works once (it is bound to the account's password hash, which activation
changes), for ``PASSWORD_RESET_TIMEOUT`` seconds, and only while the account waits for it; a
new link (the admin action "Renvoyer le lien d'activation") voids the earlier ones. With it
the person chooses their password, and a staff member goes straight on to set up their
authenticator app: the second factor of a staff account is enrolled by whoever received the
e-mail, not by whoever first learnt a password.

The link itself is never written in the outbox, which staff read in the admin: the row names
the account and the link is made as the e-mail is sent (``lien_a_l_envoi``).
"""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from .envois import EnvoiSansObjet, NouvelEnvoi, envois_creer, expedier_apres_commit
from .models import Envoi, User

REGLE = "activation_compte"
GABARIT = "mentorat/emails/activation_compte"

VALIDE = "valide"
EXPIRE = "expire"
INVALIDE = "invalide"


class JetonsActivation(PasswordResetTokenGenerator):
    """Django's password-reset tokens under their own salt: a mentor's or a reset token opens
    nothing here, and one of these opens nothing there."""

    key_salt = "mentorat.comptes.JetonsActivation"

    def etat(self, user, token) -> str:
        """``VALIDE``, ``EXPIRE`` (a genuine link, too old) or ``INVALIDE`` (used, replaced by
        a newer one, for an account that waits for none, or not one of ours)."""
        if user is None or not token or not en_attente_d_activation(user):
            return INVALIDE
        try:
            horodatage = base36_to_int(token.split("-")[0])
        except ValueError:
            return INVALIDE
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, horodatage, cle), token)
            for cle in [self.secret, *self.secret_fallbacks]
        ):
            return INVALIDE
        age = self._num_seconds(self._now()) - horodatage
        return EXPIRE if age > settings.PASSWORD_RESET_TIMEOUT else VALIDE

    def check_token(self, user, token) -> bool:
        return self.etat(user, token) == VALIDE


jetons_activation = JetonsActivation()


def en_attente_d_activation(user) -> bool:
    return user.is_active and not user.has_usable_password()


def activation_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = jetons_activation.make_token(user)
    path = reverse("compte_activer", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


def jours_de_validite() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600))


def _activation_envoyer(*, user: User, par) -> None:
    """Write the activation e-mail of ``user`` to the outbox; it goes after the commit."""
    numero = Envoi.objects.filter(regle=REGLE, destinataire=user).count() + 1
    envois_creer(
        [
            NouvelEnvoi(
                regle=REGLE,
                cle=f"{REGLE}:{user.pk}:{numero}",
                destinataire_id=user.pk,
                email=user.email,
                sujet="Activez votre compte",
                gabarit=GABARIT,
                contexte={
                    "prenom": user.first_name,
                    "equipe": user.is_staff,
                    "par": par.get_full_name() if par is not None else "",
                    "jours": jours_de_validite(),
                },
            )
        ]
    )
    expedier_apres_commit()


def lien_a_l_envoi(envoi: Envoi) -> dict:
    """The activation link, made as the e-mail is sent (registered for ``REGLE``)."""
    user = User.objects.filter(pk=envoi.destinataire_id).first()
    if user is None or not en_attente_d_activation(user):
        raise EnvoiSansObjet(
            "Compte déjà activé, désactivé ou supprimé : le lien d'activation n'est pas envoyé."
        )
    return {"lien": activation_url(user)}


@transaction.atomic
def compte_creer(*, user: User, groupes, par) -> User:
    """Open the account ``user`` (unsaved, with its e-mail and names) and e-mail it its
    activation link. With groups it is a staff account (never a superuser)."""
    groupes = list(groupes)
    user.email = User.objects.normalize_email(user.email).lower()
    user.is_staff = bool(groupes)
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.set(groupes)
    _activation_envoyer(user=user, par=par)
    return user


def comptes_en_attente(queryset):
    """Accounts of ``queryset`` opened in the admin and still waiting for their activation."""
    lien_envoye = Envoi.objects.filter(regle=REGLE, destinataire=OuterRef("pk"))
    return queryset.filter(
        Exists(lien_envoye), is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
    )


@transaction.atomic
def activation_renvoyer(*, users, par) -> int:
    """A new activation link for each account of ``users`` (a queryset) still waiting for one
    (the earlier links stop working). Returns how many were sent."""
    envoyes = 0
    choisis = User.objects.filter(pk__in=users.values("pk"))  # whatever joins ``users`` has
    for user in comptes_en_attente(choisis).select_for_update().order_by("pk"):
        user.set_unusable_password()
        user.save(update_fields=["password"])
        _activation_envoyer(user=user, par=par)
        envoyes += 1
    return envoyes


@transaction.atomic
def compte_activer(*, user: User, mot_de_passe: str) -> User:
    """The owner of a waiting account chooses its password: the account is active, its
    address verified (the link proved it), and the link is used up."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not en_attente_d_activation(user):
        raise ValidationError("Ce compte est déjà activé : connectez-vous avec votre mot de passe.")
    user.set_password(mot_de_passe)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user
