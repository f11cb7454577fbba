from django import forms

from mentorat.fields import DateHeureField, NomField
from programmes.forms import CommuneField, SecteursField


class ProposerParrainForm(forms.Form):
    first_name = NomField(label="Prénom")
    last_name = NomField(label="Nom")
    telephone = forms.CharField(label="Téléphone (facultatif)", max_length=20, required=False)
    entreprise = NomField(label="Entreprise", max_length=200)
    fonction = NomField(
        label="Fonction", max_length=200, help_text="Par exemple : DRH, chargée de recrutement."
    )
    annees_experience = forms.IntegerField(
        label="Années d'expérience professionnelle", min_value=0, max_value=60
    )
    commune = CommuneField(label="Commune où vous travaillez")
    secteurs = SecteursField(label="Secteurs que vous connaissez")
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


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProfilParrainForm(forms.ModelForm):
    commune = CommuneField(label="Commune où vous recevez")
    en_pause = forms.BooleanField(
        label="Mettre en pause : ne plus recevoir de nouvelle proposition",
        required=False,
        help_text="Vos binômes en cours continuent normalement.",
    )

    class Meta:
        from .models import Parrain

        model = Parrain
        fields = [
            "entreprise",
            "fonction",
            "annees_experience",
            "commune",
            "secteurs",
            "offre_reguliere",
            "offre_ponctuelle",
            "offre_immersion",
            "capacite",
            "disponibilites",
            "distanciel_accepte",
            "bio",
        ]
        field_classes = {"secteurs": SecteursField}
        # The model's bounds, shown to the browser too (the server checks them in any case).
        widgets = {
            "capacite": forms.NumberInput(attrs={"min": 1, "max": 10}),
            "annees_experience": forms.NumberInput(attrs={"min": 0, "max": 60}),
        }


class DeclinForm(forms.Form):
    motif = forms.CharField(
        label="Pourquoi déclinez-vous ?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={"required": "Indiquez la raison, elle aide l'équipe à mieux proposer."},
    )


class RencontreForm(forms.Form):
    from .models import Rencontre as _Rencontre

    debut = DateHeureField(label="Date et heure")
    duree_minutes = forms.IntegerField(
        label="Durée (minutes)", min_value=15, max_value=480, initial=60
    )
    modalite = forms.ChoiceField(
        label="Modalité", choices=_Rencontre.Modalite.choices, widget=forms.RadioSelect
    )
    lieu = forms.CharField(label="Lieu (en personne)", max_length=250, required=False)
    lien = forms.URLField(label="Lien de visioconférence", required=False, assume_scheme="https")
    sujet = forms.CharField(label="Sujet", max_length=200, required=False)


class DeplacerRencontreForm(forms.Form):
    debut = DateHeureField(label="Nouvelle date et heure")


LISTE_OBJECTIFS = "objectifs-proposes"


class ObjectifsForm(forms.Form):
    """One to three goals, picked from the programme's list (offered as the fields' suggestions,
    ``LISTE_OBJECTIFS``) or written in one's own words."""

    requis = True

    def __init__(self, *args, initiaux=(), **kwargs):
        super().__init__(*args, **kwargs)
        from .models import OBJECTIFS_MAX

        for i in range(1, OBJECTIFS_MAX + 1):
            self.fields[f"objectif_{i}"] = forms.CharField(
                label=f"Objectif {i}" + ("" if i == 1 and self.requis else " (facultatif)"),
                max_length=150,
                required=False,
                initial=initiaux[i - 1] if i <= len(initiaux) else "",
                widget=forms.TextInput(attrs={"list": LISTE_OBJECTIFS, "autocomplete": "off"}),
            )

    @property
    def libelles(self) -> list[str]:
        return [v for k, v in self.cleaned_data.items() if k.startswith("objectif_") and v]

    def clean(self):
        data = super().clean()
        if self.requis and not any(v for k, v in data.items() if k.startswith("objectif_")):
            raise forms.ValidationError("Écrivez au moins un objectif.")
        return data


