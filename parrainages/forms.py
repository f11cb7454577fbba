"""Forms of the job seekers' pages: the profile in short steps, the application, their data."""

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from mentorat.fields import NomField
from mentorat.forms import SuggestionsInput
from mentorat.limites import limite_du_jour_consommer
from mentorat.models import IdentiteCertifiee
from programmes.forms import CommuneField, SecteursField
from programmes.models import Disponibilite, NiveauDiplome, Situation

from . import consentement
from .etablissements import etablissement_libelle, etablissements_recherche
from .models import Filleul, RepresentantLegal
from .models.personnes import age_on, validate_identifiant_france_travail

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Below that age a profile is not plausible (the youngest pupils of 6e are 11).
AGE_PLAUSIBLE_MIN, AGE_PLAUSIBLE_MAX = 11, 100


class EtapeProfil(forms.Form):
    """One step of the profile: ``cle`` names its answers in the session, ``gabarit`` shows
    it; ``user`` is the account filling it in."""

    cle = ""
    titre = ""
    gabarit = "includes/formulaire.html"

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


def _telephone(valeur: str) -> str:
    telephone = "".join(c for c in valeur if c.isdigit() or c == "+")
    if telephone and not (8 <= len(telephone.lstrip("+")) <= 15):
        raise forms.ValidationError("Ce numéro de téléphone semble incomplet.")
    return telephone


class IdentiteForm(EtapeProfil):
    cle = "identite"
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
        identite = (
            IdentiteCertifiee.objects.filter(user=self.user).first()
            if self.user is not None and self.user.pk
            else None
        )
        if identite is not None:
            self._verrouiller(identite)

    def _verrouiller(self, identite):
        """Names, birth date and place certified by FranceConnect: shown, not editable (the
        service refuses a change too)."""
        certifie = "Certifié par FranceConnect : ne peut pas être modifié."
        self.fields["first_name"].label = "Prénoms"
        for champ, valeur in (
            ("first_name", identite.prenoms),
            ("last_name", identite.nom),
            ("date_naissance", identite.date_naissance),
        ):
            self.fields[champ].disabled = True
            self.fields[champ].help_text = certifie
            self.initial[champ] = valeur
        for champ, libelle, valeur in (
            ("lieu_naissance", "Commune de naissance (code INSEE)", identite.lieu_naissance),
            ("pays_naissance", "Pays de naissance (code INSEE)", identite.pays_naissance),
        ):
            if valeur:
                self.fields[champ] = forms.CharField(
                    label=libelle, required=False, disabled=True, help_text=certifie
                )
                self.initial[champ] = valeur
        self.order_fields(
            ["first_name", "last_name", "date_naissance", "lieu_naissance", "pays_naissance"]
        )

    def clean_date_naissance(self):
        naissance = self.cleaned_data["date_naissance"]
        today = timezone.localdate()
        if naissance > today:
            raise forms.ValidationError("La date de naissance ne peut pas être dans le futur.")
        age = age_on(naissance, today)
        if age < AGE_PLAUSIBLE_MIN or age > AGE_PLAUSIBLE_MAX:
            raise forms.ValidationError(
                "Cette date de naissance n'est pas plausible (vous auriez %(age)s ans). "
                "Vérifiez l'année.",
                params={"age": age},
            )
        return naissance

    def clean_telephone(self):
        return _telephone(self.cleaned_data["telephone"])


