"""PDF rendering with WeasyPrint, from Django templates (charters, conventions, reports).

Every resource a document refers to (image, style sheet, font, attachment) is read by
``url_fetcher``: only ``data:`` URIs (generated images such as the charter's QR code) and the
project's static files, under ``STATIC_ROOT`` or ``STATICFILES_DIRS``, are read. Anything else —
another local file (the sealing certificate, the settings, ``/etc/passwd``), a path climbing out
with ``..`` or a symbolic link, the network, another scheme — is refused and logged, and the
document is rendered without it.

Every document is a tagged PDF/UA-1 (ISO 14289-1): its structure (headings, paragraphs, tables
with their header cells, lists) is in the file for screen readers, with its language (the
template's ``<html lang="fr">``) and its title (the template's ``<title>``), shown as the
window's title. Documents the public administration and its partners hand to people must be
accessible (loi n° 2005-102 du 11 février 2005, art. 47; RGAA 4.1, which covers office documents
and PDFs). ``mentorat/pdf_conformite.py`` checks what of PDF/UA a program can check.
"""

import logging
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Tagged PDF/UA-1 (PDF 1.7): structure tree, language, title (see above).
VARIANTE_PDF = "pdf/ua-1"


class RessourceRefusee(ValueError):
    """A PDF resource outside what rendering may read."""


def _static_roots() -> list[Path]:
    roots = [settings.STATIC_ROOT] if settings.STATIC_ROOT else []
    for entry in settings.STATICFILES_DIRS:
        roots.append(entry[1] if isinstance(entry, tuple | list) else entry)
    return [Path(os.path.realpath(root)) for root in roots]


def _inside_static_roots(path: str) -> Path | None:
    """``path`` resolved (symbolic links followed), if it is a file under a static root."""
    real = Path(os.path.realpath(path))
    if not real.is_file():
        return None
    for root in _static_roots():
        if real.is_relative_to(root):
            return real
    return None


def _has_parent_segment(path: str) -> bool:
    return ".." in path.replace("\\", "/").split("/")


def _static_file(url: str) -> Path | None:
    """The project static file ``url`` names, or None when it names anything else."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or _has_parent_segment(path):
            return None
        return _inside_static_roots(path)
    prefix = settings.STATIC_URL
    site = urlsplit(settings.SITE_URL)
    origin = (parts.scheme, parts.netloc)
    if origin != ("", "") and origin != (site.scheme, site.netloc):
        return None  # a relative path, or the site's own address: never the network
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    if not relative or _has_parent_segment(relative) or relative.startswith("/"):
        return None
    # Collected files first (hashed names in production), then the source folders.
    candidates = [Path(settings.STATIC_ROOT) / relative] if settings.STATIC_ROOT else []
    found = finders.find(relative)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        real = _inside_static_roots(str(candidate))
        if real is not None:
            return real
    return None


def url_fetcher():
    """WeasyPrint's fetcher, restricted to data: URIs and the project's static files."""
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.lower().startswith("data:"):
                return super().fetch(url, headers)
            path = _static_file(url)
            if path is None:
                logger.warning("Ressource refusée au rendu d'un PDF : %s", url[:300])
                raise RessourceRefusee(f"Ressource refusée : {url[:300]}")
            return super().fetch(path.as_uri(), headers)

    return StaticOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def html_vers_pdf(html: str, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(
        string=html, base_url=base_url or settings.SITE_URL, url_fetcher=url_fetcher()
    ).write_pdf(pdf_variant=VARIANTE_PDF)


def rendre_pdf(gabarit: str, contexte: dict) -> bytes:
    """Render a template (e.g. ``parrainages/pdf/charte.html``) to PDF bytes."""
    return html_vers_pdf(render_to_string(gabarit, contexte))
