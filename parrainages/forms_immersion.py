"""Forms of an immersion convention: the convention itself, its weekly hours (one line per day,
phone-sized), a renewal, a cancellation, and the tutor's assessment.

They check what a form can see (a field missing, a SIRET's key, two time ranges in the wrong
order); the legal limits are the services' (``parrainages.immersion_regles``), whose messages
are shown under the same fields.
"""

import datetime as dt

from django import forms
from django.forms.models import fields_for_model, model_to_dict

from mentorat.fields import NomField
from mentorat.siret import siret_normaliser, siret_valide
from programmes.forms import CommuneField

from . import immersion_horaires as H
from . import immersion_regles as regles
from .models import BilanImmersion, Immersion

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTE_COURT = {"rows": 3}

# --- Weekly hours ---------------------------------------------------------------------------------

DEMI_JOURNEES = (("matin", "matin"), ("apres_midi", "après-midi"))
HORAIRES_PMSMP = {j: [["09:00", "12:30"], ["13:30", "17:00"]] for j in H.JOURS[:5]}
HORAIRES_OBSERVATION = {j: [["09:00", "12:00"], ["13:30", "16:30"]] for j in H.JOURS[:5]}


def _heure_widget():
    return forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")


class HorairesForm(forms.Form):
    """One line per weekday: morning from … to …, afternoon from … to … (empty: day off)."""

    prefix = "horaires"

    def __init__(self, *args, horaires=None, **kwargs):
        kwargs.setdefault("initial", self.initial_depuis(horaires or {}))
        super().__init__(*args, **kwargs)
        for jour in H.JOURS:
            for cle, libelle in DEMI_JOURNEES:
                for bord, mot in (("debut", "début"), ("fin", "fin")):
                    self.fields[f"{jour}_{cle}_{bord}"] = forms.TimeField(
                        label=f"{jour.capitalize()}, {libelle} : {mot}",
                        required=False,
                        widget=_heure_widget(),
                    )

    @staticmethod
    def initial_depuis(horaires: dict) -> dict:
        initial = {}
        for jour in H.JOURS:
            plages = (horaires.get(jour) or [])[:2]
            for (cle, _libelle), plage in zip(DEMI_JOURNEES, plages, strict=False):
                initial[f"{jour}_{cle}_debut"] = plage[0]
                initial[f"{jour}_{cle}_fin"] = plage[1]
        return initial

    def jours(self):
        """For the template: per weekday its name and its four fields, in order."""
        return [
            (
                jour.capitalize(),
                [
                    (libelle, self[f"{jour}_{cle}_debut"], self[f"{jour}_{cle}_fin"])
                    for cle, libelle in DEMI_JOURNEES
                ],
            )
            for jour in H.JOURS
        ]

    def clean(self):
        data = super().clean()
        for jour in H.JOURS:
            precedente = None
            for cle, libelle in DEMI_JOURNEES:
                debut, fin = data.get(f"{jour}_{cle}_debut"), data.get(f"{jour}_{cle}_fin")
                if (debut is None) != (fin is None):
                    self.add_error(
                        f"{jour}_{cle}_fin" if fin is None else f"{jour}_{cle}_debut",
                        f"{jour.capitalize()} {libelle} : indiquez le début et la fin.",
                    )
                    continue
                if debut is None:
                    continue
                if fin <= debut:
                    self.add_error(
                        f"{jour}_{cle}_fin",
                        f"{jour.capitalize()} {libelle} : la fin doit suivre le début.",
                    )
                    continue
                if precedente and debut < precedente:
                    self.add_error(
                        f"{jour}_{cle}_debut",
                        f"{jour.capitalize()} : l'après-midi commence après la fin du matin.",
                    )
                precedente = fin
        return data

    def horaires(self) -> dict:
        """The week as stored on the convention."""
        semaine = {}
        for jour in H.JOURS:
            plages = []
            for cle, _libelle in DEMI_JOURNEES:
                debut = self.cleaned_data.get(f"{jour}_{cle}_debut")
                fin = self.cleaned_data.get(f"{jour}_{cle}_fin")
                if debut and fin:
                    plages.append([debut.strftime("%H:%M"), fin.strftime("%H:%M")])
            if plages:
                semaine[jour] = plages
        return semaine


