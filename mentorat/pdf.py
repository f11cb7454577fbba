"""PDF rendering with WeasyPrint, from Django templates (charters, conventions, reports)."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def _fetcher(url, *args, **kwargs):
    """Resolve /static/ URLs on disk; refuse any other fetch (no network at render time)."""
    from weasyprint.urls import default_url_fetcher

    if url.startswith("file://") or url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    prefix = f"{settings.SITE_URL}{settings.STATIC_URL}"
    if url.startswith(prefix) or url.startswith(settings.STATIC_URL):
        chemin = url.split(settings.STATIC_URL, 1)[1]
        trouve = finders.find(chemin)
        if trouve:
            return default_url_fetcher(f"file://{trouve}", *args, **kwargs)
    raise ValueError(f"Ressource externe refusée dans un PDF : {url}")


def html_vers_pdf(html: str, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=html, base_url=base_url or settings.SITE_URL, url_fetcher=_fetcher
    ).write_pdf()


def rendre_pdf(gabarit: str, contexte: dict) -> bytes:
    """Render a template (e.g. ``parrainages/pdf/charte.html``) to PDF bytes."""
    return html_vers_pdf(render_to_string(gabarit, contexte))
