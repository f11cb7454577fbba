"""Sending e-mails from templates: a text part and an HTML part, in French."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


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
    texte = render_to_string(f"{gabarit}.txt", contexte)
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
