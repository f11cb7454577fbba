"""What a text message template needs: people's words in GSM-7, cut short
(``{{ nom|abreger:25 }}``, mentorat.gsm7)."""

from django import template

from mentorat import gsm7

register = template.Library()


@register.filter
def abreger(texte, longueur: int) -> str:
    return gsm7.abreger(str(texte or ""), int(longueur))
