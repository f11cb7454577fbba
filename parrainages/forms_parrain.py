from django import forms

from programmes.forms import CommuneField
from programmes.models import Secteur


class ProposerParrainForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    telephone = forms.CharField(label="Téléphone (facultatif)", max_length=20, required=False)
    entreprise = forms.CharField(label="Entreprise", max_length=200)
    fonction = forms.CharField(
        label="Fonction", max_length=200, help_text="Par exemple : DRH, chargée de recrutement."
    )
    annees_experience = forms.IntegerField(
        label="Années d'expérience professionnelle", min_value=0, max_value=60
    )
    commune = CommuneField(label="Commune où vous travaillez")
    secteurs = forms.ModelMultipleChoiceField(
        label="Secteurs que vous connaissez",
        queryset=Secteur.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    offre_reguliere = forms.BooleanField(label="Parrainage régulier", required=False, initial=True)
    offre_ponctuelle = forms.BooleanField(
        label="Actions ponctuelles (rencontres métiers, visites)", required=False
    )
    offre_immersion = forms.BooleanField(label="Immersion dans mon entreprise", required=False)
    capacite = forms.IntegerField(
        label="Combien de personnes pouvez-vous suivre en même temps ?",
        min_value=1,
        max_value=10,
        initial=1,
    )
    distanciel_accepte = forms.BooleanField(
        label="J'accepte les rencontres à distance (visio, téléphone)", required=False, initial=True
    )
    bio = forms.CharField(
        label="Quelques mots sur vous (facultatif)", widget=forms.Textarea, required=False
    )

    def __init__(self, *args, parrain_existant=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parrain_existant is not None:
            # A validated mentor only joins the programme: the profile is edited in the portal.
            for name in list(self.fields):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.fields and not (
            data.get("offre_reguliere")
            or data.get("offre_ponctuelle")
            or data.get("offre_immersion")
        ):
            raise forms.ValidationError("Choisissez au moins une forme de parrainage.")
        return data
