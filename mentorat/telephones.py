"""Mobile numbers the platform may text: France and its overseas territories only, in E.164.

Every layer reads numbers through here (a counsellor's referral, a person's verified number):
one normalisation, one guard against premium and foreign numbers.
"""

import phonenumbers

# Text messages go only to mobiles of France and of its overseas departments, regions and
# communities with a French numbering plan (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte,
# Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin): a number typed in a form could
# otherwise be a premium or foreign one, billed to the platform (SMS toll fraud).
REGIONS_SMS = {"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"}
TYPES_SMS = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
NUMERO_NON_MOBILE = (
    "Ce numéro n'est pas celui d'un téléphone mobile de France (métropole ou outre-mer) : "
    "les SMS ne partent que vers ces numéros."
)


def telephone_e164(numero: str) -> str:
    """A mobile number of France or its overseas departments and regions in E.164, or ""
    otherwise (not a valid number, a landline, a premium or foreign number)."""
    # A national number (06…, 0690…, 0692…) is read as the mainland's, then as each overseas
    # one's: they share the leading 0 but not the country code.
    for region in ("FR", *sorted(REGIONS_SMS - {"FR"})):
        try:
            analyse = phonenumbers.parse(numero or "", region)
        except phonenumbers.NumberParseException:
            return ""
        if phonenumbers.is_valid_number(analyse):
            break
    else:
        return ""
    if phonenumbers.region_code_for_number(analyse) not in REGIONS_SMS:
        return ""
    if phonenumbers.number_type(analyse) not in TYPES_SMS:
        return ""
    return phonenumbers.format_number(analyse, phonenumbers.PhoneNumberFormat.E164)


def telephone_lisible(numero: str) -> str:
    """A number as people read it (06 12 34 56 78, +262 6 92 …), for pages and messages."""
    try:
        analyse = phonenumbers.parse(numero or "", "FR")
    except phonenumbers.NumberParseException:
        return numero or ""
    if phonenumbers.region_code_for_number(analyse) == "FR":
        return phonenumbers.format_number(analyse, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(analyse, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def telephone_masque(numero: str) -> str:
    """Only the last two digits shown (« 06 •• •• •• 78 »), as the signature pages mask
    an address."""
    lisible = telephone_lisible(numero)
    chiffres = [i for i, c in enumerate(lisible) if c.isdigit()]
    garder = set(chiffres[:2] + chiffres[-2:]) if len(chiffres) > 4 else set(chiffres)
    return "".join(c if (i in garder or not c.isdigit()) else "•" for i, c in enumerate(lisible))
