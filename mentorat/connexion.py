"""Signing in with FranceConnect (job seekers) and ProConnect (partner members, staff).

Both are OpenID Connect providers served by allauth's ``openid_connect`` provider, configured
from the environment (``SOCIALACCOUNT_PROVIDERS`` in the settings). What allauth leaves out and
both providers require is added here: a ``nonce`` checked in the ID token, the userinfo answer
as a signed JWT (``application/jwt``), the logout at the provider, and the choice of the
account (docs/connexion-franceconnect-proconnect.md):

- FranceConnect signs in a job seeker: the account linked to the identity, else the account of
  the same e-mail address when it is a job seeker's (never a staff, partner or mentor account),
  that address is verified and the names and birth date it holds agree with FranceConnect's
  (the owner is told by e-mail, the password wiped), else a new account, which becomes a job
  seeker's. The identity is then certified
  (``IdentiteCertifiee``): names, birth date and place are locked.
- ProConnect signs in only an existing staff or partner member account, matched on the
  professional e-mail address ProConnect verified; it never creates one. A staff member still
  gives their TOTP code unless ProConnect says a second factor was used (a two-factor ``acr``
  and an ``amr`` list with ``mfa``).

Roles live in the apps above (mentee, mentor, partner member): they are told here through
``roles_enregistrer``, and what follows a certification through ``certification_enregistrer``.
"""

import datetime as dt
import logging
import re
import unicodedata
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
from django.core.cache import cache
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.crypto import get_random_string

from .envois import courriel_ecrire
from .fournisseurs import ACR_PROCONNECT_MFA
from .models import IdentiteCertifiee, User
from .texte import texte_nettoye

logger = logging.getLogger(__name__)

FRANCECONNECT = "franceconnect"
PROCONNECT = "proconnect"
NOMS = {FRANCECONNECT: "FranceConnect", PROCONNECT: "ProConnect"}
EQUIPE = "equipe"
FILLEUL = "filleul"
PARTENAIRE = "partenaire"
# FranceConnect's levels of assurance (eIDAS), lowest first: the ID token's ``acr`` must be at
# least the one asked (``FRANCECONNECT_ACR``).
NIVEAUX_FRANCECONNECT = ["eidas1", "eidas2", "eidas3"]
# How long the providers' discovery documents are kept (seconds).
DUREE_DECOUVERTE = 300
# What the logout at the provider needs once the session is gone.
SESSION_FOURNISSEUR = "connexion_oidc"

_roles: list[Callable[[User], set[str]]] = []
_certification: list[Callable[..., None]] = []
_naissances: list[Callable[[User], dt.date | None]] = []


def roles_enregistrer(fonction: Callable[[User], set[str]]) -> None:
    """An app above says which of its roles a user holds (``{"filleul"}``, ``{"parrain"}``…)."""
    _roles.append(fonction)


def certification_enregistrer(fonction: Callable[..., None]) -> None:
    """An app above is told ``fonction(user=…, identite=…)`` when an identity is certified."""
    _certification.append(fonction)


def naissance_enregistrer(fonction: Callable[[User], dt.date | None]) -> None:
    """An app above tells the birth date it holds for a user (the mentee profile's), compared
    with FranceConnect's before an account is linked by its e-mail address."""
    _naissances.append(fonction)


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


def nom_normalise(texte: str) -> str:
    """A name as compared with FranceConnect's: no accents, no case, hyphens and apostrophes
    as spaces ("Jean-Noël" = "jean noel")."""
    sans_accents = "".join(
        c for c in unicodedata.normalize("NFKD", texte or "") if not unicodedata.combining(c)
    )
    return " ".join(re.sub(r"[-'’‐‑]", " ", sans_accents).casefold().split())


def identite_concorde(user: User, identite: dict) -> bool:
    """Whether what the account already says of the person (names, the profile's birth date)
    agrees with FranceConnect's identity; an empty field says nothing. The account's first
    name may be the first of FranceConnect's given names or all of them."""
    prenoms = {nom_normalise(identite["prenoms"]), nom_normalise(identite["prenoms"].split()[0])}
    if user.first_name and nom_normalise(user.first_name) not in prenoms:
        return False
    if user.last_name and nom_normalise(user.last_name) != nom_normalise(identite["nom"]):
        return False
    for fonction in _naissances:
        naissance = fonction(user)
        if naissance is not None and naissance != identite["date_naissance"]:
            return False
    return True


