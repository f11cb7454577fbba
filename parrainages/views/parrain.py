"""The HR mentor's portal: dashboard, proposals, pairs, meetings, immersions, one-off actions."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mentorat.forms import erreurs_vers_formulaire
from programmes.models import Evenement, Inscription

from ..access import parrain_of
from ..filters import BinomeFilter
from ..forms_parrain import (
    LISTE_OBJECTIFS,
    ActionPonctuelleForm,
    CloturerForm,
    ConsignerRencontreForm,
    DeclinForm,
    ProfilParrainForm,
    RencontreForm,
)
from ..ics import rencontre_ics
from ..models import Charte, Parrain, Parrainage, Rencontre
from ..selectors import immersions_avec_parties
from ..services import (
    action_ponctuelle_proposer,
    evenements_ouverts_au_parrain,
    parrain_mettre_a_jour,
    parrainage_accepter,
    parrainage_cloturer,
    parrainage_decliner,
    presences_enregistrer,
    rencontre_accepter,
    rencontre_annuler,
    rencontre_consigner,
    rencontre_planifier,
    rencontre_refuser,
)
from ..services.qualite import objectifs_proposes
from .actions import rencontre_action
from .evenements import page_evenements
from .qualite import page_objectifs


def parrain_requis(view):
    """Signed in as a mentor whose account is not closed; 404 for everyone else."""

    @functools.wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        parrain = parrain_of(request.user)
        if parrain is None or parrain.statut == Parrain.Statut.INACTIF:
            raise Http404
        request.parrain = parrain
        return view(request, *args, **kwargs)

    return wrapper


def _parrainage(request, pk, *statuts):
    """One of the mentor's own pairs (in the given statuses), 404 otherwise."""
    qs = Parrainage.objects.select_related("programme", "filleul__user", "filleul__commune").filter(
        parrain=request.parrain
    )
    if statuts:
        qs = qs.filter(statut__in=statuts)
    return get_object_or_404(qs, pk=pk)


def _rencontre(request, pk):
    return get_object_or_404(
        Rencontre.objects.select_related("parrainage__programme", "parrainage__filleul__user"),
        pk=pk,
        parrainage__parrain=request.parrain,
    )


@parrain_requis
def tableau_de_bord(request):
    parrain = request.parrain
    maintenant = timezone.now()
    aujourd_hui = timezone.localdate()
    # Every pair holding one of the mentor's places (the capacity's one rule), some not shown
    # to them (a proposal still with staff or the mentee): counted, never listed.
    binomes = list(
        parrain.parrainages.prenant_une_place()
        .select_related("programme", "filleul__user", "filleul__commune")
        .annotate(
            a_consigner=Count(
                "rencontres",
                filter=Q(
                    rencontres__statut=Rencontre.Statut.PREVUE, rencontres__debut__lt=maintenant
                ),
            )
        )
        .order_by("statut", "-date_debut")
    )
    propositions = [b for b in binomes if b.statut == Parrainage.Statut.ATTENTE_PARRAIN]
    actifs = [b for b in binomes if b.statut == Parrainage.Statut.ACTIF]
    rencontres = list(
        Rencontre.objects.filter(
            parrainage__parrain=parrain,
            parrainage__statut=Parrainage.Statut.ACTIF,
            statut__in=[Rencontre.Statut.PREVUE, Rencontre.Statut.PROPOSEE],
        )
        .select_related("parrainage__filleul__user")
        .order_by("debut")
    )
    # The mentee's proposals and moves waiting for the mentor's answer.
    a_confirmer = [
        r for r in rencontres if r.statut == Rencontre.Statut.PROPOSEE and r.debut >= maintenant
    ]
    rencontres = [r for r in rencontres if r.statut == Rencontre.Statut.PREVUE]
    chartes = list(
        Charte.objects.filter(parrainage__parrain=parrain)
        .a_signer_par(request.user)
        .select_related("parrainage__filleul__user", "parrainage__programme")
    )
    return render(
        request,
        "parrainages/parrain/tableau_de_bord.html",
        {
            "parrain": parrain,
            "propositions": propositions,
            "actifs": actifs,
            "a_venir": [r for r in rencontres if r.debut >= maintenant][:10],
            "a_confirmer": a_confirmer,
            "a_consigner": [r for r in rencontres if r.debut < maintenant],
            "chartes": chartes,
            "sorties_dues": [
                b for b in actifs if b.date_fin_prevue and b.date_fin_prevue <= aujourd_hui
            ],
            "places_restantes": max(parrain.capacite - len(binomes), 0),
        },
    )


