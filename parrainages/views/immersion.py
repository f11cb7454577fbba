"""Immersion conventions in the mentor's and the mentee's spaces, the tutor's assessment by
link, and the public verification of a sealed convention.

The parties without an account sign from the machinery's link page (``/signature/<jeton>/``);
the mentee, and the mentor when they represent the host company, sign on the convention's
page of their own space.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mentorat.access import staff_verifie
from mentorat.admin_perimetre import dans_le_perimetre
from mentorat.forms import erreurs_vers_formulaire
from mentorat.signature_vues import etapes_signature

from .. import immersion_regles as regles
from ..forms_immersion import (
    HORAIRES_OBSERVATION,
    HORAIRES_PMSMP,
    AnnulationForm,
    BilanForm,
    HorairesForm,
    ImmersionForm,
    RenouvellementForm,
)
from ..models import BilanImmersion, Immersion, Parrainage
from ..selectors import immersions_avec_parties
from ..services.immersion import (
    LienBilanInvalide,
    bilan_enregistrer,
    immersion_annuler,
    immersion_depuis_jeton_bilan,
    immersion_modifier,
    immersion_proposer,
    immersion_renouveler,
    immersion_verifier_fichier,
    nom_fichier_immersion,
)
from .filleul import filleul_requis
from .parrain import _parrainage, parrain_requis

RELATIONS = (
    "parrainage__programme",
    "parrainage__parrain__user",
    "parrainage__filleul__user",
    "prescripteur",
    "entreprise_commune",
    "renouvelle",
    "bilan",
)


def _immersion_parrain(request, pk) -> Immersion:
    """One of the mentor's pairs' conventions, 404 otherwise."""
    return get_object_or_404(
        Immersion.objects.select_related(*RELATIONS), pk=pk, parrainage__parrain=request.parrain
    )


def _immersion_filleul(request, pk) -> Immersion:
    """One of the mentee's own conventions, 404 otherwise."""
    return get_object_or_404(
        Immersion.objects.select_related(*RELATIONS), pk=pk, parrainage__filleul=request.filleul
    )


def _bilan(immersion):
    try:
        return immersion.bilan
    except BilanImmersion.DoesNotExist:
        return None


def _erreurs(form, horaires, exc: ValidationError) -> None:
    """A service's refusal shown on the convention's form, the hours' errors on their grid."""
    if hasattr(exc, "error_dict"):
        pour_horaires = exc.error_dict.get("horaires", [])
        for erreur in pour_horaires:
            horaires.add_error(None, erreur)
        reste = {k: v for k, v in exc.error_dict.items() if k != "horaires"}
        if reste:
            erreurs_vers_formulaire(form, ValidationError(reste))
        return
    form.add_error(None, exc)


# --- The page of a convention (mentor and mentee) -------------------------------------------------


def _page(request, immersion, *, espace: str, retour: str):
    """The convention, where each party stands, the user's own signing step, the PDF and the
    assessment."""
    (immersion,) = immersions_avec_parties([immersion])
    partie = next(
        (p for p in immersion.parties_liste if p.user_id == request.user.pk and not p.signee_le),
        None,
    ) or next((p for p in immersion.parties_liste if p.user_id == request.user.pk), None)
    raison = regles.signature_possible(immersion)
    peut_signer = (
        partie is not None and partie.signee_le is None and partie.refusee_le is None and not raison
    )
    contexte = {}
    if request.method == "POST":
        if not peut_signer:
            messages.error(request, raison or "Vous n'avez rien à signer sur cette convention.")
            return redirect(request.path)
        contexte, fait = etapes_signature(request, partie=partie)
        if fait:
            return redirect(request.path)
    elif peut_signer:
        contexte, _fait = etapes_signature(request, partie=partie)
    return render(
        request,
        "parrainages/immersion/detail.html",
        {
            **contexte,
            "immersion": immersion,
            "document": immersion,
            "parties": immersion.parties_liste,
            "partie": partie,
            "peut_signer": peut_signer,
            "raison_fermeture": raison if partie and not partie.signee_le else None,
            "bilan": _bilan(immersion),
            "espace": espace,
            "retour": retour,
        },
    )


@parrain_requis
@require_http_methods(["GET", "POST"])
def immersion_parrain(request, pk):
    immersion = _immersion_parrain(request, pk)
    return _page(request, immersion, espace="parrain", retour=immersion.parrainage.get_portal_url())