class ConsignerRencontreForm(ObjectifsForm):
    """Logging a meeting: its topics and notes; at the first meeting of a pair without goals,
    its goals (asked, not required: the pair may write them later); once it has goals, the
    progress of each."""

    from .models import Theme as _Theme

    requis = False

    def __init__(self, *args, objectifs=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Avancement

        objectifs = list(objectifs or ())
        self.objectifs = objectifs
        if objectifs:
            for name in [n for n in self.fields if n.startswith("objectif_")]:
                del self.fields[name]
        for objectif in objectifs:
            self.fields[f"avancement_{objectif.pk}"] = forms.ChoiceField(
                label=f"Avancement : {objectif.libelle}",
                choices=Avancement.choices,
                initial=objectif.avancement,
                widget=forms.RadioSelect,
            )

    def donnees_service(self) -> dict:
        return {
            "themes": self.cleaned_data["themes"],
            "compte_rendu": self.cleaned_data["compte_rendu"],
            "objectifs": [] if self.objectifs else self.libelles,
            "avancements": {o.pk: self.cleaned_data[f"avancement_{o.pk}"] for o in self.objectifs},
        }

    themes = forms.MultipleChoiceField(
        label="Thèmes abordés",
        choices=_Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un thème abordé."},
    )
    compte_rendu = forms.CharField(
        label="Notes privées (visibles de vous et de l'équipe seulement)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )


class ImmersionForm(forms.Form):
    date_debut = forms.DateField(label="Premier jour", widget=DATE_WIDGET)
    date_fin = forms.DateField(label="Dernier jour", widget=DATE_WIDGET)
    lieu = forms.CharField(label="Lieu", max_length=250)
    tuteur = forms.CharField(label="Tuteur ou tutrice sur place", max_length=200)
    objectifs = forms.CharField(label="Objectifs", widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if (
            data.get("date_debut")
            and data.get("date_fin")
            and data["date_fin"] < data["date_debut"]
        ):
            self.add_error("date_fin", "Le dernier jour doit suivre le premier.")
        return data


class CloturerForm(forms.Form):
    """Ending a pair from the mentor's portal: nothing chosen in advance (the mentee's
    situation has no default), and an explicit confirmation, so that a stray tap ends
    nothing."""

    from .models import Sortie as _Sortie

    CONFIRMATION = "Je confirme la fin du parrainage"

    type = forms.ChoiceField(
        label="Situation de la personne aujourd'hui",
        choices=[("", "— choisissez —"), *_Sortie.Type.choices],
        help_text="Votre filleul sera invité à confirmer cette situation : elle ne compte dans "
        "les indicateurs qu'après sa réponse.",
        error_messages={"required": "Choisissez la situation de la personne aujourd'hui."},
    )
    date = forms.DateField(label="Date de fin du parrainage", widget=DATE_WIDGET)
    employeur = forms.CharField(
        label="Employeur ou organisme de formation (facultatif)", max_length=200, required=False
    )
    interrompu = forms.BooleanField(label="Le parrainage s'arrête avant son terme", required=False)
    motif = forms.CharField(
        label="Motif (obligatoire en cas d'arrêt anticipé)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    commentaire = forms.CharField(
        label="Commentaire (facultatif)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    confirmation = forms.BooleanField(
        label=CONFIRMATION,
        help_text="La fin est définitive : les rencontres prévues sont annulées, la charte pas "
        "encore signée aussi, et votre filleul ainsi que l'équipe du programme sont prévenus.",
        error_messages={
            "required": f"Cochez « {CONFIRMATION} » : sans cette confirmation, rien n'est "
            "enregistré et le parrainage continue."
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("interrompu") and not data.get("motif", "").strip():
            self.add_error("motif", "Indiquez pourquoi le parrainage s'arrête.")
        return data


class ActionPonctuelleForm(forms.Form):
    from programmes.models import Evenement as _Evenement

    TYPES = [
        (_Evenement.Type.VISITE_ENTREPRISE, _Evenement.Type.VISITE_ENTREPRISE.label),
        (_Evenement.Type.RENCONTRE_METIER, _Evenement.Type.RENCONTRE_METIER.label),
        (_Evenement.Type.SIMULATION_ENTRETIEN, _Evenement.Type.SIMULATION_ENTRETIEN.label),
    ]
    programme = forms.ModelChoiceField(label="Programme", queryset=None)
    type = forms.ChoiceField(label="Type d'action", choices=TYPES)
    titre = forms.CharField(label="Titre", max_length=200)
    description = forms.CharField(
        label="Description", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    debut = DateHeureField(label="Début")
    fin = DateHeureField(label="Fin")
    lieu = forms.CharField(label="Lieu", max_length=250)
    places = forms.IntegerField(label="Nombre de places", min_value=1, max_value=500)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes

    def clean(self):
        from django.utils import timezone

        data = super().clean()
        debut, fin = data.get("debut"), data.get("fin")
        if debut and debut <= timezone.now():
            self.add_error("debut", "L'action doit avoir lieu dans le futur.")
        if debut and fin and fin <= debut:
            self.add_error("fin", "La fin doit suivre le début.")
        return data
