"""Filters for generated documents (PDF): see mentorat/texte.py."""

from django import template

from mentorat.texte import nom_pour_pdf, pour_pdf

register = template.Library()


@register.filter
def pdf_texte(valeur):
    """Free text for a PDF: no bidirectional controls, emoji named instead of empty boxes."""
    return pour_pdf(valeur)


@register.filter
def pdf_nom(valeur):
    """A person's or organisation's name for a PDF, isolated from the text around it."""
    return nom_pour_pdf(valeur)
