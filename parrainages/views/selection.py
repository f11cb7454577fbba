"""The selection step's pages outside the admin: a company manager's personal link (no
account), and what the partner portal's pages share (the attendance grid, a grid form)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mentorat.forms import erreurs_vers_formulaire

from ..forms_selection import EvaluationForm
from ..models import CritereEvaluation, Evaluation, ParticipationSelection
from ..selection import nom_membre
from ..services.selection import (
    LienEvaluationInvalide,
    evaluateur_depuis_jeton,
    evaluation_enregistrer,
)


def formulaire_evaluation(request, *, participation, identite: dict, qualite: str):
    """The grid form of one evaluator for one member, bound on POST and saved through the
    service. Returns ``(form, saved)``."""
    criteres = CritereEvaluation.objects.filter(programme=participation.session.programme_id)
    evaluation = (
        Evaluation.objects.filter(participation=participation, **identite)
        .prefetch_related("notes")
        .first()
    )
    if request.method != "POST":
        return EvaluationForm(criteres=criteres, evaluation=evaluation), False
    form = EvaluationForm(request.POST, criteres=criteres)
    if form.is_valid():
        try:
            evaluation_enregistrer(
                participation=participation,
                qualite=qualite,
                notes=form.notes(),
                commentaire=form.cleaned_data["commentaire"],
                **identite,
            )
        except ValidationError as exc:
            erreurs_vers_formulaire(form, exc)
        else:
            return form, True
    return form, False


def _evaluateur(request, jeton):
    try:
        return evaluateur_depuis_jeton(jeton), None
    except LienEvaluationInvalide as exc:
        return None, render(
            request, "parrainages/selection/lien_invalide.html", {"raison": str(exc)}, status=404
        )


@never_cache
def evaluation_manager(request, jeton):
    """A manager's link: the cohort, and which members they have assessed."""
    evaluateur, refus = _evaluateur(request, jeton)
    if refus:
        return refus
    session = evaluateur.session
    faites = set(evaluateur.evaluations.values_list("participation_id", flat=True))
    membres = [
        {"participation": p, "nom": nom_membre(p), "faite": p.pk in faites}
        for p in session.participations.select_related("candidature__filleul__user").order_by("pk")
    ]
    return render(
        request,
        "parrainages/selection/evaluation_manager.html",
        {"evaluateur": evaluateur, "session": session, "membres": membres, "jeton": jeton},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def evaluation_manager_membre(request, jeton, pk):
    """A manager's grid for one member: they see and change only their own."""
    evaluateur, refus = _evaluateur(request, jeton)
    if refus:
        return refus
    participation = (
        ParticipationSelection.objects.select_related(
            "session__programme", "candidature__filleul__user"
        )
        .filter(pk=pk, session=evaluateur.session_id)
        .first()
    )
    if participation is None:
        raise Http404
    form, enregistre = formulaire_evaluation(
        request,
        participation=participation,
        identite={"evaluateur_invite": evaluateur},
        qualite=Evaluation.Qualite.MANAGER,
    )
    if enregistre:
        messages.success(request, f"Votre grille pour {nom_membre(participation)} est enregistrée.")
        return redirect("selection_evaluation", jeton=jeton)
    return render(
        request,
        "parrainages/selection/evaluation.html",
        {
            "session": participation.session,
            "participation": participation,
            "nom": nom_membre(participation),
            "form": form,
            "evaluations": None,
            "retour": ("selection_evaluation", jeton),
        },
    )
