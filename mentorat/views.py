import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .envois import desabonner

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


class PreferencesForm(forms.Form):
    relances_non_essentielles = forms.BooleanField(
        label="Recevoir les rappels (rencontre du lendemain, fin de parrainage, rencontres à "
        "consigner, rapports disponibles)",
        required=False,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Which non-essential reminders a person receives (codes and invitations always go)."""
    user = request.user
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={"relances_non_essentielles": user.relances_non_essentielles},
    )
    if request.method == "POST" and form.is_valid():
        user.relances_non_essentielles = form.cleaned_data["relances_non_essentielles"]
        user.save(update_fields=["relances_non_essentielles"])
        messages.success(request, "Vos préférences sont enregistrées.")
        return redirect("preferences")
    return render(request, "mentorat/preferences.html", {"form": form})


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
