from django import forms

from .fields import NomField


class InscriptionForm(forms.Form):
    """Extra fields of the sign-up form (allauth adds e-mail and password)."""

    first_name = NomField(
        label="Prénom", widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = NomField(label="Nom", widget=forms.TextInput(attrs={"autocomplete": "family-name"}))

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
