"""Text that people type, made safe for every document it ends up in.

At input (``texte_nettoye``, ``valider_texte_saisi``, the form field ``NomField``): Unicode
NFC, and no character that breaks a document: noncharacters (U+FFFE, U+FFFF… make an XLSX
unreadable), controls, bidirectional embeddings and overrides (an unterminated U+202E reverses
the rest of a line in a sealed PDF), surrogates and private-use characters.

In PDFs (filters ``pdf_texte`` and ``pdf_nom`` of ``mentorat.templatetags.documents``): text
saved before these rules has its bidirectional controls removed, each name is isolated
(U+2068 … U+2069, so that a right-to-left name never reorders what surrounds it), and the
emoji that the document font (DejaVu) cannot draw are replaced by their name in brackets
instead of an empty box.
"""

import unicodedata

from django.core.exceptions import ValidationError

# Embeddings, overrides and isolates (UAX #9): a person's text never needs them.
BIDI_CONTROLES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FSI, PDI = "\u2068", "\u2069"


def _interdit(c: str) -> bool:
    if c in BIDI_CONTROLES:
        return True
    code = ord(c)
    # Noncharacters: U+FDD0–U+FDEF and the last two code points of every plane.
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return True
    return unicodedata.category(c) in ("Cc", "Cs", "Co")


def texte_nettoye(valeur: str) -> str:
    """NFC and stripped: what is stored."""
    return unicodedata.normalize("NFC", valeur).strip()


def valider_texte_saisi(valeur: str) -> None:
    """Refuse, in French, text with a character that would break a document."""
    fautifs = sorted({c for c in valeur if _interdit(c)})
    if fautifs:
        codes = ", ".join(f"U+{ord(c):04X}" for c in fautifs[:5])
        raise ValidationError(
            "Ce texte contient des caractères invisibles ou de contrôle (%(codes)s) : "
            "retapez-le sans copier-coller.",
            code="caracteres_interdits",
            params={"codes": codes},
        )


def _emoji(c: str) -> bool:
    code = ord(c)
    return 0x1F000 <= code <= 0x1FAFF or 0x1FC00 <= code <= 0x1FFFD


def pour_pdf(valeur) -> str:
    """Text for a PDF: controls and noncharacters dropped, emoji named in brackets."""
    morceaux = []
    for c in str(valeur):
        if c in ("\n", "\t"):
            morceaux.append(c)
        elif _interdit(c) or c in ("\ufe0f", "\u200d"):  # emoji variation selector, joiner
            continue
        elif _emoji(c):
            morceaux.append(f"[{unicodedata.name(c, 'émoji').lower()}]")
        else:
            morceaux.append(c)
    return "".join(morceaux)


def nom_pour_pdf(valeur) -> str:
    """A name for a PDF, isolated from the text around it (bidirectional isolate)."""
    return f"{FSI}{pour_pdf(valeur)}{PDI}"
