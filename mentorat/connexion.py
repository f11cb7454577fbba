"""Signing in with FranceConnect (job seekers) and ProConnect (partner members, staff).

Both are OpenID Connect providers served by allauth's ``openid_connect`` provider, configured
from the environment (``SOCIALACCOUNT_PROVIDERS`` in the settings). What allauth leaves out and
both providers require is added here: a ``nonce`` checked in the ID token, the userinfo answer
as a signed JWT (``application/jwt``), the logout at the provider, and the choice of the
account (docs/connexion-franceconnect-proconnect.md):

- FranceConnect signs in a job seeker: the account linked to the identity, else the account of
  the same e-mail address when it is a job seeker's (never a staff, partner or mentor account),
  else a new account, which becomes a job seeker's. The identity is then certified
  (``IdentiteCertifiee``): names, birth date and place are locked.
- ProConnect signs in only an existing staff or partner member account, matched on the
  professional e-mail address ProConnect verified; it never creates one. A staff member still
  gives their TOTP code unless ProConnect says a second factor was used (``amr`` has ``mfa``).

Roles live in the apps above (mentee, mentor, partner member): they are told here through
``roles_enregistrer``, and what follows a certification through ``certification_enregistrer``.
"""

import datetime as dt
import logging
from collections.abc import Callable
from urllib.parse import urlencode

import requests
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.decorators import login_not_required
from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.crypto import get_random_string

from .models import IdentiteCertifiee, User
from .texte import texte_nettoye

logger = logging.getLogger(__name__)

FRANCECONNECT = "franceconnect"
PROCONNECT = "proconnect"
NOMS = {FRANCECONNECT: "FranceConnect", PROCONNECT: "ProConnect"}
EQUIPE = "equipe"
FILLEUL = "filleul"
PARTENAIRE = "partenaire"
# FranceConnect's levels of assurance (eIDAS): the lowest is enough to sign in.
ACR_FRANCECONNECT = {"eidas1", "eidas2", "eidas3"}
# What the logout at the provider needs once the session is gone.
SESSION_FOURNISSEUR = "connexion_oidc"

_roles: list[Callable[[User], set[str]]] = []
_certification: list[Callable[..., None]] = []


def roles_enregistrer(fonction: Callable[[User], set[str]]) -> None:
    """An app above says which of its roles a user holds (``{"filleul"}``, ``{"parrain"}``…)."""
    _roles.append(fonction)


def certification_enregistrer(fonction: Callable[..., None]) -> None:
    """An app above is told ``fonction(user=…, identite=…)`` when an identity is certified."""
    _certification.append(fonction)


def roles(user: User) -> set[str]:
    trouves = {EQUIPE} if user.is_staff or user.is_superuser else set()
    for fonction in _roles:
        trouves |= fonction(user)
    return trouves


