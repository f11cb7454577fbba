"""Two-factor authentication of staff accounts (allauth.mfa: TOTP and recovery codes).

The admin holds everyone's data: a staff account opens it only when it has an authenticator
app (TOTP) and the current session's login went through it; outside the admin, staff rights
count under the same condition (``mentorat.access``). allauth records in the session
each way the person authenticated ("password", then "mfa" with the TOTP code or a recovery
code); a session without an "mfa" record (a login before TOTP was set up, a session made
any other way) does not open the admin. Activating TOTP counts as passing it: the person just
typed a code from the app.

A staff member cannot deactivate their TOTP (only an Administrateur can remove it, in the
admin, for a lost phone); they then set it up again at their next visit.
"""

from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

# Where a staff member goes back once their TOTP is set up (their recovery codes page links
# to it).
RETOUR_SESSION_KEY = "mentorat_retour_apres_mfa"


def mfa_passee(request) -> bool:
    """Whether the current session's login included a second factor."""
    user = request.user
    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


def totp_active(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def retour_sur(request, url: str | None, defaut: str) -> str:
    """``url`` if it stays on this site, else ``defaut``."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return defaut


def avec_suite(nom_url: str, suite: str) -> str:
    return f"{reverse(nom_url)}?{urlencode({REDIRECT_FIELD_NAME: suite})}"


def exiger_mfa(request, suite: str, *, objet: str = "l'administration"):
    """Send a staff member without a second factor in this session where they get one.

    ``objet`` names what they were opening, in the message they read ("l'administration",
    "cette page").
    """
    if totp_active(request.user):
        messages.info(
            request,
            f"Pour ouvrir {objet}, saisissez le code à six chiffres affiché par votre "
            "application d'authentification.",
        )
        return redirect(avec_suite("mfa_reauthenticate", suite))
    request.session[RETOUR_SESSION_KEY] = suite
    messages.warning(
        request,
        "Les droits de l'équipe ouvrent les données personnelles de toutes les personnes "
        f"suivies : avant d'ouvrir {objet}, protégez votre compte par une double "
        "authentification (un code affiché par une application de votre téléphone, en plus du "
        "mot de passe).",
    )
    return redirect("mfa_activate_totp")


def retour_apres_mfa(request) -> str | None:
    """Where the recovery codes page sends a staff member next (``None`` for anyone else)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return None
    return retour_sur(request, request.session.get(RETOUR_SESSION_KEY), reverse("admin:index"))


class AuthentificationStage(AuthenticateStage):
    """allauth's login step asking for the TOTP code, skipped when ProConnect vouched for a
    second factor in this very login (an "acr" of its two-factor levels and an "amr" list with
    "mfa": mentorat.connexion.second_facteur_proconnect)."""

    def _should_handle(self, request) -> bool:
        from .connexion import mfa_par_fournisseur

        if self.login.user is not None and mfa_par_fournisseur(request, self.login.user):
            return False
        return super()._should_handle(request)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "Les comptes de l'équipe doivent garder la double authentification. Pour changer "
            "de téléphone, demandez à un administrateur de la réinitialiser."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.user.is_staff and authenticator.type == Authenticator.Type.TOTP:
            return False
        return super().can_delete_authenticator(authenticator)


def _activation_vaut_mfa(sender, instance, created, **kwargs):
    """The code typed to activate TOTP proves the app as a login code would.

    Recorded as the authenticator is saved (allauth's own signal comes after the commit, once
    the session is already written), for the person signed in on this request only.
    """
    from allauth.account.internal.flows.login import record_authentication
    from allauth.core import context

    request = context.request
    if not created or instance.type != Authenticator.Type.TOTP or request is None:
        return
    if getattr(request, "user", None) is None or request.user.pk != instance.user_id:
        return
    record_authentication(request, request.user, "mfa", id=instance.pk, type=instance.type)


def connect_signals():
    from django.db.models.signals import post_save

    post_save.connect(
        _activation_vaut_mfa, sender=Authenticator, dispatch_uid="mentorat_activation_mfa"
    )
