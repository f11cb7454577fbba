"""Charter pages: read and sign (parties), download (parties and staff), public verification."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mentorat.access import mfa_pour_le_personnel, staff_verifie
from mentorat.reseau import adresse_client

from ..models import Charte, Signature
from ..services import (
    charte_verifier_fichier,
    nom_fichier_charte,
    roles_de,
    roles_requis,
    signature_confirmer,
    signature_demander_code,
)


def charte_for_request(request, uuid) -> Charte:
    """A charter its mentor and mentee, or staff past their second factor, may see; 404 for
    anyone else.

    The programme's coordinator (a staff member, who signs where the programme asks) sees it
    as staff: once the session passed the second factor, like every staff right.
    """
    user = request.user
    qs = Charte.objects.select_related(
        "parrainage__programme__coordinateur",
        "parrainage__parrain__user",
        "parrainage__filleul__user",
    )
    if not staff_verifie(request):
        qs = qs.filter(Q(parrainage__parrain__user=user) | Q(parrainage__filleul__user=user))
    return get_object_or_404(qs, uuid=uuid)


class AcceptationForm(forms.Form):
    acceptation = forms.BooleanField(
        label="J'ai lu la charte et j'en accepte les engagements.",
        error_messages={"required": "Cochez la case pour accepter la charte avant de signer."},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code reçu par e-mail (6 chiffres)",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )


@login_required
@never_cache
@mfa_pour_le_personnel
@require_http_methods(["GET", "POST"])
def charte_detail(request, uuid):
    charte = charte_for_request(request, uuid)
    signatures = {s.role: s for s in charte.signatures.select_related("signataire")}
    a_signer = [r for r in roles_de(charte, request.user) if r not in signatures]
    role = a_signer[0] if a_signer and charte.statut == Charte.Statut.A_SIGNER else None
    acceptation, code_form, etape = AcceptationForm(), CodeForm(), "lire"
    if request.method == "POST":
        if role is None:
            messages.error(request, "Vous n'avez rien à signer sur cette charte.")
            return redirect("charte_detail", uuid=charte.uuid)
        if request.POST.get("action") == "demander":
            acceptation = AcceptationForm(request.POST)
            if acceptation.is_valid():
                try:
                    signature_demander_code(charte=charte, user=request.user, role=role)
                except ValidationError as exc:
                    acceptation.add_error(None, exc)
                else:
                    messages.info(
                        request,
                        f"Un code à 6 chiffres vient d'être envoyé à {request.user.email}. "
                        "Il est valable 10 minutes.",
                    )
                    etape = "code"
        elif request.POST.get("action") == "confirmer":
            etape = "code"
            code_form = CodeForm(request.POST)
            if code_form.is_valid():
                try:
                    signature_confirmer(
                        charte=charte,
                        user=request.user,
                        role=role,
                        code=code_form.cleaned_data["code"],
                        ip=adresse_client(request),
                        user_agent=request.headers.get("User-Agent", ""),
                    )
                except ValidationError as exc:
                    code_form.add_error("code", exc)
                else:
                    messages.success(request, "Merci : votre signature est enregistrée.")
                    return redirect("charte_detail", uuid=charte.uuid)
    return render(
        request,
        "parrainages/charte/detail.html",
        {
            "charte": charte,
            "signatures": [signatures.get(r) for r in roles_requis(charte)],
            "roles": [(Signature.Role(r).label, signatures.get(r)) for r in roles_requis(charte)],
            "role": role,
            "etape": etape,
            "acceptation": acceptation,
            "code_form": code_form,
        },
    )


@login_required
@never_cache
@mfa_pour_le_personnel
def charte_pdf(request, uuid):
    charte = charte_for_request(request, uuid)
    if not charte.pdf:
        raise Http404
    return FileResponse(
        charte.pdf.open("rb"),
        as_attachment=True,
        filename=nom_fichier_charte(charte),
        content_type="application/pdf",
    )


class VerificationForm(forms.Form):
    fichier = forms.FileField(label="Fichier PDF à vérifier")

    def clean_fichier(self):
        from django.conf import settings

        fichier = self.cleaned_data["fichier"]
        limite = settings.VERIFICATION_TAILLE_MAX
        if fichier.size > limite:
            raise forms.ValidationError(
                f"Le fichier dépasse {limite // (1024 * 1024)} Mo : ce n'est pas une charte émise "
                "par la plateforme."
            )
        debut = fichier.read(5)
        fichier.seek(0)
        if debut != b"%PDF-":
            raise forms.ValidationError("Ce fichier n'est pas un PDF.")
        return fichier


@never_cache
@require_http_methods(["GET", "POST"])
def charte_verifier(request, uuid):
    """Public: what was issued under this identifier, and whether an uploaded PDF is it."""
    from django.conf import settings

    charte = get_object_or_404(Charte.objects.select_related("parrainage__programme"), uuid=uuid)
    form = VerificationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    resultat = None
    if request.method == "POST" and form.is_valid():
        resultat = charte_verifier_fichier(
            charte=charte, contenu=form.cleaned_data["fichier"].read()
        )
    return render(
        request,
        "parrainages/charte/verifier.html",
        {
            "charte": charte,
            "form": form,
            "resultat": resultat,
            "initiales": _initiales(charte),
            "taille_max_mo": settings.VERIFICATION_TAILLE_MAX // (1024 * 1024),
        },
    )


def _initiales(charte) -> dict:
    """The parties' initials as frozen at issue (the sealed PDF names them the same way)."""

    def init(partie):
        lettres = [p[0] for p in (partie.get("prenom"), partie.get("nom")) if p]
        return ".".join(lettres).upper() + "." if lettres else "—"

    parties = {p["role"]: p for p in charte.parties}
    return {role: init(parties.get(role, {})) for role in ("parrain", "filleul")}
