"""Tending a pair: its goals (both portals share the page) and the check-in reached from a
link (docs/suivi-qualite.md)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mentorat.forms import erreurs_vers_formulaire

from ..enquetes import LienInvalide, lire_point_etape
from ..forms_parrain import LISTE_OBJECTIFS, ObjectifsForm
from ..models import Parrainage, PointEtape
from ..services.qualite import objectifs_enregistrer, objectifs_proposes, point_etape_repondre


def page_objectifs(request, parrainage, *, retour: str, gabarit_nav: str):
    """The pair's goals, their progress meeting by meeting, and (pair in progress) the form
    that writes them."""
    objectifs = list(
        parrainage.objectifs_binome.prefetch_related("historique__rencontre").order_by(
            "ordre", "pk"
        )
    )
    modifiable = parrainage.statut == Parrainage.Statut.ACTIF
    form = None
    if modifiable:
        form = ObjectifsForm(
            request.POST if request.method == "POST" else None,
            initiaux=[o.libelle for o in objectifs],
        )
        if request.method == "POST" and form.is_valid():
            try:
                objectifs_enregistrer(
                    parrainage=parrainage, par=request.user, libelles=form.libelles
                )
            except ValidationError as exc:
                erreurs_vers_formulaire(form, exc)
            else:
                messages.success(request, "Objectifs enregistrés.")
                return redirect(retour)
    return render(
        request,
        "parrainages/qualite/objectifs.html",
        {
            "parrainage": parrainage,
            "objectifs": objectifs,
            "form": form,
            "retour": retour,
            "gabarit_nav": gabarit_nav,
            "objectifs_proposes": objectifs_proposes(parrainage.programme) if form else [],
            "liste_objectifs": LISTE_OBJECTIFS,
        },
    )


NOTES = [(n, str(n)) for n in range(1, 6)]


class PointEtapeForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label="Êtes-vous satisfait(e) de ce parrainage ? (1 : pas du tout, 5 : tout à fait)",
        choices=NOTES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une note de 1 à 5."},
    )
    utile = forms.ChoiceField(
        label="Ce parrainage vous est-il utile ?",
        choices=PointEtape.Utilite.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une réponse."},
    )
    commentaire = forms.CharField(
        label="Voulez-vous ajouter quelque chose ? (facultatif)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    parler_equipe = forms.BooleanField(label="Je souhaite parler à l'équipe", required=False)


@never_cache
@require_http_methods(["GET", "POST"])
def point_etape(request, jeton):
    """A check-in from its e-mail link: no login (the signed link says who, which pair and
    which round); answering again updates the answer."""
    try:
        donnees = lire_point_etape(jeton)
    except LienInvalide as exc:
        return _invalide(request, str(exc))
    cible = {k: donnees[k] for k in ("parrainage", "role", "tour")}
    existante = PointEtape.objects.filter(
        parrainage_id=cible["parrainage"], role=cible["role"], tour=cible["tour"]
    ).first()
    parrainage = (
        Parrainage.objects.select_related("programme", "parrain", "filleul")
        .filter(pk=cible["parrainage"])
        .first()
    )
    personne = None
    if parrainage is not None:
        personne = parrainage.parrain if cible["role"] == "parrain" else parrainage.filleul
    if personne is None or personne.user_id != donnees["user"]:
        return _invalide(request, "Ce questionnaire ne vous concerne pas ou plus.")
    initial = {}
    if existante is not None:
        initial = {
            "satisfaction": existante.satisfaction,
            "utile": existante.utile,
            "commentaire": existante.commentaire,
            "parler_equipe": existante.parler_equipe,
        }
    form = PointEtapeForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            point = point_etape_repondre(
                parrainage_id=cible["parrainage"],
                role=cible["role"],
                tour=cible["tour"],
                user_id=donnees["user"],
                donnees=form.cleaned_data,
            )
        except ValidationError as exc:
            erreurs_vers_formulaire(form, exc)
        else:
            return render(
                request,
                "parrainages/qualite/point_etape_merci.html",
                {"programme": parrainage.programme, "point": point},
            )
    return render(
        request,
        "parrainages/qualite/point_etape.html",
        {
            "form": form,
            "programme": parrainage.programme,
            "tour": cible["tour"],
            "deja": existante is not None,
        },
    )


def _invalide(request, raison):
    return render(request, "parrainages/invitation_invalide.html", {"raison": raison}, status=400)
