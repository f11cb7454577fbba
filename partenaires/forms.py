import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from programmes.models import Programme

from .models import Partenaire


class PrescriptionForm(forms.Form):
    partenaire = forms.ModelChoiceField(label="Au nom de", queryset=Partenaire.objects.none())
    programme = forms.ModelChoiceField(
        label="Programme proposé", queryset=Programme.objects.ouverts().order_by("nom")
    )
    prenom = forms.CharField(label="Prénom de la personne", max_length=150)
    nom = forms.CharField(label="Nom de la personne", max_length=150)
    email = forms.EmailField(
        label="Son adresse e-mail", help_text="L'invitation lui est envoyée à cette adresse."
    )
    message = forms.CharField(
        label="Un mot pour la personne (facultatif)",
        help_text="Elle le lira sur le site en ouvrant son lien d'invitation ; l'e-mail "
        "d'invitation ne nomme que votre structure et l'adresse de votre compte.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )

    def __init__(self, *args, partenaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = partenaires
        if len(partenaires) == 1:
            self.fields["partenaire"].initial = partenaires[0]
            self.fields["partenaire"].widget = forms.HiddenInput()


# The years a period may span: far wider than any convention, and far enough from Python's
# date limits for the day after the last one and the shift to UTC to exist.
PREMIER_JOUR, DERNIER_JOUR = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
HORS_BORNES = "Choisissez une date entre le 01/01/2000 et le 31/12/2099."


def _date_de_periode(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[
            MinValueValidator(PREMIER_JOUR, message=HORS_BORNES),
            MaxValueValidator(DERNIER_JOUR, message=HORS_BORNES),
        ],
    )


class PeriodeForm(forms.Form):
    """A report period: first and last day, both included."""

    debut = _date_de_periode("Premier jour de la période")
    fin = _date_de_periode("Dernier jour de la période")

    def clean(self):
        cleaned = super().clean()
        debut, fin = cleaned.get("debut"), cleaned.get("fin")
        if debut and fin and fin < debut:
            self.add_error("fin", "La fin de la période doit suivre son début.")
        return cleaned
