from django import template

from mentorat.mfa import retour_apres_mfa

register = template.Library()


@register.simple_tag(takes_context=True)
def retour_apres_double_authentification(context):
    """Where a staff member goes once their recovery codes are saved (``None`` for others)."""
    request = context.get("request")
    return retour_apres_mfa(request) if request is not None else None