# --- The convention -------------------------------------------------------------------------------

CHAMPS_FORMULAIRE = (
    "date_debut",
    "date_fin",
    "objet",
    "objectifs",
    "metier_code",
    "metier_libelle",
    "entreprise_nom",
    "entreprise_siret",
    "entreprise_adresse",
    "entreprise_commune",
    "lieu",
    "representant_est_parrain",
    "representant_prenom",
    "representant_nom",
    "representant_fonction",
    "representant_email",
    "representant_telephone",
    "tuteur_prenom",
    "tuteur_nom",
    "tuteur_fonction",
    "tuteur_email",
    "tuteur_telephone",
    "prescripteur",
    "conseiller_prenom",
    "conseiller_nom",
    "conseiller_fonction",
    "conseiller_email",
    "conseiller_telephone",
    "chef_etablissement_prenom",
    "chef_etablissement_nom",
    "chef_etablissement_email",
    "enseignant_prenom",
    "enseignant_nom",
    "enseignant_email",
    "enseignant_telephone",
    "activites",
    "competences",
    "epi",
    "epi_detail",
    "risques",
    "sans_travaux_dangereux",
    "urgence_nom",
    "urgence_telephone",
)
NOMS = {
    "representant_prenom",
    "representant_nom",
    "tuteur_prenom",
    "tuteur_nom",
    "conseiller_prenom",
    "conseiller_nom",
    "chef_etablissement_prenom",
    "chef_etablissement_nom",
    "enseignant_prenom",
    "enseignant_nom",
    "entreprise_nom",
    "urgence_nom",
}
TELEPHONES = {
    "representant_telephone",
    "tuteur_telephone",
    "conseiller_telephone",
    "enseignant_telephone",
    "urgence_telephone",
}
# The groups of the page, for the template (a legend each).
GROUPES = (
    ("Dates et objet", ("date_debut", "date_fin", "objet", "objectifs", "metier_code")),
    ("", ("metier_libelle",)),
    (
        "Entreprise d'accueil",
        ("entreprise_nom", "entreprise_siret", "entreprise_adresse", "entreprise_commune", "lieu"),
    ),
    (
        "Représentant(e) de l'entreprise, qui signe la convention",
        (
            "representant_est_parrain",
            "representant_prenom",
            "representant_nom",
            "representant_fonction",
            "representant_email",
            "representant_telephone",
        ),
    ),
    (
        "Tuteur ou tutrice, qui accueille et remplit le bilan",
        ("tuteur_prenom", "tuteur_nom", "tuteur_fonction", "tuteur_email", "tuteur_telephone"),
    ),
    (
        "Structure prescriptrice et conseiller(ère) référent(e)",
        (
            "prescripteur",
            "conseiller_prenom",
            "conseiller_nom",
            "conseiller_fonction",
            "conseiller_email",
            "conseiller_telephone",
        ),
    ),
    (
        "Établissement scolaire",
        (
            "chef_etablissement_prenom",
            "chef_etablissement_nom",
            "chef_etablissement_email",
            "enseignant_prenom",
            "enseignant_nom",
            "enseignant_email",
            "enseignant_telephone",
        ),
    ),
    (
        "Activités, compétences et sécurité",
        ("activites", "competences", "epi", "epi_detail", "risques", "sans_travaux_dangereux"),
    ),
    ("En cas d'urgence", ("urgence_nom", "urgence_telephone")),
)


