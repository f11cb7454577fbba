from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .forms import commune_label
from .models import Commune, Programme


def accueil(request):
    programmes = Programme.objects.publics().order_by("nom")
    return render(request, "programmes/accueil.html", {"programmes": programmes})


def detail(request, slug):
    """A programme's public page. A closed one (or one no longer taking applications) stays
    reachable from old links and says where to apply now: the programmes that are open."""
    programme = get_object_or_404(
        Programme.objects.exclude(statut=Programme.Statut.BROUILLON).prefetch_related("etapes"),
        slug=slug,
    )
    autres_ouverts = (
        []
        if programme.statut == Programme.Statut.OUVERT
        else list(Programme.objects.ouverts().exclude(pk=programme.pk).order_by("nom"))
    )
    partenaires = (
        programme.conventions.en_vigueur()
        .select_related("partenaire")
        .order_by("partenaire__nom")
        .values_list("partenaire__nom", flat=True)
        .distinct()
    )
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "partenaires": list(partenaires),
            "autres_ouverts": autres_ouverts,
        },
    )


@require_GET
def communes_recherche(request):
    """Suggestions of communes for a typed name or postcode (public reference data)."""
    terme = request.GET.get("q", "").strip()
    if len(terme) < 2:
        return JsonResponse({"resultats": []})
    # 20: the whole of Paris (its arrondissements) when « Paris » is typed.
    communes = Commune.objects.recherche(terme)[:20]
    return JsonResponse(
        {"resultats": [{"id": c.pk, "label": commune_label(c)} for c in communes]},
        json_dumps_params={"ensure_ascii": False},
    )
