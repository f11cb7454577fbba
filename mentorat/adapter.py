import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from .reseau import adresse_client


def site_public() -> SimpleNamespace:
    """The site as account e-mails name it: the configured name and public address
    (``SITE_NAME``, ``SITE_URL``), never the host a request reached."""
    return SimpleNamespace(
        name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc, url=settings.SITE_URL
    )


def adresse_publique(url: str) -> str:
    """``url`` (built from the request) moved to the public address ``SITE_URL``."""
    morceaux = urlsplit(url)
    return settings.SITE_URL + morceaux.path + (f"?{morceaux.query}" if morceaux.query else "")


def mot_de_passe_recent(request) -> bool:
    """Whether this session's person typed their password (login or reauthentication) less
    than ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` seconds ago."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return any(
        r.get("method") == "password"
        and time.time() - r.get("at", 0) < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
        for r in get_authentication_records(request, user)
    )


class AccountAdapter(DefaultAccountAdapter):
    def get_email_confirmation_url(self, request, emailconfirmation):
        return adresse_publique(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key):
        return adresse_publique(super().get_reset_password_from_key_url(key))

    def get_login_redirect_url(self, request):
        return reverse("espace")

    def get_signup_redirect_url(self, request):
        return reverse("espace")

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """allauth asks for the password again before a security change (setting up the
        authenticator app) unless the session holds a *reauthentication* younger than
        ``ACCOUNT_REAUTHENTICATION_TIMEOUT``; the password typed at the login is as fresh a
        proof, so it counts for the same time. Without this, a staff member's first visit to
        the admin asked for their password twice in a minute: at the login, then before the
        app's set-up."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = allauth_context.request
        return request is None or not mot_de_passe_recent(request)

    def get_login_stages(self) -> list[str]:
        return [
            "mentorat.mfa.AuthentificationStage"
            if etape == "allauth.mfa.stages.AuthenticateStage"
            else etape
            for etape in super().get_login_stages()
        ]

    def get_logout_redirect_url(self, request):
        """A session opened through FranceConnect or ProConnect ends at the provider too
        (allauth asks for this address before it empties the session)."""
        from .connexion import SESSION_FOURNISSEUR, deconnexion_url

        session = request.session.get(SESSION_FOURNISSEUR)
        return deconnexion_url(request, session) or super().get_logout_redirect_url(request)

    def get_client_ip(self, request):
        # allauth keys its rate limits (login, sign-up, password reset) on this address.
        ip = adresse_client(request)
        if not ip:
            raise PermissionDenied("Adresse du client introuvable.")
        return ip

    def send_mail(self, template_prefix, email, context):
        """Account e-mails (verification codes, password resets…) go through the outbox like
        every other message: written in the request's transaction, sent by a worker. They
        carry codes and links, so their row is confidential (never shown to staff, emptied
        once sent)."""
        from .envois import courriel_ecrire_rendu
        from .models import User

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": site_public()}
        ctx.update(context)
        # Every link allauth built from the request (sign-up, password reset in the "unknown
        # account" and "account exists" e-mails…) points to the public address.
        for cle, valeur in list(ctx.items()):
            if cle.endswith("_url") and isinstance(valeur, str) and valeur.startswith("http"):
                ctx[cle] = adresse_publique(valeur)
        message = self.render_mail(template_prefix, email, ctx)
        html = next((c for c, t in getattr(message, "alternatives", []) if t == "text/html"), "")
        sujet = message.subject.removeprefix(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
        with transaction.atomic():
            courriel_ecrire_rendu(
                regle=f"compte:{template_prefix.rsplit('/', 1)[-1]}",
                cle=f"compte:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
                a=email,
                destinataire=User.objects.filter(email__iexact=email).first(),
                sujet=sujet,
                texte=message.body,
                html=html,
                confidentiel=True,
            )