@parrain_requis
def binomes(request):
    programmes = request.parrain.programmes.order_by("nom")
    qs = (
        request.parrain.parrainages.vus_du_parrain()
        .select_related("programme", "filleul__user")
        .order_by("-propose_le")
    )
    filtre = BinomeFilter(request.GET or None, queryset=qs, programmes=programmes)
    return render(
        request, "parrainages/parrain/binomes.html", {"filtre": filtre, "binomes": filtre.qs}
    )


@parrain_requis
@require_http_methods(["GET", "POST"])
def proposition(request, pk):
    parrainage = _parrainage(request, pk, Parrainage.Statut.ATTENTE_PARRAIN)
    declin = DeclinForm(request.POST if request.POST.get("action") == "decliner" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accepter":
                parrainage_accepter(parrainage=parrainage, par=request.user)
                messages.success(
                    request,
                    "Merci ! Le parrainage commence. Vous trouverez ici les coordonnées de "
                    "votre filleul et la charte à signer.",
                )
                return redirect("parrain:binome", pk=parrainage.pk)
            if declin.is_valid():
                parrainage_decliner(
                    parrainage=parrainage, par=request.user, motif=declin.cleaned_data["motif"]
                )
                messages.info(
                    request, "Proposition déclinée. L'équipe vous en proposera une autre."
                )
                return redirect("parrain:tableau_de_bord")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("parrain:tableau_de_bord")
    filleul = parrainage.filleul
    return render(
        request,
        "parrainages/parrain/proposition.html",
        {
            "parrainage": parrainage,
            "filleul": filleul,
            "secteurs": filleul.secteurs_souhaites.all(),
            "declin": declin,
        },
    )


@parrain_requis
def binome(request, pk):
    parrainage = _parrainage(
        request,
        pk,
        Parrainage.Statut.ACTIF,
        Parrainage.Statut.TERMINE,
        Parrainage.Statut.INTERROMPU,
    )
    return _page_binome(request, parrainage)


def _page_binome(request, parrainage, **forms):
    rencontres = list(parrainage.rencontres.order_by("-debut"))
    maintenant = timezone.now()
    contexte = {
        "parrainage": parrainage,
        "filleul": parrainage.filleul,
        "rencontres": rencontres,
        "maintenant": maintenant,
        "immersions": immersions_avec_parties(
            parrainage.immersions.select_related("bilan").order_by("-date_debut")
        ),
        "sorties": list(parrainage.sorties.all()),
        "objectifs": list(parrainage.objectifs_binome.all()),
        "charte": parrainage.chartes.exclude(statut=Charte.Statut.ANNULEE).first(),
        "rencontre_form": forms.get("rencontre_form") or RencontreForm(),
        "cloturer_form": forms.get("cloturer_form")
        or CloturerForm(initial={"date": _fin_proposee(parrainage)}),
        "consigner_form": ConsignerRencontreForm(),
        "immersion_possible": parrainage.programme.offre_immersion
        and parrainage.parrain.offre_immersion,
    }
    return render(request, "parrainages/parrain/binome.html", contexte)


def _fin_proposee(parrainage):
    """The end date offered: the planned end when it has passed, else today (a later date is
    refused). Never an outcome: the situation is always chosen."""
    aujourd_hui = timezone.localdate()
    prevue = parrainage.date_fin_prevue
    if prevue and (parrainage.date_debut is None or prevue >= parrainage.date_debut):
        return min(prevue, aujourd_hui)
    return aujourd_hui


def _service_form(request, parrainage, form, service, form_name, succes, ancre):
    if form.is_valid():
        try:
            service(parrainage=parrainage, par=request.user, donnees=form.cleaned_data)
        except ValidationError as exc:
            erreurs_vers_formulaire(form, exc)
        else:
            messages.success(request, succes)
            return redirect(f"{parrainage.get_portal_url()}#{ancre}")
    return _page_binome(request, parrainage, **{form_name: form})


@parrain_requis
@require_POST
def rencontre_nouvelle(request, pk):
    parrainage = _parrainage(request, pk, Parrainage.Statut.ACTIF)
    return _service_form(
        request,
        parrainage,
        RencontreForm(request.POST),
        rencontre_planifier,
        "rencontre_form",
        "Rencontre planifiée : l'invitation est envoyée à vous deux par e-mail.",
        "rencontres",
    )


@parrain_requis
@require_POST
def cloturer(request, pk):
    parrainage = _parrainage(request, pk, Parrainage.Statut.ACTIF)
    return _service_form(
        request,
        parrainage,
        CloturerForm(request.POST),
        parrainage_cloturer,
        "cloturer_form",
        "Le parrainage est terminé : votre filleul et l'équipe du programme sont prévenus, et "
        "votre filleul sera invité à confirmer sa situation. Merci !",
        "sortie",
    )


@parrain_requis
@require_http_methods(["GET", "POST"])
def objectifs(request, pk):
    parrainage = _parrainage(request, pk, *Parrainage.STATUTS_FORMES)
    return page_objectifs(
        request,
        parrainage,
        retour=f"{parrainage.get_portal_url()}#objectifs",
        gabarit_nav="parrainages/parrain/_nav.html",
    )


@parrain_requis
@require_http_methods(["GET", "POST"])
def rencontre_consigner_vue(request, pk):
    rencontre = _rencontre(request, pk)
    objectifs = list(rencontre.parrainage.objectifs_binome.all())
    form = ConsignerRencontreForm(
        request.POST if request.method == "POST" else None,
        initial={"themes": rencontre.themes, "compte_rendu": rencontre.compte_rendu},
        objectifs=objectifs,
    )
    if request.method == "POST" and form.is_valid():
        try:
            rencontre_consigner(rencontre=rencontre, par=request.user, **form.donnees_service())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Rencontre consignée.")
            return redirect(f"{rencontre.parrainage.get_portal_url()}#rencontres")
    return render(
        request,
        "parrainages/parrain/consigner.html",
        {
            "rencontre": rencontre,
            "form": form,
            "objectifs": objectifs,
            "objectifs_proposes": []
            if objectifs
            else objectifs_proposes(rencontre.parrainage.programme),
            "liste_objectifs": LISTE_OBJECTIFS,
        },
    )


@parrain_requis
@require_POST
def rencontre_annuler_vue(request, pk):
    rencontre = _rencontre(request, pk)
    return rencontre_action(
        request,
        rencontre_annuler,
        rencontre,
        succes="Rencontre annulée : l'annulation est envoyée à vous deux.",
        retour=f"{rencontre.parrainage.get_portal_url()}#rencontres",
    )


@parrain_requis
@require_POST
def rencontre_accepter_vue(request, pk):
    """The mentor accepts the time the mentee proposed."""
    rencontre = _rencontre(request, pk)
    return rencontre_action(
        request,
        rencontre_accepter,
        rencontre,
        succes="Rencontre acceptée : votre filleul est prévenu.",
        retour=f"{rencontre.parrainage.get_portal_url()}#rencontres",
    )


@parrain_requis
@require_POST
def rencontre_refuser_vue(request, pk):
    """The mentor refuses the time the mentee proposed: the meeting is cancelled."""
    rencontre = _rencontre(request, pk)
    return rencontre_action(
        request,
        rencontre_refuser,
        rencontre,
        succes="Proposition refusée : votre filleul est prévenu. Proposez-lui un autre horaire.",
        retour=f"{rencontre.parrainage.get_portal_url()}#rencontres",
    )


@parrain_requis
def rencontre_ics_vue(request, pk):
    return rencontre_ics_reponse(_rencontre(request, pk))


def rencontre_ics_reponse(rencontre) -> HttpResponse:
    """A meeting's .ics to download, for either party."""
    # Downloaded to be kept in a calendar: no METHOD (RFC 4791 §4.1), unlike the e-mail.
    response = HttpResponse(
        rencontre_ics(rencontre, methode=None), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="rencontre-{timezone.localtime(rencontre.debut):%Y-%m-%d}.ics"'
    )
    return response


@parrain_requis
@require_http_methods(["GET", "POST"])
def profil(request):
    parrain = request.parrain
    form = ProfilParrainForm(
        request.POST if request.method == "POST" else None,
        instance=parrain,
        initial={"en_pause": parrain.statut == Parrain.Statut.PAUSE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            parrain_mettre_a_jour(parrain=parrain, donnees=form.cleaned_data)
        except ValidationError as exc:
            erreurs_vers_formulaire(form, exc)
        else:
            messages.success(request, "Votre profil est enregistré.")
            return redirect("parrain:tableau_de_bord")
    return render(request, "parrainages/parrain/profil.html", {"form": form})


@parrain_requis
@require_http_methods(["GET", "POST"])
def actions(request):
    """The mentor's one-off actions (company visits, job talks) and a form to propose one."""
    parrain = request.parrain
    programmes = parrain.programmes.filter(offre_ponctuelle=True).order_by("nom")
    form = ActionPonctuelleForm(
        request.POST if request.method == "POST" else None, programmes=programmes
    )
    if request.method == "POST" and form.is_valid():
        try:
            action_ponctuelle_proposer(parrain=parrain, donnees=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Action proposée : l'équipe la publiera aux filleuls.")
            return redirect("parrain:actions")
    evenements = (
        Evenement.objects.filter(organisateur=parrain)
        .select_related("programme")
        .annotate(
            inscrits=Count(
                "inscriptions", filter=~Q(inscriptions__statut=Inscription.Statut.ANNULE)
            )
        )
        .order_by("-debut")
    )
    return render(
        request,
        "parrainages/parrain/actions.html",
        {"form": form, "evenements": evenements, "programmes": programmes},
    )


@parrain_requis
@require_http_methods(["GET", "POST"])
def presences(request, pk):
    evenement = get_object_or_404(
        Evenement.objects.select_related("programme").prefetch_related(
            Prefetch(
                "inscriptions",
                queryset=Inscription.objects.exclude(statut=Inscription.Statut.ANNULE)
                .select_related("filleul__user", "parrain__user", "membre")
                .order_by("public", "pk"),
            )
        ),
        pk=pk,
        organisateur=request.parrain,
    )
    if request.method == "POST":
        try:
            n = presences_enregistrer(
                evenement=evenement,
                par=request.parrain,
                # Ids only: "²".isdigit() is true, and a 30-digit number overflows the query.
                presents={
                    int(i)
                    for i in request.POST.getlist("present")
                    if i.isascii() and i.isdigit() and len(i) < 19
                },
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Présences enregistrées ({n} présent(s)).")
            return redirect("parrain:actions")
    return render(request, "parrainages/parrain/presences.html", {"evenement": evenement})


@parrain_requis
@require_http_methods(["GET", "POST"])
def evenements(request):
    """Events of the mentor's programmes open to mentors (round tables, company events):
    register or cancel, and the attendance recorded."""
    return page_evenements(
        request,
        public=Evenement.Public.PARRAINS,
        personne=request.parrain,
        ouverts=evenements_ouverts_au_parrain(request.parrain),
        gabarit="parrainages/parrain/evenements.html",
        retour="parrain:evenements",
    )