class ImmersionForm(forms.Form):
    """The convention a mentor proposes (or changes) for a pair; its fields follow the pair's
    programme: a PMSMP for job seekers, an observation sequence for pupils."""

    def __init__(self, *args, parrainage, instance=None, **kwargs):
        self.parrainage = parrainage
        self.observation = regles.nature_attendue(parrainage) == Immersion.Nature.OBSERVATION
        if instance is not None:
            initial = model_to_dict(instance, fields=CHAMPS_FORMULAIRE)
            initial["entreprise_commune"] = instance.entreprise_commune
            kwargs.setdefault("initial", initial)
        else:
            kwargs.setdefault("initial", self._initial_nouvelle(parrainage))
        super().__init__(*args, **kwargs)
        champs = fields_for_model(
            Immersion,
            fields=CHAMPS_FORMULAIRE,
            widgets={
                "date_debut": DATE_WIDGET,
                "date_fin": DATE_WIDGET,
                "objectifs": forms.Textarea(attrs=TEXTE_COURT),
                "activites": forms.Textarea(attrs=TEXTE_COURT),
                "competences": forms.Textarea(attrs=TEXTE_COURT),
                "risques": forms.Textarea(attrs=TEXTE_COURT),
            },
        )
        retirer = set(CHAMPS_FORMULAIRE_PMSMP) if self.observation else set(CHAMPS_FORMULAIRE_ELEVE)
        for nom, champ in champs.items():
            if nom in retirer:
                continue
            if nom in NOMS:
                champ = NomField(label=champ.label, max_length=champ.max_length, required=False)
            if nom in TELEPHONES:
                champ.widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
            self.fields[nom] = champ
        self.fields["entreprise_commune"] = CommuneField(
            label="Commune de l'établissement", required=False
        )
        self.fields["entreprise_siret"] = forms.CharField(
            label="SIRET de l'établissement d'accueil",
            max_length=20,
            help_text="14 chiffres, sur une fiche de paie ou l'extrait Kbis.",
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        )
        if "prescripteur" in self.fields:
            self.fields["prescripteur"].queryset = (
                self.fields["prescripteur"]
                .queryset.filter(type__in=regles.TYPES_PRESCRIPTEURS_PMSMP, actif=True)
                .order_by("nom")
            )
            self.fields[
                "prescripteur"
            ].help_text = (
                "France Travail, la Mission locale ou l'association qui accompagne la personne."
            )
        requis = set(regles.REQUIS_COMMUNS) | set(
            regles.REQUIS_OBSERVATION if self.observation else regles.REQUIS_PMSMP
        )
        for nom in requis | {"date_debut", "date_fin"}:
            if nom in self.fields:
                self.fields[nom].required = True
        if "prescripteur" in self.fields:
            self.fields["prescripteur"].required = True
        if "sans_travaux_dangereux" in self.fields:
            self.fields["sans_travaux_dangereux"].required = True
            self.fields["sans_travaux_dangereux"].error_messages["required"] = (
                "Confirmez que l'élève ne fera qu'observer (Code de l'éducation, art. D331-9)."
            )
        if "objet" in self.fields:
            self.fields["objet"].choices = Immersion.Objet.choices
            self.fields["objet"].widget = forms.RadioSelect(choices=Immersion.Objet.choices)

    @staticmethod
    def _initial_nouvelle(parrainage) -> dict:
        parrain = parrainage.parrain
        candidature = parrainage.candidature
        return {
            "representant_est_parrain": True,
            "entreprise_nom": parrain.entreprise,
            "prescripteur": candidature.prescripteur_id if candidature else None,
        }

    def groupes(self):
        """For the template: the legend of each group and its bound fields."""
        resultat = []
        for legende, noms in GROUPES:
            champs = [self[n] for n in noms if n in self.fields]
            if champs:
                resultat.append((legende, champs))
        return resultat

    def clean_entreprise_siret(self):
        siret = siret_normaliser(self.cleaned_data["entreprise_siret"])
        if not siret_valide(siret):
            raise forms.ValidationError(
                "Ce SIRET n'est pas valide : il compte 14 chiffres et sa clé de contrôle ne "
                "correspond pas. Recopiez-le depuis un document de l'entreprise."
            )
        return siret

    def clean_metier_code(self):
        code = (self.cleaned_data.get("metier_code") or "").strip().upper()
        if code and not regles.ROME.match(code):
            raise forms.ValidationError(
                "Un code ROME s'écrit avec une lettre de A à N suivie de 4 chiffres (ex. M1607)."
            )
        return code

    def clean(self):
        data = super().clean()
        if not data.get("representant_est_parrain"):
            for nom, message in regles.REQUIS_REPRESENTANT.items():
                if nom in self.fields and not data.get(nom):
                    self.add_error(nom, message)
        debut, fin = data.get("date_debut"), data.get("date_fin")
        if debut and fin and fin < debut:
            self.add_error("date_fin", "Le dernier jour doit suivre le premier.")
        return data


