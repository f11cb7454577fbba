"""Sending e-mails from templates: a text part and an HTML part, in French."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string


def envoyer_email(
    *,
    a: list[str] | str,
    sujet: str,
    gabarit: str,
    contexte: dict,
    pieces_jointes: list[tuple[str, bytes, str]] = (),
    entetes: dict | None = None,
) -> int:
    """Render ``<gabarit>.txt`` and ``<gabarit>.html`` and send them; returns 1 when sent.

    ``gabarit`` is a template path without extension, e.g. ``parrainages/emails/suppression``.
    """
    texte, html = rendre_courriel(gabarit, contexte)
    return envoyer_email_rendu(
        a=a, sujet=sujet, texte=texte, html=html, pieces_jointes=pieces_jointes, entetes=entetes
    )


def rendre_courriel(gabarit: str, contexte: dict) -> tuple[str, str]:
    """The text and HTML parts of ``gabarit`` (a path without extension)."""
    contexte = {"site_url": settings.SITE_URL, "site_name": settings.SITE_NAME, **contexte}
    return rendre_texte(f"{gabarit}.txt", contexte), render_to_string(f"{gabarit}.html", contexte)


def envoyer_email_rendu(
    *,
    a: list[str] | str,
    sujet: str,
    texte: str,
    html: str = "",
    pieces_jointes: list[tuple[str, bytes, str]] = (),
    entetes: dict | None = None,
) -> int:
    """Send an already rendered message; returns 1 when the server accepted it."""
    destinataires = [a] if isinstance(a, str) else list(a)
    message = EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {sujet}",
        body=texte,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=destinataires,
        headers=entetes or {},
    )
    if html:
        message.attach_alternative(html, "text/html")
    for nom, contenu, type_mime in pieces_jointes:
        message.attach(nom, contenu, type_mime)
    return message.send()


def rendre_texte(gabarit: str, contexte: dict) -> str:
    """A plain-text template rendered without HTML escaping: a text part shows « l'agence »,
    not « l&#x27;agence ». Only the HTML part escapes what it shows."""
    return get_template(gabarit).template.render(Context(contexte, autoescape=False))
