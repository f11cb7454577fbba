"""A telephone number as a link: ``<a href="{{ numero|tel_uri }}">``."""

import re

import phonenumbers
from django import template

register = template.Library()


@register.filter
def tel_uri(numero) -> str:
    """The ``tel:`` URI of a number as people type it ("06 12 34 56 78"): RFC 3966 allows no
    space, so a French number becomes its international form (tel:+33612345678); a number
    that cannot be read keeps its digits and a leading +."""
    texte = str(numero or "")
    try:
        lu = phonenumbers.parse(texte, "FR")
    except phonenumbers.NumberParseException:
        lu = None
    if lu is not None and phonenumbers.is_possible_number(lu):
        return "tel:" + phonenumbers.format_number(lu, phonenumbers.PhoneNumberFormat.E164)
    return "tel:" + re.sub(r"[^\d+]", "", texte)


@register.filter
def telephone_lisible(numero) -> str:
    """« 06 12 34 56 78 » for a number stored in E.164."""
    from mentorat.telephones import telephone_lisible as lisible

    return lisible(str(numero or ""))
