"""Forms of the selection step: the attendance grid, an assessment grid, a jury decision.
They validate; ``services.selection`` writes."""

import re

from django import forms
from django.core.exceptions import ValidationError

from mentorat.forms import ChoixMultiplesBornes

from .models import MotifRefus, ParticipationSelection, Presence

CELLULE = re.compile(r"^p-(\d{1,10})-(\d{1,10})$")


def saisies_depuis_post(post) -> dict:
    """The attendance grid posted as ``p-<member>-<half-day>`` = state. A malformed cell or a
    state outside the list refuses the whole grid (French message)."""
    saisies = {}
    etats = set(Presence.Etat.values)
    for cle in post:
        if not cle.startswith("p-"):
            continue
        trouve = CELLULE.match(cle)
        valeurs = post.getlist(cle)
        if trouve is None or len(valeurs) != 1:
            raise ValidationError("La grille envoyée est illisible : rien n'a été enregistré.")
        etat = valeurs[0]
        if etat and etat not in etats:
            raise ValidationError(
                "Une présence doit être « présent(e) », « absent(e) » ou « excusé(e) » : rien "
                "n'a été enregistré."
            )
        saisies[(int(trouve[1]), int(trouve[2]))] = etat
    if not saisies:
        raise ValidationError("La grille envoyée est vide : rien n'a été enregistré.")
    return saisies


def grille_presences(session) -> dict:
    """What the grid shows: the half-days, and per member the state of each cell."""
    demi_journees = list(session.demi_journees.all())
    participations = list(
        session.participations.select_related("candidature__filleul__user").order_by("pk")
    )
    etats = {
        (p.participation_id, p.demi_journee_id): p.etat
        for p in Presence.objects.filter(participation__session=session)
    }
    lignes = [
        {
            "participation": p,
            "cellules": [
                {
                    "nom": f"p-{p.pk}-{d.pk}",
                    "demi_journee": d,
                    "etat": etats.get((p.pk, d.pk), ""),
                }
                for d in demi_journees
            ],
        }
        for p in participations
    ]
    return {"demi_journees": demi_journees, "lignes": lignes, "etats": Presence.Etat.choices}


class EvaluationForm(forms.Form):
    """One evaluator's grid for one member: a score within each criterion's scale (blank: not
    scored yet) and a comment per criterion, plus an overall comment."""

    commentaire = forms.CharField(
        label="Appréciation générale",
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        # RGPD art. 15: the person may obtain a copy of what is written about them.
        help_text="Le candidat ou la candidate peut obtenir copie de vos notes et "
        "commentaires (droit d'accès à ses données) : restez factuel et bienveillant.",
    )

    def __init__(self, *args, criteres, evaluation=None, **kwargs):
        initial = {}
        if evaluation is not None:
            initial["commentaire"] = evaluation.commentaire
            for note in evaluation.notes.all():
                initial[f"note_{note.critere_id}"] = note.valeur
                initial[f"commentaire_{note.critere_id}"] = note.commentaire
        super().__init__(*args, initial=initial, **kwargs)
        self.criteres = list(criteres)
        champs = {}
        for c in self.criteres:
            echelle = f"La note doit être comprise entre {c.note_min} et {c.note_max}."
            champs[f"note_{c.pk}"] = forms.IntegerField(
                label=f"{c.libelle} (de {c.note_min} à {c.note_max})",
                help_text=c.description,
                required=False,
                min_value=c.note_min,
                max_value=c.note_max,
                error_messages={
                    "min_value": echelle,
                    "max_value": echelle,
                    "invalid": "Saisissez un nombre entier.",
                },
                widget=forms.NumberInput(attrs={"min": c.note_min, "max": c.note_max}),
            )
            champs[f"commentaire_{c.pk}"] = forms.CharField(
                label=f"Commentaire : {c.libelle}",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # The criteria first, the overall comment last.
        commentaire = self.fields.pop("commentaire")
        self.fields.update(champs)
        self.fields["commentaire"] = commentaire

    def notes(self) -> dict:
        return {
            c.pk: (
                self.cleaned_data.get(f"note_{c.pk}"),
                self.cleaned_data.get(f"commentaire_{c.pk}", ""),
            )
            for c in self.criteres
        }

    def lignes(self):
        """(score field, comment field) per criterion, for the template."""
        return [(self[f"note_{c.pk}"], self[f"commentaire_{c.pk}"]) for c in self.criteres]


class DecisionJuryForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision du jury", choices=[("", "—"), *ParticipationSelection.Decision.choices]
    )
    motif = forms.ModelChoiceField(
        label="Motif (si non retenu(e))",
        queryset=MotifRefus.objects.actifs(),
        required=False,
    )
    precision = forms.CharField(
        label="Précision pour le prescripteur",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == ParticipationSelection.Decision.NON_RETENUE and not data.get(
            "motif"
        ):
            self.add_error("motif", "Choisissez le motif de non-retenue dans la liste.")
        return data


class InvitationSelectionForm(forms.Form):
    """Applications to invite to a session, among those offered (``candidatures``)."""

    candidatures = ChoixMultiplesBornes(
        label="Candidatures à inviter",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choisissez au moins une candidature à inviter.",
            "invalid_choice": "Cette candidature ne peut pas être invitée à la session.",
            "invalid_pk_value": "Cette candidature ne peut pas être invitée à la session.",
        },
    )

    def __init__(self, *args, candidatures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidatures"].queryset = candidatures
        self.fields["candidatures"].label_from_instance = lambda c: (
            f"{c.filleul.user.get_full_name() if c.filleul.user else 'Anonymisé'} — "
            f"{c.get_statut_display()}"
        )
