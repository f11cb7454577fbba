"""The one CSV writer of the platform: every CSV file it produces goes through ``csv_ecrire``.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by spreadsheet software (LibreOffice, Excel): a mentee named
``=HYPERLINK("http://…"&A3;"Voir")`` would put a live link into a partner's report. Such a text
cell is prefixed with an apostrophe, which spreadsheets show as text (OWASP, "CSV Injection":
https://owasp.org/www-community/attacks/CSV_Injection). Numbers and dates are written as
they are: a negative number is not a formula. XLSX files are written as inline strings
(``partenaires/tableur.py``), which are never evaluated.
"""

import csv
import datetime as dt
import io

from django.utils import timezone

DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def cellule_neutralisee(valeur) -> str | int | float:
    """A value as a CSV cell: dates in French, empty for None, text never a formula."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, int | float):
        return valeur
    if isinstance(valeur, dt.datetime):
        if timezone.is_aware(valeur):
            valeur = timezone.localtime(valeur)
        return valeur.strftime("%d/%m/%Y %H:%M")
    if isinstance(valeur, dt.date):
        return valeur.strftime("%d/%m/%Y")
    texte = str(valeur)
    if texte.startswith(DEBUTS_DE_FORMULE):
        return "'" + texte
    return texte


def csv_ecrire(entete, lignes) -> bytes:
    """CSV bytes as spreadsheet software in France expects: semicolons, CRLF, UTF-8 with BOM."""
    tampon = io.StringIO()
    writer = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    writer.writerow([cellule_neutralisee(v) for v in entete])
    for ligne in lignes:
        writer.writerow([cellule_neutralisee(v) for v in ligne])
    return tampon.getvalue().encode("utf-8-sig")
