"""The signing steps of any document, shared by the document pages (parties with an account)
and the link page (parties without one): accept, receive a code, type it, or refuse."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import AcceptationForm, CodeSignatureForm, RefusSignatureForm
from .models import Envoi
from .reseau import adresse_client
from .signatures import (
    LienInvalide,
    partie_depuis_jeton,
    parties_de,
    signature_confirmer,
    signature_demander_code,
    signature_refuser,
    type_de,
)
from .telephones import telephone_masque


def adresse_masquee(adresse: str) -> str:
    """``c…@exemple.fr``: enough for the person to recognise their address, not to read it."""
    local, _, domaine = (adresse or "").partition("@")
    return f"{local[:1]}…@{domaine}" if domaine else ""


def _destinations(partie, demande) -> str:
    """Where the code went: « à c…@exemple.fr », « par SMS au 06 •• •• •• 78 », or both."""
    lieux = []
    if Envoi.Canal.EMAIL in demande.canaux:
        lieux.append(f"à {adresse_masquee(partie.adresse)}")
    if Envoi.Canal.SMS in demande.canaux:
        lieux.append(f"par SMS au {telephone_masque(partie.user.telephone)}")
    return " et ".join(lieux) or "de nouveau"


def etapes_signature(request, *, partie, refus_possible: bool = True):
    """Run one step of signing for ``partie`` from ``request``.

    Returns ``(contexte, fait)``: the forms and step for the template, and whether the step
    changed something (the caller then redirects, so that a reload posts nothing twice).
    """
    acceptation, code_form, etape = AcceptationForm(), CodeSignatureForm(), "lire"
    refus_form = RefusSignatureForm() if refus_possible else None
    fait = False
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "demander":
        acceptation = AcceptationForm(request.POST)
        if acceptation.is_valid():
            try:
                demande = signature_demander_code(partie=partie)
            except ValidationError as exc:
                acceptation.add_error(None, exc)
            else:
                messages.info(
                    request,
                    f"Un code à 6 chiffres vient d'être envoyé {_destinations(partie, demande)}. "
                    "Il est valable 10 minutes.",
                )
                etape = "code"
    elif action == "confirmer":
        etape = "code"
        code_form = CodeSignatureForm(request.POST)
        if code_form.is_valid():
            try:
                signature_confirmer(
                    partie=partie,
                    code=code_form.cleaned_data["code"],
                    ip=adresse_client(request),
                    user_agent=request.headers.get("User-Agent", ""),
                )
            except ValidationError as exc:
                code_form.add_error("code", exc)
            else:
                messages.success(request, "Merci : votre signature est enregistrée.")
                fait = True
    elif action == "refuser" and refus_possible:
        refus_form = RefusSignatureForm(request.POST)
        if refus_form.is_valid():
            try:
                signature_refuser(partie=partie, motif=refus_form.cleaned_data["motif"])
            except ValidationError as exc:
                refus_form.add_error(None, exc)
            else:
                messages.info(
                    request, "Votre refus est enregistré ; les autres parties en sont informées."
                )
                fait = True
    return (
        {
            "etape": etape,
            "acceptation": acceptation,
            "code_form": code_form,
            "refus_form": refus_form,
            "adresse_masquee": adresse_masquee(partie.adresse),
        },
        fait,
    )


def _partie_ou_erreur(request, jeton):
    try:
        return partie_depuis_jeton(jeton), None
    except LienInvalide as exc:
        reponse = render(
            request, "mentorat/signature/lien_invalide.html", {"raison": str(exc)}, status=404
        )
        return None, reponse


@never_cache
@require_http_methods(["GET", "POST"])
def signature_lien(request, jeton):
    """A party without an account reads the document and signs it (or refuses) from their link."""
    partie, erreur = _partie_ou_erreur(request, jeton)
    if erreur is not None:
        return erreur
    document = partie.document
    genre = type_de(document)
    ouvert = genre.ouvert(document)
    raison_fermeture = genre.raison_fermeture(document) if genre.raison_fermeture else None
    peut_signer = (
        ouvert and not raison_fermeture and partie.signee_le is None and partie.refusee_le is None
    )
    if request.method == "POST" and not peut_signer:
        messages.error(request, "Vous n'avez rien à signer sur ce document.")
        return redirect("signature_lien", jeton=jeton)
    contexte = {}
    if peut_signer:
        # On a GET, the forms of the first step (nothing is written).
        contexte, fait = etapes_signature(
            request, partie=partie, refus_possible=genre.refuse is not None
        )
        if fait:
            return redirect("signature_lien", jeton=jeton)
    pdf = genre.pdf(document) if genre.pdf else None
    return render(
        request,
        "mentorat/signature/lien.html",
        {
            **contexte,
            "titre": genre.titre(document),
            "document": document,
            "partie": partie,
            "parties": list(parties_de(document)),
            "gabarit": genre.gabarit,
            "ouvert": ouvert,
            "raison_fermeture": raison_fermeture,
            "peut_signer": peut_signer,
            "pdf_disponible": pdf is not None,
            "jeton": jeton,
        },
    )


@never_cache
def signature_lien_pdf(request, jeton):
    partie, erreur = _partie_ou_erreur(request, jeton)
    if erreur is not None:
        return erreur
    document = partie.document
    genre = type_de(document)
    pdf = genre.pdf(document) if genre.pdf else None
    if pdf is None:
        raise Http404
    fichier, nom = pdf
    return FileResponse(
        fichier.open("rb"), as_attachment=True, filename=nom, content_type="application/pdf"
    )
