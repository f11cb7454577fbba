"""Pages reached from the public site: routing after login, invitations, mentor offers."""

from allauth.account.views import SignupView
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mentorat.models import User
from programmes.models import Programme

from .. import extensions
from ..access import filleul_of, parrain_of
from ..enquetes import LienInvalide, lire_jeton
from ..forms_parrain import ProposerParrainForm
from ..models import Candidature, Parrainage, Sortie
from ..services import (
    enquete_candidature_repondre,
    enquete_repondre,
    parrain_activer,
    parrain_proposer,
)

# The sign-up pre-filled from an invitation (set by partenaires' invitation page).
SESSION_INVITATION = "invitation"


@login_required
@never_cache
def espace(request):
    """Where a person lands after signing in: their own space, by role."""
    user = request.user
    if user.is_staff:
        # Routing only: the admin asks for the second factor before it opens.
        return redirect("admin:index")
    if parrain_of(user) is not None:
        return redirect("parrain:tableau_de_bord")
    if (autre_espace := extensions.espace(user)) is not None:
        return redirect(autre_espace)
    if filleul_of(user) is not None:
        return redirect("filleul:tableau_de_bord")
    return redirect("filleul:profil", etape=1)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def devenir_parrain(request, slug):
    """An HR professional offers to mentor in a programme; staff validate the offer."""
    programme = get_object_or_404(Programme.objects.publics(), slug=slug)
    parrain = parrain_of(request.user)
    if parrain is not None and parrain.programmes.filter(pk=programme.pk).exists():
        messages.info(
            request, "Vous êtes déjà inscrit(e) comme parrain ou marraine de ce programme."
        )
        return redirect(programme.get_absolute_url())
    if filleul_of(request.user) is not None:
        messages.error(
            request,
            "Ce compte est celui d'un filleul. Pour parrainer, créez un compte avec votre "
            "adresse e-mail professionnelle.",
        )
        return redirect(programme.get_absolute_url())
    form = ProposerParrainForm(
        request.POST if request.method == "POST" else None,
        initial={"first_name": request.user.first_name, "last_name": request.user.last_name},
        parrain_existant=parrain,
    )
    if request.method == "POST" and form.is_valid():
        parrain_proposer(user=request.user, programme=programme, donnees=form.cleaned_data)
        messages.success(
            request,
            "Merci ! Votre proposition est enregistrée. L'équipe du programme la valide et vous "
            "écrit sous quelques jours.",
        )
        return redirect(programme.get_absolute_url())
    return render(
        request,
        "parrainages/devenir_parrain.html",
        {"programme": programme, "form": form, "parrain": parrain},
    )


def confidentialite(request):
    from .. import consentement
    from ..retention import duree_lisible

    conservation = {
        "inactivite": duree_lisible(settings.RETENTION_INACTIVITE_JOURS),
        "preavis": settings.RETENTION_PREAVIS_JOURS,
        "non_verifie": settings.RETENTION_NON_VERIFIE_JOURS,
    }
    return render(
        request,
        "parrainages/confidentialite.html",
        {"consentement": consentement, "conservation": conservation},
    )


class InscriptionView(SignupView):
    """allauth's sign-up, pre-filled from a partner's invitation when there is one."""

    def get_initial(self):
        initial = super().get_initial()
        invitation = self.request.session.get(SESSION_INVITATION) or {}
        for key in ("first_name", "last_name", "email"):
            if invitation.get(key):
                initial.setdefault(key, invitation[key])
        return initial


SESSION_ACTIVATION = "activation_parrain"
JETON_EN_SESSION = "definir-mot-de-passe"


@never_cache
@require_http_methods(["GET", "POST"])
def parrain_activer_vue(request, uidb64, token):
    """An invited mentor chooses a password from the e-mailed link (single use).

    As in Django's password reset, the token leaves the URL at once (kept in the session) so
    that it never leaks through the Referer header.
    """
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if token != JETON_EN_SESSION:
        if user is not None and default_token_generator.check_token(user, token):
            request.session[SESSION_ACTIVATION] = token
            return redirect("parrain_activer", uidb64=uidb64, token=JETON_EN_SESSION)
        return _lien_invalide(request)
    token = request.session.get(SESSION_ACTIVATION, "")
    if user is None or not default_token_generator.check_token(user, token):
        return _lien_invalide(request)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        parrain_activer(user=user, mot_de_passe=form.cleaned_data["new_password1"])
        request.session.pop(SESSION_ACTIVATION, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Votre compte est activé. Complétez votre profil de parrain.")
        return redirect("parrain:profil")
    return render(request, "parrainages/parrain/activer.html", {"form": form, "user_invite": user})


def _lien_invalide(request):
    return render(
        request,
        "parrainages/invitation_invalide.html",
        {
            "raison": "Ce lien d'activation n'est pas valide ou a déjà servi. Si votre compte est "
            "déjà activé, connectez-vous ; sinon, demandez une nouvelle invitation à l'équipe."
        },
        status=400,
    )


class EnqueteForm(forms.Form):
    type = forms.ChoiceField(
        label="Quelle est la situation aujourd'hui ?",
        choices=Sortie.Type.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une réponse."},
    )
    employeur = forms.CharField(
        label="Employeur ou organisme de formation (facultatif)", max_length=200, required=False
    )


@never_cache
@require_http_methods(["GET", "POST"])
def enquete(request, jeton):
    """The outcome survey of an e-mail link (no login: the signed link says who and what)."""
    try:
        donnees = lire_jeton(jeton)
    except LienInvalide as exc:
        return render(
            request, "parrainages/invitation_invalide.html", {"raison": str(exc)}, status=400
        )
    # A pair's survey, or (a person without a pair) the application's: the link says which.
    if donnees["parrainage"] is not None:
        objet = get_object_or_404(
            Parrainage.objects.select_related("programme", "filleul"), pk=donnees["parrainage"]
        )
    else:
        objet = get_object_or_404(
            Candidature.objects.select_related("programme"), pk=donnees["candidature"]
        )
    moment = Sortie.Moment(donnees["moment"])
    form = EnqueteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reponse = {
            "moment": moment,
            "user_id": donnees["user"],
            "type": form.cleaned_data["type"],
            "employeur": form.cleaned_data["employeur"],
        }
        try:
            if isinstance(objet, Parrainage):
                enquete_repondre(parrainage_id=objet.pk, **reponse)
            else:
                enquete_candidature_repondre(candidature_id=objet.pk, **reponse)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request,
                "parrainages/enquete_merci.html",
                {"programme": objet.programme, "binome": isinstance(objet, Parrainage)},
            )
    # A mentee asked to confirm what their mentor declared reads it (the mentor does not).
    declaree = None
    if isinstance(objet, Parrainage) and donnees["user"] == objet.filleul.user_id:
        declaree = (
            objet.sorties.filter(moment=moment, source=Sortie.Source.PARRAIN)
            .filter(confirmee_le__isnull=True)
            .first()
        )
    return render(
        request,
        "parrainages/enquete.html",
        {
            "form": form,
            "programme": objet.programme,
            "binome": isinstance(objet, Parrainage),
            "moment": moment,
            "declaree": declaree,
        },
    )