CHAMPS_FORMULAIRE_PMSMP = (
    "objet",
    "metier_code",
    "prescripteur",
    "conseiller_prenom",
    "conseiller_nom",
    "conseiller_fonction",
    "conseiller_email",
    "conseiller_telephone",
)
CHAMPS_FORMULAIRE_ELEVE = (
    "chef_etablissement_prenom",
    "chef_etablissement_nom",
    "chef_etablissement_email",
    "enseignant_prenom",
    "enseignant_nom",
    "enseignant_email",
    "enseignant_telephone",
    "sans_travaux_dangereux",
)


class RenouvellementForm(forms.Form):
    date_debut = forms.DateField(label="Premier jour du renouvellement", widget=DATE_WIDGET)
    date_fin = forms.DateField(label="Dernier jour du renouvellement", widget=DATE_WIDGET)

    def __init__(self, *args, immersion, **kwargs):
        lendemain = immersion.date_fin + dt.timedelta(days=1)
        kwargs.setdefault(
            "initial", {"date_debut": lendemain, "date_fin": regles.fin_max_pmsmp(lendemain)}
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        debut, fin = data.get("date_debut"), data.get("date_fin")
        if debut and fin and fin < debut:
            self.add_error("date_fin", "Le dernier jour doit suivre le premier.")
        return data


class AnnulationForm(forms.Form):
    motif = forms.CharField(
        label="Pourquoi annulez-vous cette convention ?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif de l'annulation."},
    )


# --- The tutor's assessment -----------------------------------------------------------------------


class BilanForm(forms.Form):
    jours_presence = forms.IntegerField(
        label="Jours de présence", min_value=0, max_value=366, widget=forms.NumberInput
    )
    jours_absence = forms.IntegerField(
        label="Jours d'absence", min_value=0, max_value=366, initial=0
    )
    issue = forms.ChoiceField(
        label="Quelle suite est envisagée ?",
        choices=BilanImmersion.Issue.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez la suite envisagée."},
    )
    commentaire = forms.CharField(
        label="Commentaire (facultatif)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, immersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.competences = immersion.liste_competences()
        self.fields[
            "jours_presence"
        ].help_text = (
            f"La convention prévoyait {immersion.resume_horaires()['jours']} jour(s) de présence."
        )
        for rang, competence in enumerate(self.competences):
            self.fields[f"competence_{rang}"] = forms.ChoiceField(
                label=f"Compétence : {competence}",
                choices=BilanImmersion.Niveau.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Indiquez où en est cette compétence."},
            )
        # The skills before the outcome, in reading order.
        ordre = ["jours_presence", "jours_absence"]
        ordre += [f"competence_{r}" for r in range(len(self.competences))]
        self.order_fields([*ordre, "issue", "commentaire"])

    def donnees(self) -> dict:
        return {
            "jours_presence": self.cleaned_data["jours_presence"],
            "jours_absence": self.cleaned_data["jours_absence"] or 0,
            "competences": {
                c: self.cleaned_data[f"competence_{r}"] for r, c in enumerate(self.competences)
            },
            "issue": self.cleaned_data["issue"],
            "commentaire": self.cleaned_data.get("commentaire", ""),
        }
