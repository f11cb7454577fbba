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
    destinataires = [a] if isinstance(a, str) else list(a)
    contexte = {"site_url": settings.SITE_URL, **contexte}
    texte = rendre_texte(f"{gabarit}.txt", contexte)
    html = render_to_string(f"{gabarit}.html", contexte)
    message = EmailMultiAlternatives(
        subject=f"[Mentorat] {sujet}",
        body=texte,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=destinataires,
        headers=entetes or {},
    )
    message.attach_alternative(html, "text/html")
    for nom, contenu, type_mime in pieces_jointes:
        message.attach(nom, contenu, type_mime)
    return message.send()


def rendre_texte(gabarit: str, contexte: dict) -> str:
    """A plain-text template rendered without HTML escaping: a text part shows « l'agence »,
    not « l&#x27;agence ». Only the HTML part escapes what it shows."""
    return get_template(gabarit).template.render(Context(contexte, autoescape=False))