def niveau_suffisant(acr) -> bool:
    """Whether FranceConnect's ``acr`` is at least the level asked (``FRANCECONNECT_ACR``)."""
    demande = next(
        (
            a["settings"].get("auth_params", {}).get("acr_values", "eidas1")
            for a in settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
            if a["provider_id"] == FRANCECONNECT
        ),
        "eidas1",
    )
    if acr not in NIVEAUX_FRANCECONNECT or demande not in NIVEAUX_FRANCECONNECT:
        return False
    return NIVEAUX_FRANCECONNECT.index(acr) >= NIVEAUX_FRANCECONNECT.index(demande)


def second_facteur_proconnect(id_token: dict) -> bool:
    """Whether ProConnect vouches for a second factor: an ``acr`` of the two-factor levels
    asked (mentorat.fournisseurs.ACR_PROCONNECT_MFA) *and* an ``amr`` list holding "mfa"
    (a string ``amr`` never counts)."""
    amr = id_token.get("amr")
    return id_token.get("acr") in ACR_PROCONNECT_MFA and isinstance(amr, list) and "mfa" in amr


@transaction.atomic
def liaison_notifier(*, user: User, fournisseur: str, compte: SocialAccount) -> None:
    """Tell the account's owner, at its address, that a provider's identity now opens it."""
    nom = NOMS.get(fournisseur, fournisseur)
    logger.info("Compte %s relié à une identité %s (lien %s)", user.pk, nom, compte.pk)
    courriel_ecrire(
        regle="connexion_reliee",
        cle=f"connexion_reliee:{compte.pk}",
        a=user.email or "",
        sujet=f"Votre compte Mentorat est relié à {nom}",
        gabarit="mentorat/emails/connexion_reliee",
        contexte={"prenom": user.first_name, "fournisseur": nom, "site": settings.SITE_URL},
        destinataire=user,
    )


@transaction.atomic
def liaison_franceconnect_preparer(*, user: User) -> None:
    """An account about to be opened by FranceConnect through its verified address: the
    other, unverified addresses go, and the password too — it may have been chosen by
    someone else before the address was verified; the owner gets one again by the reset
    link sent to the verified address (docs/connexion-franceconnect-proconnect.md)."""
    EmailAddress.objects.filter(user=user, verified=False).delete()
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])


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
        _session_garder(request, sociallogin)
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
            identite = None
            if fournisseur == FRANCECONNECT:
                identite = identite_lire(userinfo)  # nothing is created or linked without it
            user = self._compte(fournisseur, sociallogin, userinfo, identite)
        except Refus as refus:
            logger.info("Connexion %s refusée : %s", fournisseur, refus)
            request.session.pop(SESSION_FOURNISSEUR, None)
            messages.error(request, str(refus))
            raise ImmediateHttpResponse(redirect("account_login")) from None
        if user is None:
            return  # a new job seeker: allauth signs them up (save_user)
        nouveau_lien = not sociallogin.is_existing
        with transaction.atomic():
            if nouveau_lien and fournisseur == FRANCECONNECT:
                liaison_franceconnect_preparer(user=user)
            if fournisseur == FRANCECONNECT:
                identite_certifier(user=user, claims=userinfo)
            if nouveau_lien:
                sociallogin.connect(request, user)
                liaison_notifier(user=user, fournisseur=fournisseur, compte=sociallogin.account)
        _session_garder(request, sociallogin)
        if fournisseur == PROCONNECT and second_facteur_proconnect(id_token):
            # ProConnect vouches for a second factor: it counts as this login's (mentorat.mfa).
            record_authentication(request, user, "mfa", fournisseur=fournisseur)

    def _verifier_jeton(self, fournisseur, sociallogin, id_token):
        nom = NOMS.get(fournisseur, fournisseur)
        attendu = sociallogin.state.get("nonce")
        if not attendu or id_token.get("nonce") != attendu:
            raise Refus(f"La réponse de {nom} n'est pas valide (jeton rejoué ?). Réessayez.")
        userinfo = (sociallogin.account.extra_data or {}).get("userinfo")
        if userinfo is not None and userinfo.get("sub") != id_token.get("sub"):
            # OpenID Connect Core 1.0, § 5.3.2: the userinfo's "sub" must be the ID token's.
            raise Refus(f"La réponse de {nom} n'est pas valide (identités différentes).")
        if fournisseur == FRANCECONNECT and not niveau_suffisant(id_token.get("acr")):
            raise Refus(
                "FranceConnect n'a pas garanti le niveau d'authentification demandé. Réessayez."
            )

    def _compte(self, fournisseur, sociallogin, userinfo, identite) -> User | None:
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
        verifiee = EmailAddress.objects.filter(
            user=user, email__iexact=email, verified=True
        ).exists()
        if not verifiee or not identite_concorde(user, identite):
            # An address never verified may have been typed by someone else (a mistyped
            # claim), and a differing identity is another person's account: the owner of
            # the address would take it over.
            raise Refus(
                "Un compte utilise déjà cette adresse e-mail, mais il ne peut pas être relié "
                "à votre identité FranceConnect sans votre mot de passe. Connectez-vous avec "
                "votre adresse e-mail et votre mot de passe, ou écrivez à l'équipe."
            )
        return user


