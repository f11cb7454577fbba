"""The UAI code of a school (unité administrative immatriculée, formerly RNE number): seven
digits and a check letter.

The letter is computed from the digits: the 7-digit number modulo 23, as an index in the
23 letters of the alphabet without I, O and Q (letters that could be read as digits). For
example the lycée Louis-le-Grand is 0750655E: 750655 = 23 × 32637 + 4, and the letter of
index 4 is E.
"""

import re

from django.core.exceptions import ValidationError

LETTRES = "ABCDEFGHJKLMNPRSTUVWXYZ"
FORMAT = re.compile(r"^[0-9]{7}[A-Z]$")


def uai_cle(chiffres: str) -> str:
    """The check letter of the seven digits ``chiffres``."""
    return LETTRES[int(chiffres) % len(LETTRES)]


def uai_valider(valeur: str) -> str:
    """The code in capitals, or a French message saying what is wrong with it."""
    uai = "".join((valeur or "").split()).upper()
    if not FORMAT.match(uai):
        raise ValidationError(
            "Le code UAI compte 7 chiffres suivis d'une lettre, par exemple 0750655E.",
            code="format",
        )
    attendue = uai_cle(uai[:7])
    if uai[7] != attendue:
        raise ValidationError(
            "Ce code UAI n'existe pas : avec les chiffres %(chiffres)s, la lettre de contrôle "
            "est %(attendue)s, pas %(lettre)s. Vérifiez le code dans l'annuaire de "
            "l'Éducation nationale.",
            code="cle",
            params={"chiffres": uai[:7], "attendue": attendue, "lettre": uai[7]},
        )
    return uai
