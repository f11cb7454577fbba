"""French business identifiers: the SIRET of an establishment (14 digits).

A SIRET is the company's SIREN (9 digits) followed by the establishment's NIC (5 digits); its
last digit makes the whole number pass the Luhn check, as INSEE computes it. One exception:
La Poste's establishments (SIREN 356 000 000) are too many for the NIC's key, and INSEE checks
theirs by another rule — the sum of the 14 digits is a multiple of 5. Only the check digit is
verified here: whether the establishment exists (and is open) is the SIRENE directory's
business, which the platform does not call. (La Poste's head office, 356 000 000 00048, is
the one SIRET of that SIREN whose key follows Luhn: it passes both ways.)
"""

import re

SIREN_LA_POSTE = "356000000"
SIRET_SIEGE_LA_POSTE = "35600000000048"
_SIRET = re.compile(r"^[0-9]{14}$")


def siret_normaliser(valeur: str) -> str:
    """The digits as typed, without the spaces (and dots) people put between groups."""
    return re.sub(r"[\s.]", "", valeur or "")


def luhn_valide(chiffres: str) -> bool:
    """Whether a string of digits passes the Luhn check (every second digit from the right
    doubled, nines cast out, the total a multiple of ten)."""
    total = 0
    for rang, caractere in enumerate(reversed(chiffres)):
        chiffre = int(caractere)
        if rang % 2 == 1:
            chiffre *= 2
            if chiffre > 9:
                chiffre -= 9
        total += chiffre
    return total % 10 == 0


def siret_valide(valeur: str) -> bool:
    """Whether ``valeur`` (spaces allowed) is a well-formed SIRET whose check digit is right."""
    siret = siret_normaliser(valeur)
    if not _SIRET.match(siret):
        return False
    if siret.startswith(SIREN_LA_POSTE):
        return siret == SIRET_SIEGE_LA_POSTE or sum(int(c) for c in siret) % 5 == 0
    return luhn_valide(siret)