def _session_garder(request, sociallogin) -> None:
    """Keep the ID token for the logout at the provider, once the login is accepted only."""
    id_token = getattr(sociallogin, "id_token_brut", "")
    if id_token:
        request.session[SESSION_FOURNISSEUR] = {
            "fournisseur": sociallogin.account.provider,
            "id_token": id_token,
        }


class AdaptateurOIDC(OpenIDConnectOAuth2Adapter):
    """allauth's OpenID Connect client, reading a userinfo answer signed as a JWT (both
    providers send one) and keeping the ID token for the logout at the provider."""

    @property
    def openid_config(self):
        """The provider's discovery document, kept a few minutes in the cache (one fetch per
        login otherwise, and a slow provider slows every login)."""
        if not hasattr(self, "_openid_config"):
            cle = f"oidc:decouverte:{self.provider_id}:{self.get_provider().server_url}"
            config = cache.get(cle)
            if config is None:
                config = OpenIDConnectOAuth2Adapter.openid_config.fget(self)
                cache.set(cle, config, DUREE_DECOUVERTE)
            self._openid_config = config
        return self._openid_config

    def complete_login(self, request, app, token, **kwargs):
        login = super().complete_login(request, app, token, **kwargs)
        # Kept on the login, not in the session: the session gets it once the login is
        # accepted (SocialAccountAdapter.pre_social_login).
        login.id_token_brut = kwargs["response"].get("id_token", "")
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

    def get_scope_from_request(self, request):
        # Likewise ?scope=…: the scopes are the configured ones only.
        return self.get_scope()

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = get_random_string(43)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params["nonce"] = nonce
        # The nonce is kept in allauth's state (session) and checked in the ID token.
        try:
            return super().redirect(
                request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
            )
        except ERREURS_FOURNISSEUR as erreur:
            return fournisseur_injoignable(request, self.app.provider_id, erreur)

    def extract_common_fields(self, data):
        champs = super().extract_common_fields(data)
        userinfo = data.get("userinfo") or data.get("id_token") or {}
        # ProConnect's family name is "usual_name".
        champs["last_name"] = champs.get("last_name") or userinfo.get("usual_name")
        return champs

    def extract_email_addresses(self, data):
        # ProConnect sends the professional address it verified; FranceConnect sends its
        # identity provider's, which its documentation does not say is verified: a new
        # account keeps it unverified (no password reset to it until the person verifies it,
        # mentorat.reinitialisation).
        verifiee = self.app.provider_id == PROCONNECT
        return [
            EmailAddress(email=a.email.lower(), verified=verifiee, primary=True)
            for a in super().extract_email_addresses(data)
        ]


@login_not_required
def page_absente(request):
    raise Http404


# A provider down or answering nonsense (its discovery document fetched outside allauth's
# error handling): a message and the login page, never an error 500.
ERREURS_FOURNISSEUR = (requests.RequestException, ValueError, KeyError)


def fournisseur_injoignable(request, fournisseur: str, erreur: Exception):
    nom = NOMS.get(fournisseur, fournisseur)
    logger.warning("%s injoignable : %r", nom, erreur)
    request.session.pop(SESSION_FOURNISSEUR, None)
    messages.error(
        request,
        f"{nom} ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous "
        "avec votre adresse e-mail et votre mot de passe.",
    )
    return redirect("account_login")


@login_not_required
def retour(request, provider_id):
    """The provider's redirect back (allauth's callback with the client above)."""
    try:
        vue = OAuth2CallbackView.adapter_view(AdaptateurOIDC(request, provider_id))
        return vue(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None
    except ERREURS_FOURNISSEUR as erreur:
        return fournisseur_injoignable(request, provider_id, erreur)


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