def fournisseurs_actifs() -> list[dict]:
    """The providers configured in the environment: their id and name, for the buttons."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return [{"id": a["provider_id"], "nom": a["name"]} for a in apps]


def accepte_par(fournisseur: str, user: User) -> bool:
    """Whether ``fournisseur`` may sign ``user`` in.

    FranceConnect is a citizen's identity: a job seeker's account (or one without any role
    yet, which becomes a job seeker's), never one that opens other people's data. ProConnect
    is a professional's: staff and partner members.
    """
    if not user.is_active:
        return False
    if fournisseur == FRANCECONNECT:
        return roles(user) <= {FILLEUL}
    if fournisseur == PROCONNECT:
        return bool(roles(user) & {EQUIPE, PARTENAIRE})
    return False


class Refus(Exception):
    """A sign-in refused, with the French message the person reads on the login page."""


def identite_lire(claims: dict) -> dict:
    """FranceConnect's "identité pivot" as the profile keeps it, or ``Refus`` when it lacks
    what the profile needs (read before any account is created or linked)."""
    try:
        naissance = dt.date.fromisoformat(claims.get("birthdate") or "")
    except ValueError:
        raise Refus(
            "FranceConnect n'a pas transmis de date de naissance lisible : l'identité ne peut "
            "pas être certifiée. Connectez-vous avec votre adresse e-mail et votre mot de passe."
        ) from None
    prenoms = texte_nettoye(" ".join((claims.get("given_name") or "").split()))
    nom = texte_nettoye(" ".join((claims.get("family_name") or "").split()))
    if not prenoms or not nom:
        raise Refus("FranceConnect n'a pas transmis vos nom et prénoms : réessayez plus tard.")
    return {
        "prenoms": prenoms[:150],
        "nom": nom[:150],
        "date_naissance": naissance,
        "lieu_naissance": (claims.get("birthplace") or "")[:5],
        "pays_naissance": (claims.get("birthcountry") or "")[:5],
    }


@transaction.atomic
def identite_certifier(*, user: User, claims: dict) -> IdentiteCertifiee:
    """Record the identity FranceConnect asserted for ``user`` (its "identité pivot"), copy
    the names to the account, and tell the apps above (the mentee profile's birth date)."""
    identite, _ = IdentiteCertifiee.objects.update_or_create(
        user=user, defaults={**identite_lire(claims), "certifiee_le": timezone.now()}
    )
    if (user.first_name, user.last_name) != (identite.prenoms, identite.nom):
        user.first_name, user.last_name = identite.prenoms, identite.nom
        user.save(update_fields=["first_name", "last_name"])
    for fonction in _certification:
        fonction(user=user, identite=identite)
    return identite


def _donnees(sociallogin) -> tuple[dict, dict]:
    extra = sociallogin.account.extra_data or {}
    id_token = extra.get("id_token") or {}
    return extra.get("userinfo") or id_token, id_token


def _email(userinfo: dict) -> str:
    return (userinfo.get("email") or "").strip().lower()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        # ProConnect never creates an account (an unknown address is refused before this).
        return sociallogin.account.provider == FRANCECONNECT

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").lower() or None
        return user

    def save_user(self, request, sociallogin, form=None):
        """A job seeker's new account from FranceConnect: the identity certified at once."""
        user = super().save_user(request, sociallogin, form)
        userinfo, _ = _donnees(sociallogin)
        identite_certifier(user=user, claims=userinfo)  # read in pre_social_login: no Refus
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """Cancelled at the provider, a provider down, a token that does not verify: back to
        the login page with a French message (allauth's own page is not shown)."""
        nom = NOMS.get(getattr(provider, "app", None) and provider.app.provider_id, "")
        logger.info("Connexion %s échouée : %s %s", nom, error, exception)
        messages.error(
            request,
            f"La connexion avec {nom or 'ce service'} a été annulée ou n'a pas abouti. "
            "Réessayez, ou connectez-vous avec votre adresse e-mail et votre mot de passe.",
        )
        raise ImmediateHttpResponse(redirect("account_login"))

    def pre_social_login(self, request, sociallogin):
        fournisseur = sociallogin.account.provider
        if sociallogin.state.get("process") != "login":
            # Linking a provider to the account signed in (allauth's "connect") is not
            # offered: the account is chosen by the rules below, at the login only.
            messages.error(request, "Utilisez le bouton de la page de connexion.")
            raise ImmediateHttpResponse(redirect("account_login"))
        try:
            userinfo, id_token = _donnees(sociallogin)
            self._verifier_jeton(fournisseur, sociallogin, id_token)
            if fournisseur == FRANCECONNECT:
                identite_lire(userinfo)  # nothing is created or linked without it
            user = self._compte(fournisseur, sociallogin, userinfo)
        except Refus as refus:
            logger.info("Connexion %s refusée : %s", fournisseur, refus)
            messages.error(request, str(refus))
            raise ImmediateHttpResponse(redirect("account_login")) from None
        if user is None:
            return  # a new job seeker: allauth signs them up (save_user)
        if fournisseur == FRANCECONNECT:
            identite_certifier(user=user, claims=userinfo)
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)
        if fournisseur == PROCONNECT and "mfa" in (id_token.get("amr") or []):
            # ProConnect vouches for a second factor: it counts as this login's (mentorat.mfa).
            record_authentication(request, user, "mfa", fournisseur=fournisseur)

    def _verifier_jeton(self, fournisseur, sociallogin, id_token):
        nom = NOMS.get(fournisseur, fournisseur)
        attendu = sociallogin.state.get("nonce")
        if not attendu or id_token.get("nonce") != attendu:
            raise Refus(f"La réponse de {nom} n'est pas valide (jeton rejoué ?). Réessayez.")
        if fournisseur == FRANCECONNECT and id_token.get("acr") not in ACR_FRANCECONNECT:
            raise Refus(
                "FranceConnect n'a pas garanti le niveau d'authentification demandé. Réessayez."
            )

    def _compte(self, fournisseur, sociallogin, userinfo) -> User | None:
        """The account to sign in (``None``: a new one to create), or ``Refus``."""
        nom = NOMS.get(fournisseur, fournisseur)
        if sociallogin.is_existing:
            user = sociallogin.user
            if not accepte_par(fournisseur, user):
                raise Refus(
                    f"Ce compte ne peut pas se connecter avec {nom}. Connectez-vous avec votre "
                    "adresse e-mail et votre mot de passe."
                )
            return user
        email = _email(userinfo)
        user = User.objects.filter(email__iexact=email).first() if email else None
        if fournisseur == PROCONNECT:
            if user is None or not accepte_par(fournisseur, user):
                raise Refus(
                    f"Aucun compte de l'équipe ou d'un partenaire n'utilise l'adresse {email} : "
                    "ProConnect ne crée pas de compte. Demandez à votre structure de vous "
                    "inviter avec cette adresse professionnelle, ou connectez-vous avec votre "
                    "adresse e-mail et votre mot de passe."
                )
            return user
        if user is None:
            if not email:
                raise Refus(
                    "FranceConnect n'a pas transmis d'adresse e-mail : inscrivez-vous avec "
                    "votre adresse e-mail et un mot de passe."
                )
            return None
        if not accepte_par(fournisseur, user):
            raise Refus(
                "Un compte de professionnel utilise déjà cette adresse e-mail : il ne se "
                "connecte pas avec FranceConnect. Connectez-vous avec votre mot de passe."
            )
        if SocialAccount.objects.filter(user=user, provider=fournisseur).exists():
            raise Refus(
                "Ce compte est déjà relié à une autre identité FranceConnect. Connectez-vous "
                "avec votre adresse e-mail et votre mot de passe, ou écrivez à l'équipe."
            )
        return user


class AdaptateurOIDC(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect client, reading a userinfo answer signed as a JWT (both
    providers send one) and keeping the ID token for the logout at the provider."""

    def complete_login(self, request, app, token, **kwargs):
        login = super().complete_login(request, app, token, **kwargs)
        request.session[SESSION_FOURNISSEUR] = {
            "fournisseur": self.provider_id,
            "id_token": kwargs["response"].get("id_token", ""),
        }
        return login

    def _fetch_user_info(self, access_token: str) -> dict:
        headers = {"Authorization": f"Bearer {access_token}"}
        with get_social_adapter().get_requests_session() as sess:
            response = sess.get(self.profile_url, headers=headers)
            response.raise_for_status()
        if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/jwt":
            return response.json()
        return jwtkit.verify_and_decode(
            credential=response.text.strip(),
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=self.get_provider().app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
        )


class FournisseurOIDC(OpenIDConnectProvider):
    # allauth's URLs and templates of the provider it replaces.
    package = "allauth.socialaccount.providers.openid_connect"
    oauth2_adapter_class = AdaptateurOIDC

    def get_auth_params_from_request(self, request, action):
        # allauth would take extra parameters from the URL (?auth_params=…): an "acr_values"
        # or "claims" chosen by whoever builds the link. Only the configured ones are sent.
        return self.get_auth_params()

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = get_random_string(43)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params["nonce"] = nonce
        # The nonce is kept in allauth's state (session) and checked in the ID token.
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )

    def extract_common_fields(self, data):
        champs = super().extract_common_fields(data)
        userinfo = data.get("userinfo") or data.get("id_token") or {}
        # ProConnect's family name is "usual_name".
        champs["last_name"] = champs.get("last_name") or userinfo.get("usual_name")
        return champs

    def extract_email_addresses(self, data):
        # Both providers vouch for the address they send (ProConnect verifies professional
        # addresses; FranceConnect sends its identity provider's).
        return [
            EmailAddress(email=a.email.lower(), verified=True, primary=True)
            for a in super().extract_email_addresses(data)
        ]


@login_not_required
def page_absente(request):
    raise Http404


@login_not_required
def retour(request, provider_id):
    """The provider's redirect back (allauth's callback with the client above)."""
    try:
        vue = OAuth2CallbackView.adapter_view(AdaptateurOIDC(request, provider_id))
        return vue(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


def deconnexion_url(request, session: dict | None) -> str | None:
    """Where a logout goes to end the provider's session too (both providers require it),
    or ``None`` when the session was not opened through one."""
    if not session or not session.get("id_token"):
        return None
    try:
        fournisseur = get_social_adapter().get_provider(request, provider=session["fournisseur"])
        config = fournisseur.get_oauth2_adapter(request).openid_config
    except (SocialApp.DoesNotExist, requests.RequestException, ValueError):
        logger.warning("Déconnexion de %s impossible", session.get("fournisseur"))
        return None
    fin = config.get("end_session_endpoint")
    if not fin:
        return None
    parametres = {
        "id_token_hint": session["id_token"],
        "state": get_random_string(32),
        "post_logout_redirect_uri": settings.SITE_URL + "/",
    }
    return f"{fin}?{urlencode(parametres)}"


def mfa_par_fournisseur(request, user) -> bool:
    """Whether this login already holds a second factor vouched for by ProConnect."""
    return any(
        r.get("method") == "mfa" and r.get("fournisseur")
        for r in get_authentication_records(request, user)
    )
