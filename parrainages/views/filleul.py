"""The job seeker's pages: profile in steps, application, their space, their data."""

import functools
import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from programmes.models import Evenement, Inscription, Programme

from .. import consentement, extensions
from ..access import a_un_autre_role, filleul_of
from ..eligibilite import eligibility
from ..forms import ETAPES_PROFIL, CandidatureForm, SuppressionCompteForm
from ..models import Charte, Immersion, Parrainage, Rencontre, Signature
from ..selectors import immersions_avec_parties
from ..services import (
    candidature_deposer,
    compte_effacer,
    evenement_desinscrire,
    evenement_inscrire,
    evenements_ouverts_au_filleul,
    filleul_enregistrer_profil,
    filleul_exporter,
)

SESSION_PROFIL = "profil_filleul"
SESSION_APRES_PROFIL = "apres_profil"


def filleul_requis(view):
    """Signed in, with a mentee profile (else sent to the first profile step)."""

    @functools.wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        filleul = filleul_of(request.user)
        if filleul is None:
            if a_un_autre_role(request.user):
                raise Http404
            return redirect("filleul:profil", etape=1)
        request.filleul = filleul
        return view(request, *args, **kwargs)

    return wrapper


def _initial_depuis_profil(user, filleul):
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "telephone": user.telephone,
    }
    if filleul is not None:
        initial.update(
            {
                "date_naissance": filleul.date_naissance,
                "commune": filleul.commune,
                "qpv": "non" if filleul.qpv in ("non", "infirme") else "oui",
                "situation": filleul.situation,
                "inscrit_france_travail_depuis": filleul.inscrit_france_travail_depuis,
                "identifiant_france_travail": filleul.identifiant_france_travail,
                "niveau_diplome": filleul.niveau_diplome,
                "secteurs_souhaites": list(filleul.secteurs_souhaites.all()),
                "disponibilites": filleul.disponibilites,
                "mobilite_km": filleul.mobilite_km,
                "source": filleul.source,
            }
        )
    return initial


def _bound(form_class, stored, initial):
    return form_class(MultiValueDict(stored), initial=initial)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def profil(request, etape):
    """The profile in short steps. Answers are kept in the session until the last step."""
    if not 1 <= etape <= len(ETAPES_PROFIL):
        return redirect("filleul:profil", etape=1)
    filleul = filleul_of(request.user)
    if filleul is None and a_un_autre_role(request.user):
        raise Http404
    apres = request.GET.get("suite")
    if apres and url_has_allowed_host_and_scheme(apres, allowed_hosts={request.get_host()}):
        request.session[SESSION_APRES_PROFIL] = apres
    initial = _initial_depuis_profil(request.user, filleul)
    reponses = request.session.get(SESSION_PROFIL, {})
    form_class = ETAPES_PROFIL[etape - 1]

    if request.method == "POST":
        form = form_class(request.POST, initial=initial)
        if form.is_valid():
            reponses[str(etape)] = {name: request.POST.getlist(name) for name in form.fields}
            request.session[SESSION_PROFIL] = reponses
            if etape < len(ETAPES_PROFIL):
                return redirect("filleul:profil", etape=etape + 1)
            return _enregistrer_profil(request, reponses, initial)
    elif str(etape) in reponses:
        form = _bound(form_class, reponses[str(etape)], initial)
    else:
        form = form_class(initial=initial)

    return render(
        request,
        "parrainages/filleul/profil.html",
        {
            "form": form,
            "etape": etape,
            "nombre_etapes": len(ETAPES_PROFIL),
            "titres": [f.titre for f in ETAPES_PROFIL],
            "consentement_version": consentement.VERSION,
        },
    )


def _enregistrer_profil(request, reponses, initial):
    donnees = {}
    for numero, form_class in enumerate(ETAPES_PROFIL, start=1):
        form = _bound(form_class, reponses.get(str(numero), {}), initial)
        if not form.is_valid():
            messages.warning(request, "Certaines réponses sont à compléter avant d'enregistrer.")
            return redirect("filleul:profil", etape=numero)
        donnees.update(form.cleaned_data)
    try:
        filleul = filleul_enregistrer_profil(user=request.user, donnees=donnees)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("filleul:profil", etape=1)
    # The apps above attach what the session remembers (the referral of an invitation).
    for extension in extensions.extensions():
        extension.profil_enregistre(request=request, filleul=filleul)
    request.session.pop(SESSION_PROFIL, None)
    messages.success(request, "Votre profil est enregistré.")
    suite = request.session.pop(SESSION_APRES_PROFIL, None)
    return redirect(suite or "filleul:tableau_de_bord")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def candidater(request, slug):
    """See one's eligibility for a programme, criterion by criterion, then apply."""
    programme = get_object_or_404(Programme.objects.publics(), slug=slug)
    filleul = filleul_of(request.user)
    if filleul is None and a_un_autre_role(request.user):
        messages.error(
            request,
            "Ce compte n'est pas celui d'une personne en recherche d'emploi : il ne peut pas "
            "candidater. Créez un compte personnel pour candidater.",
        )
        return redirect(programme.get_absolute_url())
    if filleul is None:
        suite = reverse("candidater", kwargs={"slug": slug})
        return redirect(f"{reverse('filleul:profil', kwargs={'etape': 1})}?suite={suite}")
    existante = filleul.candidatures.filter(programme=programme).first()
    verdict = eligibility(programme, filleul)
    form = CandidatureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and existante is None and form.is_valid():
        try:
            candidature_deposer(filleul=filleul, programme=programme)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Votre candidature au programme « {programme.nom} » est déposée. "
                "L'équipe l'étudie et vous tient informé(e) par e-mail.",
            )
            return redirect("filleul:tableau_de_bord")
    autres = []
    if not verdict.eligible:
        autres = [
            p
            for p in Programme.objects.ouverts().exclude(pk=programme.pk).order_by("nom")
            if eligibility(p, filleul).eligible
        ]
    return render(
        request,
        "parrainages/filleul/candidater.html",
        {
            "programme": programme,
            "verdict": verdict,
            "form": form,
            "existante": existante,
            "autres_programmes": autres,
        },
    )


