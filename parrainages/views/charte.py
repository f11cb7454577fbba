"""Charter pages: read and sign (parties), download (parties and staff), public verification."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mentorat.access import mfa_pour_le_personnel, staff_verifie
from mentorat.admin_perimetre import dans_le_perimetre
from mentorat.signature_vues import etapes_signature
from mentorat.signatures import parties_de

from ..models import Charte
from ..services import charte_verifier_fichier, nom_fichier_charte


def charte_for_request(request, uuid) -> Charte:
    """A charter its mentor and mentee, or staff past their second factor, may see; 404 for
    anyone else.

    The programme's coordinator (a staff member, who signs where the programme asks) sees it
    as staff: once the session passed the second factor, like every staff right, and within
    their perimeter.
    """
    user = request.user
    qs = Charte.objects.select_related(
        "parrainage__programme__coordinateur",
        "parrainage__parrain__user",
        "parrainage__filleul__user",
    )
    if staff_verifie(request):
        # Staff see the charters of their perimeter (their structures' programmes and
        # territories, mentorat/perimetre.py); another's answers 404.
        qs = dans_le_perimetre(request, qs)
    else:
        qs = qs.filter(Q(parrainage__parrain__user=user) | Q(parrainage__filleul__user=user))
    return get_object_or_404(qs, uuid=uuid)


@login_required
@never_cache
@mfa_pour_le_personnel
@require_http_methods(["GET", "POST"])
def charte_detail(request, uuid):
    """The charter, where each party stands, and the signing steps for a logged-in party who
    has not signed yet (in their own role; a minor's guardians sign from their link)."""
    charte = charte_for_request(request, uuid)
    parties = list(parties_de(charte))
    partie = None
    if charte.statut == Charte.Statut.A_SIGNER:
        partie = next(
            (p for p in parties if p.user_id == request.user.pk and p.signee_le is None), None
        )
    contexte = {}
    if request.method == "POST" and partie is None:
        messages.error(request, "Vous n'avez rien à signer sur cette charte.")
        return redirect("charte_detail", uuid=charte.uuid)
    if partie is not None:
        contexte, fait = etapes_signature(request, partie=partie, refus_possible=False)
        if fait:
            return redirect("charte_detail", uuid=charte.uuid)
    return render(
        request,
        "parrainages/charte/detail.html",
        {**contexte, "charte": charte, "parties": parties, "partie": partie},
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
    """The pair's initials as frozen at issue (the sealed PDF names them the same way)."""

    def init(partie):
        lettres = [n[0] for n in (partie.prenom, partie.nom) if n] if partie else []
        return ".".join(lettres).upper() + "." if lettres else "—"

    parties = {p.role: p for p in parties_de(charte).filter(role__in=("parrain", "filleul"))}
    return {role: init(parties.get(role)) for role in ("parrain", "filleul")}
