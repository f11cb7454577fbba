"""Resources for mentors: per programme, the guides and links staff give, the charter's current
text and whom to contact. A mentor reads those of the programmes they take part in; staff
past their second factor, those of their perimeter (to check what mentors see)."""

import functools

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.cache import never_cache

from mentorat.access import mfa_pour_le_personnel, staff_verifie
from mentorat.admin_perimetre import dans_le_perimetre
from mentorat.televersements import FORMATS
from programmes.models import ModeleCharte, Programme, Ressource, Structure

from ..access import parrain_of, programmes_du_parrain
from ..models import Parrain
from .parrain import parrain_requis


def _programmes_lisibles(request):
    """The programmes whose resources ``request``'s person reads (404 for anyone else)."""
    if staff_verifie(request):
        return dans_le_perimetre(request, Programme.objects.all())
    parrain = parrain_of(request.user)
    if parrain is None or parrain.statut == Parrain.Statut.INACTIF:
        raise Http404
    return programmes_du_parrain(parrain)


def lecteur_des_ressources(view):
    """Signed in as a mentor, or as staff past their second factor; 404 for everyone else."""

    @functools.wraps(view)
    @login_required
    @never_cache
    @mfa_pour_le_personnel
    def wrapper(request, *args, **kwargs):
        request.programmes_lisibles = _programmes_lisibles(request)
        return view(request, *args, **kwargs)

    return wrapper


@parrain_requis
def ressources(request):
    """The mentor's programmes, each with how many resources it offers."""
    programmes = (
        programmes_du_parrain(request.parrain)
        .annotate(nb_ressources=Count("ressources", filter=Q(ressources__publiee=True)))
        .order_by("nom")
    )
    return render(request, "parrainages/parrain/ressources.html", {"programmes": programmes})


@lecteur_des_ressources
def ressources_programme(request, slug):
    programme = get_object_or_404(
        request.programmes_lisibles.select_related("coordinateur").prefetch_related(
            Prefetch("structures", queryset=Structure.objects.order_by("nom"))
        ),
        slug=slug,
    )
    modele = ModeleCharte.objects.filter(programme=programme).order_by("-version").first()
    if modele is not None:
        modele.programme = programme
    return render(
        request,
        "parrainages/parrain/ressources_programme.html",
        {
            "programme": programme,
            "ressources": list(programme.ressources.publiees().order_by("ordre", "titre")),
            "modele": modele,
            "charte_texte": modele.texte_generique() if modele else "",
        },
    )


@lecteur_des_ressources
def ressource_fichier(request, pk):
    """A resource's file, as an attachment, for whoever may read its programme's resources
    (an unpublished one: staff only)."""
    ressources = Ressource.objects.filter(programme__in=request.programmes_lisibles).exclude(
        fichier=""
    )
    if not staff_verifie(request):
        ressources = ressources.publiees()
    ressource = get_object_or_404(ressources, pk=pk)
    format_ = FORMATS.get(ressource.fichier_format)
    if format_ is None:
        raise Http404
    nom = f"{slugify(ressource.titre)[:80] or 'ressource'}.{format_.extensions[0]}"
    try:
        with ressource.fichier.open("rb") as fichier:
            # Bounded by TELEVERSEMENT_TAILLE_MAX at upload: read whole, no handle left open.
            contenu = fichier.read()
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(contenu, content_type=format_.type_mime)
    response["Content-Disposition"] = content_disposition_header(True, nom)
    response["X-Content-Type-Options"] = "nosniff"
    return response