@filleul_requis
def tableau_de_bord(request):
    filleul = request.filleul
    candidatures = filleul.candidatures.select_related("programme", "etape").order_by("-created_at")
    parrainages = list(
        filleul.parrainages.filter(statut__in=Parrainage.STATUTS_FORMES)
        .select_related("programme", "parrain__user")
        .prefetch_related(
            Prefetch(
                "chartes",
                queryset=Charte.objects.exclude(statut=Charte.Statut.ANNULEE),
                to_attr="chartes_en_vigueur",
            )
        )
        .order_by("-date_debut")
    )
    maintenant = timezone.now()
    rencontres = (
        Rencontre.objects.filter(
            parrainage__filleul=filleul, parrainage__statut__in=Parrainage.STATUTS_FORMES
        )
        .select_related("parrainage__parrain__user")
        .order_by("debut")
    )
    a_venir = [r for r in rencontres if r.debut >= maintenant and r.statut == "prevue"]
    passees = [r for r in rencontres if r.debut < maintenant or r.statut != "prevue"][::-1]
    inscriptions = filleul.inscriptions.select_related("evenement__programme").order_by(
        "evenement__debut"
    )
    a_signer = (
        Charte.objects.filter(parrainage__filleul=filleul, statut=Charte.Statut.A_SIGNER)
        .exclude(signatures__role=Signature.Role.FILLEUL)
        .select_related("parrainage__programme")
    )
    immersions = immersions_avec_parties(
        Immersion.objects.du_filleul(filleul)
        .exclude(statut=Immersion.Statut.BROUILLON)
        .select_related("bilan")
        .order_by("-date_debut")
    )
    return render(
        request,
        "parrainages/filleul/tableau_de_bord.html",
        {
            "immersions": immersions,
            "immersions_a_signer": [
                i
                for i in immersions
                if i.en_signature and any(p.user_id == request.user.pk for p in i.restent)
            ],
            "filleul": filleul,
            "candidatures": candidatures,
            "parrainages": parrainages,
            "rencontres_a_venir": a_venir,
            "rencontres_passees": passees[:10],
            "inscriptions": inscriptions,
            "chartes_a_signer": a_signer,
        },
    )


@filleul_requis
def donnees(request):
    export = filleul_exporter(filleul=request.filleul)
    return render(request, "parrainages/filleul/donnees.html", {"export": export})


@filleul_requis
def donnees_json(request):
    export = filleul_exporter(filleul=request.filleul)
    response = HttpResponse(
        json.dumps(export, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="mes-donnees-mentorat-{timezone.localdate():%Y-%m-%d}.json"'
    )
    return response


@filleul_requis
@require_http_methods(["GET", "POST"])
def supprimer(request):
    form = SuppressionCompteForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        compte_effacer(user=user)
        messages.success(
            request,
            "Votre compte est supprimé. Une confirmation vous a été envoyée par e-mail.",
        )
        return redirect("programmes:accueil")
    return render(request, "parrainages/filleul/supprimer.html", {"form": form})


@filleul_requis
@require_http_methods(["GET", "POST"])
def evenements(request):
    """Published one-off actions of the mentee's programmes: register or cancel."""
    filleul = request.filleul
    if request.method == "POST":
        identifiant = request.POST.get("evenement", "")
        if not (identifiant.isascii() and identifiant.isdigit() and len(identifiant) < 19):
            raise Http404  # a tampered form: not an id at all
        evenement = get_object_or_404(
            Evenement.objects.filter(statut=Evenement.Statut.PUBLIE), pk=identifiant
        )
        try:
            if request.POST.get("action") == "annuler":
                evenement_desinscrire(evenement=evenement, filleul=filleul)
                messages.success(request, f"Inscription à « {evenement.titre} » annulée.")
            else:
                evenement_inscrire(evenement=evenement, filleul=filleul)
                messages.success(request, f"Vous êtes inscrit(e) à « {evenement.titre} ».")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("filleul:evenements")
    ouverts = (
        evenements_ouverts_au_filleul(filleul)
        .select_related("programme")
        .annotate(
            inscrits=Count(
                "inscriptions", filter=Q(inscriptions__statut=Inscription.Statut.INSCRIT)
            )
        )
        .order_by("debut")
    )
    mes_inscriptions = set(
        filleul.inscriptions.filter(statut=Inscription.Statut.INSCRIT).values_list(
            "evenement_id", flat=True
        )
    )
    return render(
        request,
        "parrainages/filleul/evenements.html",
        {"evenements": ouverts, "mes_inscriptions": mes_inscriptions},
    )
