"""Text messages in the GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1), 160 characters.

A message with a single character outside that alphabet is sent in UCS-2, 70 characters a
part: a 150-character reminder would become three billed parts. Every text the platform
writes is therefore checked against the alphabet (tests/mentorat/test_sms_textes.py), and
what people typed (a name, a place) is transliterated before it goes in (``vers_gsm7``).

The basic table counts one septet a character; the extension table (reached through the
escape character) counts two. Source: 3GPP TS 23.038, « Alphabets and language-specific
information », tables 6.2.1 and 6.2.1.1 (https://www.3gpp.org/dynareport/23038.htm).
"""

import unicodedata

LONGUEUR_MAX = 160

# Table 6.2.1: the default alphabet. The 0x09 position is « Ç » in the standard; handsets and
# providers read a lowercase « ç » as it, but the standard is followed here.
BASE = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Table 6.2.1.1: the extension, each character preceded by the escape (two septets).
EXTENSION = set("^{}\\[~]|€\f")


def septets(texte: str) -> int | None:
    """How many septets ``texte`` takes in GSM-7, or None when a character is not in it."""
    total = 0
    for caractere in texte:
        if caractere in BASE:
            total += 1
        elif caractere in EXTENSION:
            total += 2
        else:
            return None
    return total


def hors_alphabet(texte: str) -> list[str]:
    return sorted({c for c in texte if c not in BASE and c not in EXTENSION})


def tient_en_un_sms(texte: str) -> bool:
    """One single-part GSM-7 message: every character in the alphabet, 160 septets at most."""
    longueur = septets(texte)
    return longueur is not None and longueur <= LONGUEUR_MAX


# French typography that people and templates write, and its GSM-7 look-alike.
_EQUIVALENTS = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "œ": "oe",
        "Œ": "OE",
        "ç": "c",
        # Letters NFKD does not decompose (Croatian, Polish, Maltese, Icelandic, Turkish…).
        "Đ": "D",
        "đ": "d",
        "Ł": "L",
        "ł": "l",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "Þ": "Th",
        "þ": "th",
        "ð": "d",
    }
)


def vers_gsm7(texte: str) -> str:
    """``texte`` in GSM-7: French typography replaced, other accents dropped where the
    alphabet lacks the letter (ê → e, î → i), anything else left out."""
    texte = (texte or "").translate(_EQUIVALENTS)
    sortie = []
    for caractere in texte:
        if caractere in BASE or caractere in EXTENSION:
            sortie.append(caractere)
            continue
        sans_accent = "".join(
            c for c in unicodedata.normalize("NFKD", caractere) if not unicodedata.combining(c)
        )
        sortie.append("".join(c for c in sans_accent if c in BASE))
    return "".join(sortie)


def abreger(texte: str, longueur: int) -> str:
    """What people typed, in GSM-7 and cut to ``longueur`` septets (a final « . » says it was
    cut): a long name or place keeps the message in one part. Septets, not characters: an
    extension character (``€``, ``[``…) takes two."""
    texte = " ".join(vers_gsm7(texte).split())
    if (septets(texte) or 0) <= longueur:
        return texte
    garde, total = [], 0
    for caractere in texte:
        poids = 2 if caractere in EXTENSION else 1
        if total + poids > longueur - 1:
            break
        garde.append(caractere)
        total += poids
    return "".join(garde).rstrip() + "."
