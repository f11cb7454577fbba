"""The back office's header and breadcrumbs: readable colours (WCAG 1.4.3, 4.5:1), computed
from the custom properties the project's admin style sheet sets, and the site's name."""

import re
from pathlib import Path

import pytest
import tinycss2
from django.conf import settings
from django.urls import reverse

from tests.mentorat.factories import connecter, gestionnaire

FEUILLE = Path(settings.BASE_DIR) / "static" / "css" / "admin.css"
THEMES = (":root", 'html[data-theme="light"]', 'html[data-theme="dark"]')
# Text colour → the background it is written on.
PAIRES = [
    ("--breadcrumbs-fg", "--breadcrumbs-bg"),
    ("--breadcrumbs-link-fg", "--breadcrumbs-bg"),
    ("--header-branding-color", "--header-bg"),
    ("--header-link-color", "--header-bg"),
    ("--header-color", "--header-bg"),
]


def regles() -> dict[str, dict[str, str]]:
    """Selector → its declarations (property → value), over every top-level rule."""
    resultat: dict[str, dict[str, str]] = {}
    for regle in tinycss2.parse_stylesheet(
        FEUILLE.read_text(), skip_comments=True, skip_whitespace=True
    ):
        if regle.type != "qualified-rule":
            continue
        declarations = {
            d.name: tinycss2.serialize(d.value).strip()
            for d in tinycss2.parse_declaration_list(
                regle.content, skip_comments=True, skip_whitespace=True
            )
            if d.type == "declaration"
        }
        for selecteur in tinycss2.serialize(regle.prelude).split(","):
            resultat.setdefault(" ".join(selecteur.split()), {}).update(declarations)
    return resultat


def couleur(valeur: str, proprietes: dict[str, str]) -> tuple[int, int, int]:
    """A #rgb or #rrggbb colour, following var() through ``proprietes``."""
    while m := re.fullmatch(r"var\((--[\w-]+)\)", valeur):
        valeur = proprietes[m[1]]
    m = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", valeur)
    assert m, f"couleur non calculable : {valeur}"
    hexa = m[1] if len(m[1]) == 6 else "".join(c * 2 for c in m[1])
    return tuple(int(hexa[i : i + 2], 16) for i in (0, 2, 4))


def luminance(rgb: tuple[int, int, int]) -> float:
    lineaire = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)
    ]
    return 0.2126 * lineaire[0] + 0.7152 * lineaire[1] + 0.0722 * lineaire[2]


def contraste(a, b) -> float:
    clair, sombre = sorted((luminance(a), luminance(b)), reverse=True)
    return (clair + 0.05) / (sombre + 0.05)


def test_contrast_ratio_formula():
    assert contraste((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    # Django's own pair the project replaces: its site name on its header.
    assert contraste(couleur("#f5dd5d", {}), couleur("#417690", {})) < 4.5


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(("texte", "fond"), PAIRES)
def test_header_and_breadcrumbs_read_at_4_5_to_1(theme, texte, fond):
    """Every theme sets both colours itself (nothing left to Django's defaults, which differ
    between themes), and they read at 4.5:1 at least."""
    proprietes = regles()[theme]
    assert texte in proprietes and fond in proprietes
    ratio = contraste(couleur(proprietes[texte], proprietes), couleur(proprietes[fond], proprietes))
    assert ratio >= 4.5, f"{texte} sur {fond} : {ratio:.2f}:1"


def test_the_site_name_link_takes_the_branding_colour():
    """Django colours the site name's link with --accent: the project's rule says which."""
    toutes = regles()
    for selecteur in ("#site-name a:link", "#site-name a:visited"):
        assert toutes[selecteur]["color"] == "var(--header-branding-color)"


@pytest.mark.django_db
def test_every_admin_page_loads_the_sheet_and_names_the_site(client, settings):
    settings.SITE_NAME = "Parrainage Ville"
    connecter(client, gestionnaire())
    for url in (reverse("admin:index"), reverse("admin:parrainages_parrainage_changelist")):
        contenu = client.get(url).content.decode()
        assert '<link rel="stylesheet" href="/static/css/admin.css">' in contenu
        assert '<a href="/admin/">Parrainage Ville — administration</a>' in contenu
        assert re.search(r"<title>[^<]* \| Parrainage Ville</title>", contenu)
