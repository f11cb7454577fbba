from django.shortcuts import get_object_or_404, render

from .models import Programme


def accueil(request):
    programmes = Programme.objects.publics().order_by("nom")
    return render(request, "programmes/accueil.html", {"programmes": programmes})


def detail(request, slug):
    programme = get_object_or_404(Programme.objects.publics().prefetch_related("etapes"), slug=slug)
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
        {"programme": programme, "partenaires": list(partenaires)},
    )
