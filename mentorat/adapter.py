import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
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


class AccountAdapter(DefaultAccountAdapter):
    def get_email_confirmation_url(self, request, emailconfirmation):
        return adresse_publique(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key):
        return adresse_publique(super().get_reset_password_from_key_url(key))

    def get_login_redirect_url(self, request):
        return reverse("espace")

    def get_signup_redirect_url(self, request):
        return reverse("espace")

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
