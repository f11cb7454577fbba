from django import forms
from django.core.exceptions import ValidationError

from mentorat.forms import ChoixMultiplesBornes, SuggestionsInput

from .models import Commune, Secteur, arrondissement_code, ville_codes


def commune_label(commune: Commune) -> str:
    return f"{commune.nom} ({commune.code_postal})"


class CommuneField(forms.Field):
    """A commune typed as "Nom (code postal)", a postcode or a name, resolved on the server.

    The page offers suggestions (datalist filled from /communes/recherche/), but typing works
    without JavaScript too.
    """

    default_error_messages = {
        "inconnue": "Nous ne trouvons pas cette commune. Tapez son nom ou son code postal, "
        "puis choisissez-la dans la liste.",
        "ambigue": "Plusieurs communes correspondent : %(exemples)s… Précisez le code postal.",
    }

    widget = SuggestionsInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Commune de résidence")
        kwargs.setdefault("help_text", "Par exemple : Toulouse (31000) ou 75019.")
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "data-communes": "1"})

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return commune_label(value)
        if isinstance(value, int):
            commune = Commune.objects.filter(pk=value).first()
            return commune_label(commune) if commune else ""
        return value

    def to_python(self, value):
        texte = str(value or "").strip()[:120]
        if not texte:
            return None
        if "\x00" in texte:  # PostgreSQL refuses NUL in a query parameter: no such commune
            raise ValidationError(self.error_messages["inconnue"], code="inconnue")
        return resolve_commune(texte, self.error_messages)


def resolve_commune(texte: str, messages: dict) -> Commune:
    candidats = Commune.objects.all()
    if texte.endswith(")") and "(" in texte:
        nom, _, code = texte[:-1].rpartition("(")
        nom, code = nom.strip(), code.strip()
        trouvees = list(
            candidats.filter(nom__iexact=nom, codes_postaux__contains=code)[:2]
        ) or list(candidats.filter(nom__iexact=nom)[:2])
    elif texte.isdigit() and len(texte) == 5:
        trouvees = list(candidats.filter(codes_postaux__contains=texte)[:6])
        if len(trouvees) > 1:
            exactes = [c for c in trouvees if c.code_postal == texte]
            trouvees = exactes if len(exactes) == 1 else trouvees
    else:
        trouvees = list(candidats.filter(nom__iexact=texte)[:6])
        code = arrondissement_code(texte)
        if not trouvees and code:  # « Paris 1er », « Lyon 3e »
            trouvees = list(candidats.filter(code_insee=code))
        if not trouvees:  # « Paris » where the file lists only its arrondissements
            trouvees = list(
                candidats.filter(code_insee__in=ville_codes(texte)).order_by("code_insee")[:6]
            )
    if not trouvees:
        raise ValidationError(messages["inconnue"], code="inconnue")
    if len(trouvees) > 1:
        exemples = ", ".join(commune_label(c) for c in trouvees[:3])
        raise ValidationError(messages["ambigue"], code="ambigue", params={"exemples": exemples})
    return trouvees[0]


class SecteursField(ChoixMultiplesBornes):
    """Sectors ticked in a list of checkboxes (an id out of range: an invalid choice)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Secteur.objects.all())
        super().__init__(**kwargs)
