"""The pages of SMS: a person's mobile number and its code, the channels per kind of message
(on the preferences page), the short links of text messages, and the provider's inbound
callback (a STOP reply)."""

import hmac
import json
import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .canaux import (
    Choix,
    Genre,
    canaux_enregistrer,
    est_un_stop,
    sms_joignable,
    sms_refuser,
    sms_reprendre,
    telephone_code_envoyer,
    telephone_retirer,
    telephone_verifier,
)
from .envois import canal_disponible
from .liens import lien_court_suivre
from .models import CodeTelephone, Envoi, User

logger = logging.getLogger(__name__)


class CanauxForm(forms.Form):
    """One choice per kind of message; SMS offered only where an SMS may go."""

    relances_non_essentielles = forms.BooleanField(
        label="Recevoir les rappels (rencontre du lendemain, fin de parrainage, rencontres à "
        "consigner, rapports disponibles)",
        required=False,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.avec_sms = bool(user.email) and sms_joignable(user)
        if not self.avec_sms:
            return
        for genre, libelle in Genre.choices:
            self.fields[genre] = forms.ChoiceField(
                label=libelle,
                choices=Choix.choices,
                initial=user.canaux.get(genre, Choix.EMAIL),
                widget=forms.RadioSelect,
            )


class NumeroForm(forms.Form):
    numero = forms.CharField(
        label="Numéro de téléphone mobile",
        max_length=30,
        help_text="Un mobile de France, métropole ou outre-mer (06…, 07…, +262…).",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class CodeTelephoneForm(forms.Form):
    code = forms.CharField(
        label="Code reçu par SMS (6 chiffres)",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Which reminders a person receives, by which channel for each kind of message, and
    whether they accept SMS again after a STOP."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "reprendre_sms":
        sms_reprendre(user=user)
        messages.success(request, "Vous recevrez de nouveau les SMS que vous avez choisis.")
        return redirect("preferences")
    form = CanauxForm(
        request.POST if request.method == "POST" else None,
        user=user,
        initial={"relances_non_essentielles": user.relances_non_essentielles},
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.avec_sms:
                canaux_enregistrer(user=user, choix={g: form.cleaned_data[g] for g in Genre.values})
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            user.relances_non_essentielles = form.cleaned_data["relances_non_essentielles"]
            user.save(update_fields=["relances_non_essentielles"])
            messages.success(request, "Vos préférences sont enregistrées.")
            return redirect("preferences")
    return render(
        request,
        "mentorat/preferences.html",
        {"form": form, "sms_disponible": canal_disponible(Envoi.Canal.SMS)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def telephone(request):
    """The person gives their mobile number, receives a code by SMS and types it."""
    user = request.user
    numero_form, code_form = NumeroForm(initial={"numero": user.telephone}), CodeTelephoneForm()
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "envoyer":
        numero_form = NumeroForm(request.POST)
        if numero_form.is_valid():
            try:
                telephone_code_envoyer(user=user, numero=numero_form.cleaned_data["numero"])
            except ValidationError as exc:
                numero_form.add_error(None, exc)
            else:
                messages.info(
                    request,
                    "Un code à 6 chiffres vient d'être envoyé par SMS à ce numéro. "
                    f"Il est valable {CodeTelephone.DUREE_MINUTES} minutes.",
                )
                return redirect("telephone")
    elif action == "verifier":
        code_form = CodeTelephoneForm(request.POST)
        if code_form.is_valid():
            try:
                telephone_verifier(user=user, code=code_form.cleaned_data["code"])
            except ValidationError as exc:
                code_form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    "Votre numéro est vérifié : choisissez quels messages recevoir par SMS.",
                )
                return redirect("preferences")
    elif action == "retirer":
        telephone_retirer(user=user)
        messages.success(request, "Votre numéro est retiré : vos messages partent par e-mail.")
        return redirect("preferences")
    user.refresh_from_db(fields=["telephone", "telephone_verifie_le"])
    en_attente = bool(user.telephone and not user.telephone_verifie_le)
    return render(
        request,
        "mentorat/telephone.html",
        {
            "numero_form": numero_form,
            "code_form": code_form,
            "en_attente": en_attente,
            "sms_disponible": canal_disponible(Envoi.Canal.SMS),
        },
    )


@never_cache
@require_GET
def lien_court(request, code):
    """A text message's short link: on to the page it names, or 404 (unknown, expired)."""
    url = lien_court_suivre(code)
    if url is None:
        raise Http404("Ce lien n'existe pas ou a expiré.")
    return HttpResponseRedirect(url)


def _jeton_valide(request) -> bool:
    """The bearer token Brevo sends with each call of the webhook, compared in constant
    time; with no token configured, nothing is accepted (docs/sms.md)."""
    attendu = settings.BREVO_WEBHOOK_TOKEN
    recu = request.headers.get("Authorization", "")
    if not attendu or not recu.startswith("Bearer "):
        return False
    return hmac.compare_digest(recu.removeprefix("Bearer ").encode(), attendu.encode())


# Brevo's transactional SMS webhook events that say the person wants no more messages: a
# reply (« replied », its text in ``reply``) that is a STOP word, or an « unsubscribe ».
EVENEMENTS_DESABONNEMENT = {"unsubscribe", "unsubscribed"}


@csrf_exempt
@require_POST
def sms_entrant(request):
    """Brevo's inbound callback: a reply to one of our text messages. A STOP opts the number
    out (every account with it). Anything else is acknowledged and ignored."""
    if not _jeton_valide(request):
        return HttpResponseForbidden("Appel non authentifié.")
    try:
        evenement = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponse("Corps illisible.", status=400)
    if not isinstance(evenement, dict):
        return HttpResponse("Corps illisible.", status=400)
    statut = str(evenement.get("msg_status") or evenement.get("event") or "").lower()
    numero = str(evenement.get("to") or evenement.get("from") or "")
    stop = statut in EVENEMENTS_DESABONNEMENT or (
        statut == "replied" and est_un_stop(str(evenement.get("reply") or ""))
    )
    if stop and numero:
        comptes = sms_refuser(numero=numero)
        logger.info("STOP reçu par SMS : %s compte(s) désabonné(s).", comptes)
    return HttpResponse(status=204)
