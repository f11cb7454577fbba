"""The job seeker's pages: profile in steps, application, their space, their data."""

import functools
import json
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, FilteredRelation, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mentorat.forms import erreurs_vers_formulaire
from programmes.models import Evenement, Programme, Situation

from .. import consentement, extensions
from ..access import a_un_autre_role, filleul_of, parrainage_du_filleul, rencontre_du_filleul
from ..eligibilite import eligibility, message_trop_jeune, programmes_a_son_age, refus_age
from ..etablissements import etablissement_libelle
from ..etablissements import etablissements_recherche as etablissements_chercher
from ..forms import (
    NIVEAUX_SCOLAIRES,
    CandidatureForm,
    IdentiteForm,
    RefusPropositionForm,
    RepresentantsForm,
    SituationForm,
    SuppressionCompteForm,
    etapes_profil,
)
from ..forms_parrain import DeplacerRencontreForm, RencontreForm
from ..models import (
    AGE_MAJORITE,
    Candidature,
    Charte,
    EvenementCandidature,
    Immersion,
    Parrainage,
    ParticipationSelection,
    Rencontre,
    SessionSelection,
    age_on,
)
from ..selectors import immersions_avec_parties
from ..services import (
    candidature_deposer,
    compte_effacer,
    evenements_ouverts_au_filleul,
    filleul_enregistrer_profil,
    filleul_exporter,
    rencontre_accepter,
    rencontre_annuler,
    rencontre_deplacer,
    rencontre_proposer,
)
from ..services.avis_filleul import PAS_PROPOSE, filleul_choisir, filleul_refuser
from .actions import rencontre_action
from .evenements import page_evenements
from .parrain import rencontre_ics_reponse
from .qualite import page_objectifs

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
                "adresse": filleul.adresse,
                "adresse_complement": filleul.adresse_complement,
                "code_postal": filleul.code_postal,
                "commune": filleul.commune,
                "qpv": "non" if filleul.qpv in ("non", "infirme") else "oui",
                "situation": filleul.situation,
                "inscrit_france_travail_depuis": filleul.inscrit_france_travail_depuis,
                "parent_isole": {True: "oui", False: "non"}.get(filleul.parent_isole, ""),
                "identifiant_france_travail": filleul.identifiant_france_travail,
                "niveau_diplome": filleul.niveau_diplome,
                "secteurs_souhaites": list(filleul.secteurs_souhaites.all()),
                "disponibilites": filleul.disponibilites,
                "mobilite_km": filleul.mobilite_km,
                "source": filleul.source,
                "etablissement": filleul.etablissement,
            }
        )
        niveau, _, division = filleul.classe.partition(" ")
        if niveau in NIVEAUX_SCOLAIRES:
            initial.update({"niveau": niveau, "division": division})
        rangs = [rang for rang, _ in RepresentantsForm.RANGS]
        for rang, representant in zip(rangs, filleul.representants_legaux.all(), strict=False):
            for champ in RepresentantsForm.CHAMPS:
                initial[f"{rang}_{champ}"] = getattr(representant, champ)
    return initial


def _bound(form_class, stored, initial, user):
    return form_class(MultiValueDict(stored), initial=initial, user=user)


def _programme_vise(request):
    """The programme the profile is filled in for (its application comes next), if any."""
    suite = request.session.get(SESSION_APRES_PROFIL)
    if not suite:
        return None
    try:
        cible = resolve(urlsplit(suite).path)
    except Resolver404:
        return None
    if cible.url_name != "candidater":
        return None
    return Programme.objects.publics().filter(slug=cible.kwargs.get("slug")).first()


def _naissance(reponses, filleul):
    valeurs = reponses.get(IdentiteForm.cle, {}).get("date_naissance")
    if valeurs:
        try:
            return IdentiteForm.base_fields["date_naissance"].clean(valeurs[0])
        except ValidationError:
            return None
    return filleul.date_naissance if filleul is not None else None


