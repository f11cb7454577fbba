"""The site's style sheet: touch targets and text inputs (read with tinycss2, as WeasyPrint
reads it)."""

from pathlib import Path

import pytest
import tinycss2
from django.conf import settings


def regles() -> dict[str, dict[str, str]]:
    """Selector → its declarations (property → value), over every rule of site.css."""
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    resultat: dict[str, dict[str, str]] = {}
    for regle in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if regle.type != "qualified-rule":
            continue
        selecteurs = [" ".join(s.split()) for s in tinycss2.serialize(regle.prelude).split(",")]
        declarations = {
            d.lower_name: tinycss2.serialize(d.value).strip()
            for d in tinycss2.parse_declaration_list(
                regle.content, skip_comments=True, skip_whitespace=True
            )
            if d.type == "declaration"
        }
        for selecteur in selecteurs:
            resultat.setdefault(selecteur, {}).update(declarations)
    return resultat


@pytest.mark.parametrize(
    "selecteur", [".entete .marque", ".entete nav a", ".entete nav button.lien"]
)
def test_header_links_are_44_px_tall(selecteur):
    """WCAG 2.5.5 (target size): 44 × 44 CSS pixels, which a phone's thumb hits."""
    declarations = regles()[selecteur]
    assert declarations["min-height"] == "44px"
    assert declarations["min-width"] == "44px"
    assert declarations["padding"] != "0"


@pytest.mark.parametrize("type_", ["datetime-local", "date", "url"])
def test_date_and_url_inputs_look_like_the_other_text_inputs(type_):
    toutes = regles()
    assert toutes[f"input[type={type_}]"] == toutes["input[type=text]"]
