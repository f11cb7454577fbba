"""Partner pages: referring a person to a programme."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import PrescriptionForm
from .models import Partenaire, Prescription
from .services import prescription_creer


def membre_requis(view):
    """Signed in and an active member of at least one partner (404 otherwise)."""

    @functools.wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        partenaires = list(
            Partenaire.objects.filter(adhesions__user=request.user, adhesions__actif=True)
            .order_by("nom")
            .distinct()
        )
        if not partenaires:
            raise Http404
        request.partenaires = partenaires
        return view(request, *args, **kwargs)

    return wrapper


@membre_requis
def accueil(request):
    prescriptions = (
        Prescription.objects.filter(partenaire__in=request.partenaires)
        .select_related("programme", "partenaire", "conseiller")
        .order_by("-created_at")[:200]
    )
    return render(
        request,
        "partenaires/accueil.html",
        {"partenaires": request.partenaires, "prescriptions": prescriptions},
    )


@membre_requis
@require_http_methods(["GET", "POST"])
def prescrire(request):
    ids = [p.pk for p in request.partenaires]
    form = PrescriptionForm(
        request.POST if request.method == "POST" else None,
        partenaires=Partenaire.objects.filter(pk__in=ids).order_by("nom"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prescription_creer(
                par=request.user,
                partenaire=data["partenaire"],
                programme=data["programme"],
                prenom=data["prenom"],
                nom=data["nom"],
                email=data["email"],
                message=data["message"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Invitation envoyée à {data['prenom']} {data['nom']} ({data['email']}).",
            )
            return redirect("partenaires:accueil")
    return render(request, "partenaires/prescrire.html", {"form": form})