def _etapes(reponses, filleul, programme):
    """The steps for this person, from their answers so far (or their profile)."""
    naissance = _naissance(reponses, filleul)
    mineur = naissance is not None and age_on(naissance, timezone.localdate()) < AGE_MAJORITE
    situation = (reponses.get(SituationForm.cle, {}).get("situation") or [None])[0]
    if situation is None and filleul is not None:
        situation = filleul.situation
    eleve = (
        situation == Situation.ELEVE_3E_REP
        or (programme is not None and programme.public_eleves)
        or (filleul is not None and filleul.etablissement_id is not None)
    )
    return etapes_profil(mineur=mineur, eleve=eleve)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def profil(request, etape):
    """The profile in short steps. Answers are kept in the session until the last step.

    The steps depend on the answers: a minor gives a legal guardian, a pupil a school.
    """
    filleul = filleul_of(request.user)
    if filleul is None and a_un_autre_role(request.user):
        raise Http404
    apres = request.GET.get("suite")
    if apres and url_has_allowed_host_and_scheme(apres, allowed_hosts={request.get_host()}):
        request.session[SESSION_APRES_PROFIL] = apres
    reponses = request.session.get(SESSION_PROFIL, {})
    programme = _programme_vise(request)
    etapes = _etapes(reponses, filleul, programme)
    if not 1 <= etape <= len(etapes):
        return redirect("filleul:profil", etape=1)
    initial = _initial_depuis_profil(request.user, filleul)
    form_class = etapes[etape - 1]
    autres_programmes = None

    if request.method == "POST":
        form = form_class(request.POST, initial=initial, user=request.user)
        if form.is_valid():
            refus = _trop_jeune(form, programme)
            if refus is None:
                reponses[form_class.cle] = {name: _valeurs(form, name) for name in form.fields}
                request.session[SESSION_PROFIL] = reponses
                # The answer may add or remove steps (a minor, a pupil).
                etapes = _etapes(reponses, filleul, programme)
                if etape < len(etapes):
                    return redirect("filleul:profil", etape=etape + 1)
                return _enregistrer_profil(request, reponses, initial, etapes)
            message, autres_programmes = refus
            form.add_error(None, message)
    elif form_class.cle in reponses:
        form = _bound(form_class, reponses[form_class.cle], initial, request.user)
    else:
        form = form_class(initial=initial, user=request.user)

    return render(
        request,
        "parrainages/filleul/profil.html",
        {
            "form": form,
            "etape": etape,
            "nombre_etapes": len(etapes),
            "titres": [f.titre for f in etapes],
            "consentement_version": consentement.VERSION,
            "autres_programmes": autres_programmes,
        },
    )


def _valeurs(form, name) -> list[str]:
    """A field's answer as kept in the session: what was posted, or, for a field shown but
    locked (an identity certified by FranceConnect), its value."""
    if form.fields[name].disabled:
        valeur = form.cleaned_data.get(name)
        return [valeur.isoformat() if hasattr(valeur, "isoformat") else str(valeur or "")]
    return form.data.getlist(name)


def _trop_jeune(form, programme):
    """A person younger than the minimum age of the programme they are signing up for: the
    kind refusal, and the open programmes of their age. Nothing is kept of the answer."""
    if programme is None or not isinstance(form, IdentiteForm):
        return None
    age = age_on(form.cleaned_data["date_naissance"], timezone.localdate())
    message = message_trop_jeune(programme, age)
    if message is None:
        return None
    return message, programmes_a_son_age(age, sauf=programme)


def _enregistrer_profil(request, reponses, initial, etapes):
    donnees = {}
    for numero, form_class in enumerate(etapes, start=1):
        form = _bound(form_class, reponses.get(form_class.cle, {}), initial, request.user)
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
def etablissements_recherche(request):
    """Suggestions of schools for a typed name, commune or UAI code (public directory data)."""
    terme = request.GET.get("q", "").strip()[:100]
    if len(terme) < 2 or "\x00" in terme:
        return JsonResponse({"resultats": []})
    trouves = etablissements_chercher(terme).order_by("nom")[:15]
    return JsonResponse(
        {"resultats": [{"id": e.pk, "label": etablissement_libelle(e)} for e in trouves]},
        json_dumps_params={"ensure_ascii": False},
    )


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
            candidature = candidature_deposer(filleul=filleul, programme=programme)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if candidature.statut == candidature.Statut.ATTENTE_AUTORISATION:
                messages.success(
                    request,
                    f"Votre candidature au programme « {programme.nom} » est enregistrée. "
                    "Comme vous avez moins de 18 ans, nous avons écrit à votre représentant "
                    "légal : elle sera déposée dès qu'il aura donné son accord en ligne.",
                )
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
            "trop_jeune": refus_age(programme, filleul),
        },
    )