class RepresentantsForm(EtapeProfil):
    """A minor's legal guardians (Code civil, art. 388 and 371-1): one at least, two at most.
    Their consent is asked by e-mail when the minor applies."""

    cle = "representants"
    titre = "Représentant légal"
    gabarit = "parrainages/filleul/_representants.html"
    CHAMPS = ("prenom", "nom", "lien", "email", "telephone")
    RANGS = (("rl1", "Premier représentant légal"), ("rl2", "Second représentant légal"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for rang, _ in self.RANGS:
            requis = rang == "rl1"
            self.fields[f"{rang}_prenom"] = NomField(label="Prénom", required=requis)
            self.fields[f"{rang}_nom"] = NomField(label="Nom", required=requis)
            self.fields[f"{rang}_lien"] = forms.ChoiceField(
                label="Lien avec vous",
                choices=[("", "—"), *RepresentantLegal.Lien.choices],
                required=requis,
            )
            self.fields[f"{rang}_email"] = forms.EmailField(
                label="Adresse e-mail",
                required=requis,
                help_text="La sienne, pas la vôtre : nous lui demanderons son accord par e-mail.",
                widget=forms.EmailInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"{rang}_telephone"] = forms.CharField(
                label="Téléphone",
                max_length=20,
                required=requis,
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            )
        for champ in self.fields.values():
            if not champ.required:
                champ.label = f"{champ.label} (facultatif)"

    def groupes(self):
        """The fields of each guardian, for the page's fieldsets."""
        return [
            (legende, [self[f"{rang}_{champ}"] for champ in self.CHAMPS])
            for rang, legende in self.RANGS
        ]

    def clean_rl1_telephone(self):
        return _telephone(self.cleaned_data["rl1_telephone"])

    def clean_rl2_telephone(self):
        return _telephone(self.cleaned_data["rl2_telephone"])

    def clean(self):
        cleaned = super().clean()
        representants = []
        for rang, legende in self.RANGS:
            valeurs = {champ: cleaned.get(f"{rang}_{champ}") for champ in self.CHAMPS}
            if rang != "rl1" and not any(valeurs.values()):
                continue
            manquants = [
                champ
                for champ in self.CHAMPS
                if not valeurs[champ] and f"{rang}_{champ}" not in self.errors
            ]
            for champ in manquants:
                self.add_error(f"{rang}_{champ}", f"{legende} : ce champ est obligatoire.")
            if not manquants and all(f"{rang}_{c}" not in self.errors for c in self.CHAMPS):
                representants.append(valeurs)
        adresses = [r["email"].lower() for r in representants]
        compte = (self.user.email if self.user is not None else "").lower()
        for rang, _ in self.RANGS:
            email = (cleaned.get(f"{rang}_email") or "").lower()
            if email and email == compte:
                self.add_error(
                    f"{rang}_email",
                    "Indiquez l'adresse e-mail de votre représentant légal, pas la vôtre : "
                    "c'est à lui que nous demanderons son accord.",
                )
        if len(adresses) == 2 and adresses[0] == adresses[1]:
            self.add_error("rl2_email", "Chaque représentant légal a sa propre adresse e-mail.")
        cleaned["representants"] = representants
        return cleaned


class LieuForm(EtapeProfil):
    cle = "lieu"
    titre = "Où vous habitez"
    adresse = forms.CharField(
        label="Adresse (numéro et voie)",
        max_length=200,
        required=False,
        help_text="Par exemple : 12 boulevard Balzac. Elle sert à vérifier si vous habitez "
        "dans un quartier prioritaire. Sans domicile stable, laissez vide.",
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    adresse_complement = forms.CharField(
        label="Complément d'adresse (facultatif)",
        max_length=200,
        required=False,
        help_text="Bâtiment, étage, « chez »…",
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    code_postal = forms.RegexField(
        label="Code postal",
        regex=r"^[0-9]{5}$",
        required=False,
        error_messages={"invalid": "Le code postal compte 5 chiffres."},
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": "5"}
        ),
    )
    commune = CommuneField()
    qpv = forms.ChoiceField(
        label="Habitez-vous dans un quartier prioritaire de la politique de la ville (QPV) ?",
        choices=[("oui", "Oui"), ("non", "Non")],
        widget=forms.RadioSelect,
        help_text="Nous le vérifions avec votre adresse. Si elle ne peut pas être localisée, "
        "votre réponse compte et l'équipe la vérifiera. En cas de doute, répondez « Oui ».",
    )

    def clean(self):
        cleaned = super().clean()
        adresse, code_postal = cleaned.get("adresse", ""), cleaned.get("code_postal", "")
        commune = cleaned.get("commune")
        if adresse and not code_postal and "code_postal" not in self.errors:
            self.add_error("code_postal", "Indiquez le code postal de votre adresse.")
        if code_postal and not adresse:
            self.add_error("adresse", "Indiquez le numéro et la voie de votre adresse.")
        if code_postal and commune is not None:
            codes = (commune.codes_postaux or commune.code_postal).split()
            if codes and code_postal not in codes:
                self.add_error(
                    "code_postal",
                    f"Ce code postal n'est pas celui de {commune.nom} ({', '.join(codes)}).",
                )
        return cleaned


class SituationForm(EtapeProfil):
    cle = "situation"
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
    parent_isole = forms.ChoiceField(
        label="Élevez-vous seul(e) un ou plusieurs enfants ? (facultatif)",
        choices=[("", "Je préfère ne pas répondre"), ("oui", "Oui"), ("non", "Non")],
        required=False,
        help_text="Si vous souhaitez le dire. Cette réponse ne sert qu'à des statistiques "
        "anonymes sur les publics accompagnés ; elle n'est montrée ni à votre parrain ni aux "
        "partenaires.",
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


class EtablissementField(forms.Field):
    """A school typed by its name, commune or UAI code, resolved on the server.

    The page offers suggestions (datalist filled from the schools' search), but typing works
    without JavaScript too.
    """

    default_error_messages = {
        "inconnu": "Nous ne trouvons pas cet établissement. Tapez son nom, sa commune ou son "
        "code UAI (sur le carnet de correspondance), puis choisissez-le dans la liste. "
        "Il n'y est pas ? Demandez à votre professeur principal de contacter l'équipe.",
        "ambigu": "Plusieurs établissements correspondent : %(exemples)s… Précisez la commune "
        "ou tapez le code UAI.",
    }
    widget = SuggestionsInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Votre établissement scolaire")
        kwargs.setdefault("help_text", "Par exemple : Collège Jean Jaurès, ou son code UAI.")
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "autocomplete": "off",
                "data-etablissements": "1",
            }
        )

    def prepare_value(self, value):
        if hasattr(value, "uai"):
            return etablissement_libelle(value)
        return value

    def to_python(self, value):
        texte = str(value or "").strip()[:250]
        if not texte:
            return None
        if "\x00" in texte:
            raise forms.ValidationError(self.error_messages["inconnu"], code="inconnu")
        trouves = list(etablissements_recherche(texte)[:4])
        if not trouves:
            raise forms.ValidationError(self.error_messages["inconnu"], code="inconnu")
        if len(trouves) > 1:
            exemples = " ; ".join(etablissement_libelle(e) for e in trouves[:3])
            raise forms.ValidationError(
                self.error_messages["ambigu"], code="ambigu", params={"exemples": exemples}
            )
        return trouves[0]


NIVEAUX_SCOLAIRES = ["6e", "5e", "4e", "3e", "2de", "1re", "Terminale", "Autre"]


class EtablissementForm(EtapeProfil):
    """Pupils: their school (a partner of type school, with its priority-education network)
    and their class."""

    cle = "etablissement"
    titre = "Votre établissement"
    etablissement = EtablissementField()
    niveau = forms.ChoiceField(
        label="Votre classe",
        choices=[("", "—"), *((n, n) for n in NIVEAUX_SCOLAIRES)],
        error_messages={"required": "Indiquez votre classe."},
    )
    division = forms.CharField(
        label="Division (facultatif)",
        max_length=8,
        required=False,
        help_text="La lettre ou le numéro de votre classe, par exemple B pour la 3e B.",
    )

    def clean(self):
        cleaned = super().clean()
        niveau = cleaned.get("niveau")
        if niveau:
            division = "".join(c for c in cleaned.get("division", "") if c.isalnum())
            cleaned["classe"] = f"{niveau} {division}".strip()
        return cleaned


class ProjetForm(EtapeProfil):
    cle = "projet"
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


class ConsentementForm(EtapeProfil):
    cle = "consentement"
    titre = "Vos données"
    consentement = forms.BooleanField(
        label=consentement.TEXTE,
        error_messages={"required": "Votre accord est nécessaire pour continuer."},
    )


ETAPES_PROFIL = [IdentiteForm, LieuForm, SituationForm, ProjetForm, ConsentementForm]


def etapes_profil(*, mineur: bool, eleve: bool) -> list[type[EtapeProfil]]:
    """The profile's steps for this person: a minor gives a legal guardian, a pupil a school."""
    etapes = [IdentiteForm]
    if mineur:
        etapes.append(RepresentantsForm)
    etapes += [LieuForm, SituationForm]
    if eleve:
        etapes.append(EtablissementForm)
    return [*etapes, ProjetForm, ConsentementForm]


class CandidatureForm(forms.Form):
    """The explicit confirmation of an application (one click, protected against doubles)."""

    confirmation = forms.BooleanField(
        label="Je confirme ma candidature et l'exactitude des informations de mon profil.",
        error_messages={"required": "Cochez la case pour confirmer votre candidature."},
    )


class RefusPropositionForm(forms.Form):
    """The mentee refuses the proposed mentor(s): a reason helps, none is required."""

    motif = forms.CharField(
        label="Pourquoi ? (facultatif)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Votre réponse aide l'équipe à mieux vous proposer ; le parrain n'en saura rien.",
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
