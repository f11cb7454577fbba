import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from parrainages.forms import IdentiteForm, LieuForm, SituationForm
from programmes.models import Programme

from .models import Frein, Partenaire


class _AuNomDe(forms.Form):
    """The partner a member acts for (hidden when they belong to one only) and the
    programme."""

    partenaire = forms.ModelChoiceField(label="Au nom de", queryset=Partenaire.objects.none())
    programme = forms.ModelChoiceField(
        label="Programme proposé", queryset=Programme.objects.ouverts().order_by("nom")
    )

    def __init__(self, *args, partenaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = partenaires
        if len(partenaires) == 1:
            self.fields["partenaire"].initial = partenaires[0]
            self.fields["partenaire"].widget = forms.HiddenInput()


class DiagnosticForm(forms.Form):
    """The counsellor's short diagnostic: read by staff and by the counsellor's own
    structure, never by another partner."""

    freins = forms.MultipleChoiceField(
        label="Freins identifiés (facultatif)",
        choices=Frein.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    diagnostic = forms.CharField(
        label="Son projet et ses atouts (facultatif)",
        help_text="Quelques lignes : le métier visé, ce qui l'aide, ce qui le freine. Lu par "
        "l'équipe du programme et par votre structure, jamais par une autre structure ; la "
        "personne peut en obtenir copie (droit d'accès à ses données) : écrivez-le avec elle.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
    )


class PrescriptionForm(DiagnosticForm, _AuNomDe):
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
    field_order = ["partenaire", "programme", "prenom", "nom", "email", "message"]


class PrescriptionLigneForm(IdentiteForm, LieuForm, SituationForm):
    """One person's profile, as the mentee's own sign-up steps check it (identity, place,
    situation), plus an optional e-mail address: a row of a referrals file, or the profile a
    counsellor fills with the person."""

    email = forms.EmailField(
        label="Son adresse e-mail (facultatif)",
        required=False,
        help_text="Pour lui envoyer son code d'activation par e-mail. Elle choisira elle-même "
        "l'adresse de son compte en l'activant.",
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class PrescriptionCompteForm(PrescriptionLigneForm, DiagnosticForm, _AuNomDe):
    """A counsellor fills the person's profile with them: the account and the application
    are created at once; the person claims the account later with a code."""

    consentement = forms.BooleanField(
        label="La personne a lu l'information sur l'usage de ses données (page « Vos "
        "données » du site) et accepte que son profil soit enregistré.",
        error_messages={"required": "L'accord de la personne est nécessaire pour continuer."},
    )
    field_order = [
        "partenaire",
        "programme",
        "first_name",
        "last_name",
        "date_naissance",
        "telephone",
        "email",
        "adresse",
        "adresse_complement",
        "code_postal",
        "commune",
        "qpv",
        "situation",
        "inscrit_france_travail_depuis",
        "identifiant_france_travail",
        "niveau_diplome",
        "freins",
        "diagnostic",
        "consentement",
    ]

    def __init__(self, *args, partenaires, **kwargs):
        super().__init__(*args, partenaires=partenaires, **kwargs)
        self.fields["telephone"].label = "Téléphone mobile (facultatif)"
        self.fields["telephone"].help_text = "Pour lui envoyer son code d'activation par SMS."
        self.fields[
            "qpv"
        ].label = "Habite-t-elle dans un quartier prioritaire de la politique de la ville (QPV) ?"
        self.fields["situation"].label = "Sa situation aujourd'hui"
        self.fields["niveau_diplome"].label = "Son diplôme le plus élevé"


class CodeRemettreForm(forms.Form):
    moyen = forms.ChoiceField(
        label="Remettre un nouveau code",
        choices=[("lettre", "Lettre à imprimer"), ("email", "E-mail"), ("sms", "SMS")],
    )


class ImportPrescriptionsForm(_AuNomDe):
    fichier = forms.FileField(
        label="Fichier CSV des personnes à orienter",
        help_text="Partez du modèle à télécharger : une personne par ligne, 200 lignes et "
        "512 Ko au plus, colonnes séparées par des points-virgules ou des virgules.",
    )
    consentement = forms.BooleanField(
        label="Chaque personne du fichier sans adresse e-mail a lu l'information sur l'usage de "
        "ses données et accepté que son compte et sa candidature soient créés.",
        error_messages={"required": "L'accord des personnes est nécessaire pour importer."},
    )


class ReclamationForm(forms.Form):
    """The person claims the account a counsellor created: the code and their birth date,
    then their login address and password."""

    code = forms.CharField(
        label="Code d'activation",
        max_length=20,
        help_text="8 caractères, sur votre lettre ou dans votre message (par exemple ABCD-2345).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    date_naissance = forms.DateField(
        label="Votre date de naissance",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(
        label="Votre adresse e-mail",
        help_text="Vous vous connecterez avec elle ; nous y envoyons un code pour la vérifier.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label="Choisissez un mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label="Le même mot de passe, une seconde fois",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean_password1(self):
        from django.contrib.auth.password_validation import validate_password

        mot_de_passe = self.cleaned_data["password1"]
        validate_password(mot_de_passe)
        return mot_de_passe

    def clean(self):
        cleaned = super().clean()
        un, deux = cleaned.get("password1"), cleaned.get("password2")
        if un and deux and un != deux:
            self.add_error("password2", "Les deux mots de passe ne sont pas les mêmes.")
        return cleaned


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