@filleul_requis
def tableau_de_bord(request):
    filleul = request.filleul
    candidatures = (
        filleul.candidatures.select_related("programme", "etape")
        .prefetch_related(
            # Each application's history, as the applicant was told it (never staff's notes).
            Prefetch(
                "evenements",
                queryset=EvenementCandidature.objects.chronologiques(),
                to_attr="historique",
            )
        )
        .order_by("-created_at")
    )
    candidatures = list(candidatures)
    _semaines_de_selection(candidatures)
    # The pairs, and in the same query the proposals waiting for the mentee's say, each with
    # its charter in force (one at most: a constraint) and whether it waits for her signature.
    parrainages = list(
        filleul.parrainages.filter(
            statut__in=(*Parrainage.STATUTS_FORMES, Parrainage.Statut.ATTENTE_FILLEUL)
        )
        .annotate(
            charte_en_vigueur=FilteredRelation(
                "chartes", condition=~Q(chartes__statut=Charte.Statut.ANNULEE)
            ),
            charte_a_ma_signature=Exists(
                Charte.objects.filter(pk=OuterRef("charte_en_vigueur__pk")).a_signer_par(
                    request.user
                )
            ),
        )
        .select_related("programme", "parrain__user", "charte_en_vigueur")
        .order_by("-date_debut")
    )
    # A charter is issued to an active pair only, and an active pair only ends (formed
    # statuses): the charters waiting for her signature are among these.
    a_signer = []
    for p in parrainages:
        charte = getattr(p, "charte_en_vigueur", None)  # not set when the pair has none
        p.chartes_en_vigueur = [charte] if charte is not None else []
        if charte is not None:
            charte.parrainage = p
            if p.charte_a_ma_signature:
                a_signer.append(charte)
    a_signer.sort(key=lambda charte: charte.emise_le, reverse=True)
    propositions = _propositions_en_attente(
        [p for p in parrainages if p.statut == Parrainage.Statut.ATTENTE_FILLEUL]
    )
    parrainages = [p for p in parrainages if p.statut != Parrainage.Statut.ATTENTE_FILLEUL]
    maintenant = timezone.now()
    rencontres = (
        Rencontre.objects.filter(
            parrainage__filleul=filleul, parrainage__statut__in=Parrainage.STATUTS_FORMES
        )
        .select_related("parrainage__parrain__user")
        .order_by("debut")
    )
    # To come: planned, or awaiting the mentor's answer (proposed or moved by the mentee).
    en_cours = (Rencontre.Statut.PREVUE, Rencontre.Statut.PROPOSEE)
    a_venir = [r for r in rencontres if r.debut >= maintenant and r.statut in en_cours]
    passees = [r for r in rencontres if r.debut < maintenant or r.statut not in en_cours][::-1]
    inscriptions = filleul.inscriptions.select_related("evenement__programme").order_by(
        "evenement__debut"
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
            "propositions": propositions,
            "rencontres_a_venir": a_venir,
            "binomes_actifs": [p for p in parrainages if p.statut == Parrainage.Statut.ACTIF],
            "rencontres_passees": passees[:10],
            "inscriptions": inscriptions,
            "chartes_a_signer": a_signer,
        },
    )


def _propositions_en_attente(attente) -> list[dict]:
    """One line a programme: its name, its first proposal (the page's link), how many."""
    lignes = {}
    for p in sorted(attente, key=lambda p: p.pk):
        ligne = lignes.setdefault(
            p.programme_id, {"programme": p.programme.nom, "premiere": p.pk, "nombre": 0}
        )
        ligne["nombre"] += 1
    return sorted(lignes.values(), key=lambda ligne: ligne["programme"])


@filleul_requis
@require_http_methods(["GET", "POST"])
def objectifs(request, pk):
    """The pair's goals: the mentee reads their progress and writes them too."""
    parrainage = parrainage_du_filleul(request.user, pk, *Parrainage.STATUTS_FORMES)
    return page_objectifs(
        request,
        parrainage,
        retour=f"{reverse('filleul:tableau_de_bord')}#parrainage",
        gabarit_nav="",
    )


@filleul_requis
@require_http_methods(["GET", "POST"])
def rencontre_proposer_vue(request, pk):
    """The mentee proposes a meeting to their mentor, who accepts or refuses it."""
    parrainage = parrainage_du_filleul(request.user, pk, Parrainage.Statut.ACTIF)
    form = RencontreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rencontre_proposer(parrainage=parrainage, par=request.user, donnees=form.cleaned_data)
        except ValidationError as exc:
            erreurs_vers_formulaire(form, exc)
        else:
            messages.success(
                request,
                "Rencontre proposée : votre parrain ou votre marraine est prévenu(e) par e-mail "
                "et vous recevrez l'invitation dès qu'il ou elle l'aura acceptée.",
            )
            return redirect(f"{reverse('filleul:tableau_de_bord')}#rencontres")
    return render(
        request,
        "parrainages/filleul/rencontre_proposer.html",
        {"parrainage": parrainage, "form": form},
    )


