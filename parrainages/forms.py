"""Forms of the job seekers' pages: the profile in short steps, the application, their data."""

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from mentorat.fields import NomField
from mentorat.limites import limite_du_jour_consommer
from programmes.forms import CommuneField, SecteursField
from programmes.models import Disponibilite, NiveauDiplome, Situation

from . import consentement
from .models import Filleul
from .models.personnes import age_on, validate_identifiant_france_travail

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IdentiteForm(forms.Form):
    titre = "Vous"
    first_name = NomField(label="Prénom")
    last_name = NomField(label="Nom")
    date_naissance = forms.DateField(
        label="Date de naissance", widget=DATE_WIDGET, help_text="Par exemple : 17/05/2001."
    )
    telephone = forms.CharField(
        label="Téléphone (facultatif)",
        max_length=20,
        required=False,
        help_text="Pour que votre parrain ou votre marraine puisse vous appeler.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["date_naissance"].widget.attrs["autocomplete"] = "bday"

    def clean_date_naissance(self):
        naissance = self.cleaned_data["date_naissance"]
        today = timezone.localdate()
        if naissance > today:
            raise forms.ValidationError("La date de naissance ne peut pas être dans le futur.")
        age = age_on(naissance, today)
        if age < 11 or age > 100:
            raise forms.ValidationError(
                "Cette date de naissance n'est pas plausible (vous auriez %(age)s ans). "
                "Vérifiez l'année.",
                params={"age": age},
            )
        return naissance

    def clean_telephone(self):
        telephone = "".join(c for c in self.cleaned_data["telephone"] if c.isdigit() or c == "+")
        if telephone and not (8 <= len(telephone.lstrip("+")) <= 15):
            raise forms.ValidationError("Ce numéro de téléphone semble incomplet.")
        return telephone


class LieuForm(forms.Form):
    titre = "Où vous habitez"
    commune = CommuneField()
    qpv = forms.ChoiceField(
        label="Habitez-vous dans un quartier prioritaire de la politique de la ville (QPV) ?",
        choices=[("oui", "Oui"), ("non", "Non")],
        widget=forms.RadioSelect,
        help_text="Votre conseiller ou l'équipe le confirmera avec votre adresse. En cas de "
        "doute, répondez « Oui » : la vérification se fera ensuite.",
    )


class SituationForm(forms.Form):
    titre = "Votre situation"
    situation = forms.ChoiceField(label="Votre situation aujourd'hui", choices=Situation.choices)
    inscrit_france_travail_depuis = forms.DateField(
        label="Inscrit(e) à France Travail depuis (facultatif)",
        required=False,
        widget=DATE_WIDGET,
    )
    identifiant_france_travail = forms.CharField(
        label="Identifiant France Travail (facultatif)",
        max_length=11,
        required=False,
        validators=[validate_identifiant_france_travail],
        help_text="7 chiffres suivis d'un chiffre ou d'une lettre, par exemple 1234567A.",
    )
    niveau_diplome = forms.TypedChoiceField(
        label="Votre diplôme le plus élevé", choices=NiveauDiplome.choices, coerce=int
    )

    def clean_identifiant_france_travail(self):
        return self.cleaned_data["identifiant_france_travail"].strip().upper()

    def clean_inscrit_france_travail_depuis(self):
        depuis = self.cleaned_data["inscrit_france_travail_depuis"]
        if depuis and depuis > timezone.localdate():
            raise forms.ValidationError("Cette date ne peut pas être dans le futur.")
        if depuis and depuis < dt.date(1970, 1, 1):
            raise forms.ValidationError("Cette date n'est pas plausible.")
        return depuis


class ProjetForm(forms.Form):
    titre = "Votre projet"
    secteurs_souhaites = SecteursField(label="Les métiers qui vous intéressent", required=False)
    disponibilites = forms.MultipleChoiceField(
        label="Vos disponibilités",
        choices=Disponibilite.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    mobilite_km = forms.IntegerField(
        label="Jusqu'où pouvez-vous vous déplacer ? (km)", min_value=0, max_value=500, initial=10
    )
    source = forms.ChoiceField(
        label="Comment avez-vous connu le programme ?",
        choices=[("", "—"), *Filleul.Source.choices],
        required=False,
    )


class ConsentementForm(forms.Form):
    titre = "Vos données"
    consentement = forms.BooleanField(
        label=consentement.TEXTE,
        error_messages={"required": "Votre accord est nécessaire pour continuer."},
    )


ETAPES_PROFIL = [IdentiteForm, LieuForm, SituationForm, ProjetForm, ConsentementForm]


class CandidatureForm(forms.Form):
    """The explicit confirmation of an application (one click, protected against doubles)."""

    confirmation = forms.BooleanField(
        label="Je confirme ma candidature et l'exactitude des informations de mon profil.",
        error_messages={"required": "Cochez la case pour confirmer votre candidature."},
    )


class SuppressionCompteForm(forms.Form):
    mot_de_passe = forms.CharField(
        label="Votre mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirmation = forms.BooleanField(
        label="Je comprends que mon compte et mon identité seront effacés définitivement.",
        error_messages={"required": "Cochez la case pour confirmer la suppression."},
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_mot_de_passe(self):
        mot_de_passe = self.cleaned_data["mot_de_passe"]
        # A signed-in session must not become a way to try passwords: so many checks a day.
        limite = settings.LIMITE_SUPPRESSION_ESSAIS_JOUR
        limite_du_jour_consommer(
            f"suppression-compte:{self.user.pk}",
            limite=limite,
            message=f"Vous avez déjà essayé {limite} fois votre mot de passe aujourd'hui : "
            "réessayez demain. Mot de passe oublié ? Déconnectez-vous, puis choisissez "
            "« Mot de passe oublié » sur la page de connexion.",
        )
        if not self.user.check_password(mot_de_passe):
            raise forms.ValidationError("Ce mot de passe n'est pas le bon.")
        return mot_de_passe