@filleul_requis
@require_http_methods(["GET", "POST"])
def immersion_filleul(request, pk):
    immersion = _immersion_filleul(request, pk)
    return _page(request, immersion, espace="filleul", retour=reverse("filleul:tableau_de_bord"))


def _pdf(immersion):
    if not immersion.pdf:
        raise Http404
    return FileResponse(
        immersion.pdf.open("rb"),
        as_attachment=True,
        filename=nom_fichier_immersion(immersion),
        content_type="application/pdf",
    )


@parrain_requis
def immersion_pdf_parrain(request, pk):
    return _pdf(_immersion_parrain(request, pk))


@filleul_requis
def immersion_pdf_filleul(request, pk):
    return _pdf(_immersion_filleul(request, pk))


@login_required
@never_cache
def immersion_ouvrir(request, uuid):
    """The link a party with an account receives: their own space's page of the convention."""
    immersion = get_object_or_404(
        Immersion.objects.select_related("parrainage__parrain", "parrainage__filleul"), uuid=uuid
    )
    parrainage = immersion.parrainage
    if parrainage.filleul.user_id == request.user.pk:
        return redirect("filleul:immersion", pk=immersion.pk)
    if parrainage.parrain.user_id == request.user.pk:
        return redirect("parrain:immersion", pk=immersion.pk)
    if (
        staff_verifie(request)
        and dans_le_perimetre(request, Immersion.objects.filter(pk=immersion.pk)).exists()
    ):
        return redirect("admin:parrainages_immersion_change", immersion.pk)
    raise Http404


# --- The mentor proposes, changes, renews, cancels ------------------------------------------------


def _formulaire(request, parrainage, *, immersion=None):
    observation = regles.nature_attendue(parrainage) == Immersion.Nature.OBSERVATION
    horaires_defaut = HORAIRES_OBSERVATION if observation else HORAIRES_PMSMP
    donnees = request.POST if request.method == "POST" else None
    form = ImmersionForm(donnees, parrainage=parrainage, instance=immersion)
    horaires = HorairesForm(
        donnees, horaires=immersion.horaires if immersion is not None else horaires_defaut
    )
    return form, horaires


def _rendre_formulaire(request, parrainage, form, horaires, *, immersion=None, possible=True):
    return render(
        request,
        "parrainages/immersion/formulaire.html",
        {
            "parrainage": parrainage,
            "form": form,
            "horaires": horaires,
            "immersion": immersion,
            "possible": possible,
            "observation": regles.nature_attendue(parrainage) == Immersion.Nature.OBSERVATION,
        },
    )


@parrain_requis
@require_http_methods(["GET", "POST"])
def immersion_nouvelle(request, pk):
    parrainage = _parrainage(request, pk, Parrainage.Statut.ACTIF)
    possible = parrainage.programme.offre_immersion and parrainage.parrain.offre_immersion
    form, horaires = _formulaire(request, parrainage)
    if request.method == "POST":
        valides = form.is_valid() & horaires.is_valid()
        if valides:
            try:
                immersion = immersion_proposer(
                    parrainage=parrainage,
                    par=request.user,
                    donnees={**form.cleaned_data, "horaires": horaires.horaires()},
                )
            except ValidationError as exc:
                _erreurs(form, horaires, exc)
            else:
                messages.success(
                    request,
                    "Convention proposée : chaque partie reçoit un e-mail pour la lire et la "
                    "signer. Vous suivez ici les signatures.",
                )
                return redirect("parrain:immersion", pk=immersion.pk)
    return _rendre_formulaire(request, parrainage, form, horaires, possible=possible)


@parrain_requis
@require_http_methods(["GET", "POST"])
def immersion_modifier_vue(request, pk):
    immersion = _immersion_parrain(request, pk)
    if not immersion.modifiable:
        messages.error(request, "Cette convention ne se modifie plus.")
        return redirect("parrain:immersion", pk=immersion.pk)
    form, horaires = _formulaire(request, immersion.parrainage, immersion=immersion)
    if request.method == "POST" and form.is_valid() & horaires.is_valid():
        avant = immersion.texte_sha256
        try:
            immersion = immersion_modifier(
                immersion=immersion,
                par=request.user,
                donnees={**form.cleaned_data, "horaires": horaires.horaires()},
            )
        except ValidationError as exc:
            _erreurs(form, horaires, exc)
        else:
            if immersion.texte_sha256 != avant:
                messages.success(
                    request,
                    "Convention modifiée : les signatures déjà données sont retirées et chaque "
                    "partie est invitée à signer la nouvelle version.",
                )
            else:
                messages.info(request, "Aucun changement dans le texte de la convention.")
            return redirect("parrain:immersion", pk=immersion.pk)
    return _rendre_formulaire(request, immersion.parrainage, form, horaires, immersion=immersion)


