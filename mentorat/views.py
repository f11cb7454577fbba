import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
