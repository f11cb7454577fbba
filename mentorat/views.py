import logging

from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .comptes import EXPIRE, VALIDE, compte_activer, jetons_activation, jours_de_validite
from .envois import desabonner
from .mfa import RETOUR_SESSION_KEY
from .models import User

logger = logging.getLogger(__name__)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: database unreachable")
        return "indisponible"
    return "ok"


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "désactivé (tâches exécutées dans le processus web)"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except redis.RedisError:
        logger.warning("Health check: broker unreachable")
        return "indisponible"
    finally:
        if "client" in locals():
            client.close()
    return "ok"


@never_cache
@require_GET
@transaction.non_atomic_requests
def sante(request):
    """Health of the database and of the broker: 200 when all is up, 503 otherwise."""
    etat = {"base_de_donnees": _database_state(), "courtier": _broker_state()}
    en_panne = [nom for nom, valeur in etat.items() if valeur == "indisponible"]
    etat["statut"] = "indisponible" if en_panne else "ok"
    return JsonResponse(
        etat, status=503 if en_panne else 200, json_dumps_params={"ensure_ascii": False}
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def desabonnement(request, jeton):
    """One-click unsubscribe (RFC 8058: mail clients POST here without a session)."""
    if request.method == "POST":
        user = desabonner(jeton)
        if user is None:
            return render(request, "mentorat/desabonnement.html", {"invalide": True}, status=400)
        return render(request, "mentorat/desabonnement.html", {"fait": True})
    return render(request, "mentorat/desabonnement.html", {"jeton": jeton})


SESSION_ACTIVATION = "activation_compte"
JETON_EN_SESSION = "choisir-mot-de-passe"


def _compte_du_lien(uidb64) -> User | None:
    try:
        return User.objects.filter(pk=int(urlsafe_base64_decode(uidb64).decode())).first()
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        return None


def _activation_impossible(request, etat):
    if etat == EXPIRE:
        raison = (
            f"Ce lien d'activation a expiré : il était valable {jours_de_validite()} jours. "
            "Demandez-en un nouveau à l'équipe Mentorat qui a ouvert votre compte."
        )
    else:
        raison = (
            "Ce lien d'activation a déjà servi, ou un lien plus récent l'a remplacé. Si vous "
            "avez déjà choisi votre mot de passe, connectez-vous ; sinon, ouvrez le dernier "
            "e-mail d'activation reçu ou demandez un nouveau lien à l'équipe Mentorat."
        )
    return render(request, "mentorat/activation_impossible.html", {"raison": raison}, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def compte_activer_vue(request, uidb64, token):
    """The owner of an account opened in the admin chooses its password from the e-mailed
    link (single use); a staff member then sets up their authenticator app at once.

    As in Django's password reset, the token leaves the URL at once (kept in the session) so
    that it never leaks through the Referer header.
    """
    user = _compte_du_lien(uidb64)
    if token != JETON_EN_SESSION:
        etat = jetons_activation.etat(user, token)
        if etat != VALIDE:
            return _activation_impossible(request, etat)
        request.session[SESSION_ACTIVATION] = token
        return redirect("compte_activer", uidb64=uidb64, token=JETON_EN_SESSION)
    etat = jetons_activation.etat(user, request.session.get(SESSION_ACTIVATION, ""))
    if etat != VALIDE:
        return _activation_impossible(request, etat)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = compte_activer(user=user, mot_de_passe=form.cleaned_data["new_password1"])
        except ValidationError:
            return _activation_impossible(request, etat=None)
        request.session.pop(SESSION_ACTIVATION, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        # The password was typed just now: it counts as the recent proof allauth asks for
        # before a security change, so that setting up the app comes next, not a password.
        record_authentication(request, user, "password", email=user.email, reauthenticated=True)
        if user.is_staff:
            request.session[RETOUR_SESSION_KEY] = reverse("admin:index")
            messages.success(
                request,
                "Votre mot de passe est enregistré. Dernière étape avant l'administration : "
                "la double authentification.",
            )
            return redirect("mfa_activate_totp")
        messages.success(request, "Votre compte est activé.")
        return redirect("espace")
    return render(request, "mentorat/activer.html", {"form": form, "compte": user})
