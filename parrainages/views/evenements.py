"""The events page of each space (mentee, mentor, partner member): the events open to the
person, to register or cancel, and their registrations with the attendance recorded."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from programmes.models import Evenement, Inscription

from ..services import inscription_annuler, inscription_prendre

CHAMP = {
    Evenement.Public.FILLEULS: "filleul",
    Evenement.Public.PARRAINS: "parrain",
    Evenement.Public.PARTENAIRES: "membre",
}


def page_evenements(
    request, *, public: str, personne, ouverts, gabarit: str, retour: str, contexte=None
):
    """GET: the open events (places taken, whether the person is registered) and the
    person's registrations in this capacity; POST: register to, or cancel, one of them.

    ``ouverts``: the events open to the person (a queryset); ``retour``: the page's URL name.
    Three queries for the page whatever the number of events."""
    if request.method == "POST":
        identifiant = request.POST.get("evenement", "")
        if not (identifiant.isascii() and identifiant.isdigit() and len(identifiant) < 19):
            raise Http404  # a tampered form: not an id at all
        evenement = get_object_or_404(
            Evenement.objects.filter(statut=Evenement.Statut.PUBLIE), pk=identifiant
        )
        try:
            if request.POST.get("action") == "annuler":
                inscription_annuler(evenement=evenement, public=public, personne=personne)
                messages.success(request, f"Inscription à « {evenement.titre} » annulée.")
            else:
                inscription_prendre(
                    evenement=evenement, public=public, personne=personne, ouverts=ouverts
                )
                messages.success(
                    request,
                    f"Vous êtes inscrit(e) à « {evenement.titre} ». "
                    "L'invitation pour votre agenda vous est envoyée par e-mail.",
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(retour)
    evenements = list(
        ouverts.select_related("programme")
        .annotate(
            inscrits=Count(
                "inscriptions", filter=~Q(inscriptions__statut=Inscription.Statut.ANNULE)
            )
        )
        .order_by("debut", "pk")
    )
    inscriptions = list(
        Inscription.objects.filter(**{CHAMP[public]: personne})
        .select_related("evenement__programme")
        .order_by("-evenement__debut", "-pk")
    )
    mes_inscriptions = {
        i.evenement_id for i in inscriptions if i.statut == Inscription.Statut.INSCRIT
    }
    for e in evenements:
        e.complet = e.places is not None and e.inscrits >= e.places
    return render(
        request,
        gabarit,
        {
            "evenements": evenements,
            "mes_inscriptions": mes_inscriptions,
            "inscriptions": inscriptions,
            **(contexte or {}),
        },
    )
