"""The FranceConnect and ProConnect buttons of the login and sign-up pages."""

from django import template
from django.urls import reverse

from ..connexion import FRANCECONNECT, fournisseurs_actifs

register = template.Library()

# The providers' own pages that explain them (their button guidelines ask for the link).
AIDE = {
    "franceconnect": "https://franceconnect.gouv.fr/",
    "proconnect": "https://www.proconnect.gouv.fr/",
}
PUBLIC = {
    "franceconnect": "Vous cherchez un emploi : utilisez l'identité de vos comptes publics "
    "(impots.gouv.fr, ameli.fr, La Poste…).",
    "proconnect": "Vous êtes de l'équipe ou d'un partenaire : utilisez votre compte professionnel.",
}


@register.simple_tag
def fournisseurs_connexion() -> list[dict]:
    fournisseurs = sorted(fournisseurs_actifs(), key=lambda f: f["id"] != FRANCECONNECT)
    return [
        {
            **f,
            "url": reverse("openid_connect_login", kwargs={"provider_id": f["id"]}),
            "aide": AIDE.get(f["id"], ""),
            "public": PUBLIC.get(f["id"], ""),
        }
        for f in fournisseurs
    ]