@filleul_requis
@require_http_methods(["GET", "POST"])
def rencontre_deplacer_vue(request, pk):
    """The mentee moves a meeting to come; the mentor confirms the new time."""
    rencontre = rencontre_du_filleul(request.user, pk)
    form = DeplacerRencontreForm(
        request.POST if request.method == "POST" else None, initial={"debut": rencontre.debut}
    )
    if request.method == "POST" and form.is_valid():
        try:
            rencontre_deplacer(
                rencontre=rencontre, par=request.user, debut=form.cleaned_data["debut"]
            )
        except ValidationError as exc:
            erreurs_vers_formulaire(form, exc)
        else:
            messages.success(
                request,
                "Rencontre déplacée : votre parrain ou votre marraine est prévenu(e) et doit "
                "confirmer le nouvel horaire.",
            )
            return redirect(f"{reverse('filleul:tableau_de_bord')}#rencontres")
    return render(
        request,
        "parrainages/filleul/rencontre_deplacer.html",
        {"rencontre": rencontre, "form": form},
    )


@filleul_requis
@require_POST
def rencontre_accepter_vue(request, pk):
    """The mentee confirms a meeting their mentor planned."""
    rencontre = rencontre_du_filleul(request.user, pk)
    return rencontre_action(
        request,
        rencontre_accepter,
        rencontre,
        succes="Rencontre confirmée : votre parrain ou votre marraine est prévenu(e).",
        retour=f"{reverse('filleul:tableau_de_bord')}#rencontres",
    )


@filleul_requis
@require_POST
def rencontre_annuler_vue(request, pk):
    rencontre = rencontre_du_filleul(request.user, pk)
    return rencontre_action(
        request,
        rencontre_annuler,
        rencontre,
        succes="Rencontre annulée : votre parrain ou votre marraine est prévenu(e).",
        retour=f"{reverse('filleul:tableau_de_bord')}#rencontres",
    )


@filleul_requis
def rencontre_ics_vue(request, pk):
    return rencontre_ics_reponse(rencontre_du_filleul(request.user, pk))


def _semaines_de_selection(candidatures) -> None:
    """The selection week an invited application is waiting for (dates, place), set as
    ``semaine``: one query, only when an application is invited."""
    invitees = {c.pk: c for c in candidatures if c.statut == Candidature.Statut.INVITEE_SELECTION}
    for c in candidatures:
        c.semaine = None
    if not invitees:
        return
    for p in ParticipationSelection.objects.filter(
        candidature__in=invitees, session__statut__in=SessionSelection.STATUTS_OUVERTS
    ).select_related("session__commune"):
        invitees[p.candidature_id].semaine = p.session


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
    """Published events of the mentee's programmes open to mentees: register or cancel."""
    return page_evenements(
        request,
        public=Evenement.Public.FILLEULS,
        personne=request.filleul,
        ouverts=evenements_ouverts_au_filleul(request.filleul),
        gabarit="parrainages/filleul/evenements.html",
        retour="filleul:evenements",
    )


@filleul_requis
@require_http_methods(["GET", "POST"])
def proposition(request, pk):
    """The mentee's say: the proposed mentor to accept or refuse, or up to three to choose
    from — first name, sector, job and why they match; never their surname, contact
    details nor address before they accept (docs/appariement.md)."""
    parrainage = parrainage_du_filleul(request.user, pk, Parrainage.Statut.ATTENTE_FILLEUL)
    options = list(
        Parrainage.objects.filter(
            filleul=request.filleul,
            programme_id=parrainage.programme_id,
            statut=Parrainage.Statut.ATTENTE_FILLEUL,
        )
        .select_related("parrain__user")
        .prefetch_related("parrain__secteurs")
        .order_by("-score", "pk")
    )
    refus = RefusPropositionForm(request.POST if "refuser" in request.POST else None)
    if request.method == "POST":
        retour = redirect("filleul:proposition", pk=pk)
        try:
            if "refuser" in request.POST:
                if not refus.is_valid():
                    raise ValidationError(" ".join(refus.errors.get("motif", [])))
                filleul_refuser(
                    parrainage=parrainage, par=request.user, motif=refus.cleaned_data["motif"]
                )
                messages.info(
                    request,
                    "C'est noté : ces propositions ne vous seront plus faites. L'équipe vous "
                    "proposera un autre parrain ou une autre marraine.",
                )
                return redirect("filleul:tableau_de_bord")
            choisie = next(
                (o for o in options if str(o.pk) == request.POST.get("choisir", "")), None
            )
            if choisie is None:
                raise ValidationError(PAS_PROPOSE)
            filleul_choisir(parrainage=choisie, par=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return retour
        messages.success(
            request,
            f"Merci ! Nous demandons à {choisie.parrain.user.first_name or 'votre parrain'} "
            "s'il ou elle peut vous accompagner ; vous serez prévenu(e) par e-mail de sa réponse.",
        )
        return redirect("filleul:tableau_de_bord")
    return render(
        request,
        "parrainages/filleul/proposition.html",
        {
            "parrainage": parrainage,
            "programme": parrainage.programme,
            "options": options,
            "refus": refus,
        },
    )