@parrain_requis
@require_http_methods(["GET", "POST"])
def immersion_renouveler_vue(request, pk):
    immersion = _immersion_parrain(request, pk)
    form = RenouvellementForm(
        request.POST if request.method == "POST" else None, immersion=immersion
    )
    horaires = HorairesForm(
        request.POST if request.method == "POST" else None, horaires=immersion.horaires
    )
    if request.method == "POST" and form.is_valid() & horaires.is_valid():
        try:
            nouvelle = immersion_renouveler(
                immersion=immersion,
                par=request.user,
                date_debut=form.cleaned_data["date_debut"],
                date_fin=form.cleaned_data["date_fin"],
                horaires=horaires.horaires(),
            )
        except ValidationError as exc:
            _erreurs(form, horaires, exc)
        else:
            messages.success(
                request, "Renouvellement proposé : chaque partie reçoit un e-mail pour le signer."
            )
            return redirect("parrain:immersion", pk=nouvelle.pk)
    return render(
        request,
        "parrainages/immersion/renouveler.html",
        {"immersion": immersion, "form": form, "horaires": horaires},
    )


@parrain_requis
@require_POST
def immersion_annuler_vue(request, pk):
    immersion = _immersion_parrain(request, pk)
    form = AnnulationForm(request.POST)
    if form.is_valid():
        try:
            immersion_annuler(
                immersion=immersion, par=request.user, motif=form.cleaned_data["motif"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Convention annulée : chaque partie en est informée.")
    else:
        messages.error(request, " ".join(form.errors["motif"]))
    return redirect("parrain:immersion", pk=immersion.pk)


# --- The tutor's assessment -----------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def immersion_bilan(request, jeton):
    try:
        immersion = immersion_depuis_jeton_bilan(jeton)
    except LienBilanInvalide as exc:
        return render(
            request, "mentorat/signature/lien_invalide.html", {"raison": str(exc)}, status=404
        )
    bilan = _bilan(immersion)
    form = None if bilan else BilanForm(immersion=immersion)
    if request.method == "POST":
        form = BilanForm(request.POST, immersion=immersion)
        if form.is_valid():
            try:
                bilan_enregistrer(immersion=immersion, donnees=form.donnees())
            except ValidationError as exc:
                erreurs_vers_formulaire(form, exc)
            else:
                messages.success(request, "Merci : le bilan est transmis.")
                return redirect("immersion_bilan", jeton=jeton)
    return render(
        request,
        "parrainages/immersion/bilan.html",
        {"immersion": immersion, "form": form, "bilan": bilan},
    )


# --- Public verification --------------------------------------------------------------------------


class VerificationForm(forms.Form):
    fichier = forms.FileField(label="Fichier PDF à vérifier")

    def clean_fichier(self):
        from django.conf import settings

        fichier = self.cleaned_data["fichier"]
        limite = settings.VERIFICATION_TAILLE_MAX
        if fichier.size > limite:
            raise forms.ValidationError(
                f"Le fichier dépasse {limite // (1024 * 1024)} Mo : ce n'est pas une convention "
                "émise par la plateforme."
            )
        debut = fichier.read(5)
        fichier.seek(0)
        if debut != b"%PDF-":
            raise forms.ValidationError("Ce fichier n'est pas un PDF.")
        return fichier


@never_cache
@require_http_methods(["GET", "POST"])
def immersion_verifier(request, uuid):
    """Public: what was issued under this identifier, and whether an uploaded PDF is it."""
    from django.conf import settings

    immersion = get_object_or_404(
        Immersion.objects.select_related("parrainage__programme"), uuid=uuid
    )
    form = VerificationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    resultat = None
    if request.method == "POST" and form.is_valid():
        resultat = immersion_verifier_fichier(
            immersion=immersion, contenu=form.cleaned_data["fichier"].read()
        )
    return render(
        request,
        "parrainages/immersion/verifier.html",
        {
            "immersion": immersion,
            "form": form,
            "resultat": resultat,
            "taille_max_mo": settings.VERIFICATION_TAILLE_MAX // (1024 * 1024),
        },
    )
