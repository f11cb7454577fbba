"""PDF rendering with WeasyPrint, from Django templates (charters, conventions, reports)."""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def _fetcher():
    """Static files are read from disk and data: URIs decoded; nothing is fetched remotely."""
    from weasyprint.urls import URLFetcher, path2url

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            for prefix in (f"{settings.SITE_URL}{settings.STATIC_URL}", settings.STATIC_URL):
                if url.startswith(prefix):
                    trouve = finders.find(url[len(prefix) :])
                    if trouve:
                        url = path2url(trouve)
                    break
            return super().fetch(url, headers)

    return StaticOnlyFetcher(allowed_protocols={"file", "data"})


def html_vers_pdf(html: str, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=html, base_url=base_url or settings.SITE_URL, url_fetcher=_fetcher()
    ).write_pdf()


def rendre_pdf(gabarit: str, contexte: dict) -> bytes:
    """Render a template (e.g. ``parrainages/pdf/charte.html``) to PDF bytes."""
    return html_vers_pdf(render_to_string(gabarit, contexte))
