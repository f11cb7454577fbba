"""The Redis cache, degraded to a cache that remembers nothing while Redis is unreachable; and
``calculer_une_fois``: a value computed once per cache miss, whatever the number of processes
that miss it together."""

import functools
import logging
import time

from django.core.cache import cache as cache_par_defaut
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisInjoignable
from redis.exceptions import TimeoutError as RedisTropLent

logger = logging.getLogger(__name__)


def _tolerer(defaut):
    def decorer(methode):
        @functools.wraps(methode)
        def enveloppe(self, *args, **kwargs):
            try:
                return methode(self, *args, **kwargs)
            except (RedisInjoignable, RedisTropLent) as exc:
                logger.warning("Cache Redis indisponible (%s) : %s ignoré", exc, methode.__name__)
                return defaut(*args, **kwargs) if callable(defaut) else defaut

        return enveloppe

    return decorer


def _defaut_de_get(key, default=None, version=None):
    return default


class CacheRedisTolerante(RedisCache):
    """Pages keep working while Redis is down (``/sante/`` says so): reads miss, writes are
    dropped as if stored, a warning is logged.

    The price, for the length of the outage: allauth's rate limits and the account-deletion
    form's daily limit (``mentorat.limites``) count nothing, and a TOTP code may be used twice
    within its 30 seconds (they rely on ``add`` and ``incr``). Answering False to
    ``add`` instead would make every sign-in answer 429 until Redis is back.
    """

    get = _tolerer(_defaut_de_get)(RedisCache.get)
    get_many = _tolerer({})(RedisCache.get_many)
    has_key = _tolerer(False)(RedisCache.has_key)
    add = _tolerer(True)(RedisCache.add)
    set = _tolerer(None)(RedisCache.set)
    set_many = _tolerer(lambda data, *a, **k: list(data))(RedisCache.set_many)
    touch = _tolerer(False)(RedisCache.touch)
    delete = _tolerer(False)(RedisCache.delete)
    delete_many = _tolerer(None)(RedisCache.delete_many)
    incr = _tolerer(lambda key, delta=1, version=None: delta)(RedisCache.incr)


# --- One computation per cache miss -------------------------------------------------------------

# How long a computation may hold its lock (seconds): past it (a process killed mid-way), the
# next miss computes again. Above the database's statement timeout.
VERROU_DUREE = 60
# How long a miss waits for another process's computation before computing itself (seconds).
ATTENTE_VERROU = 10.0
PAS_ATTENTE = 0.05


def calculer_une_fois(
    cle: str,
    calcul,
    duree: int,
    *,
    attente: float = ATTENTE_VERROU,
    pas: float = PAS_ATTENTE,
    cache=None,
):
    """The value kept at ``cle``, or ``calcul()`` kept there ``duree`` seconds: on a miss, one
    process computes while the others wait for its result.

    The lock is a key taken with ``cache.add`` (atomic in Redis and in the local-memory cache).
    A process that finds it taken polls the value every ``pas`` seconds; when the lock goes
    away without a value (the computation failed) it tries to take it; after ``attente``
    seconds it computes without it, so that a page never hangs on a lost lock. With Redis down
    (``CacheRedisTolerante``: ``add`` answers True, nothing is kept), every process computes.
    The value is kept wrapped in a tuple: ``None`` is a value, not a miss. ``cache``: the
    default cache unless given.
    """
    cache = cache_par_defaut if cache is None else cache
    gardee = cache.get(cle)
    if gardee is not None:
        return gardee[0]
    verrou = f"{cle}:verrou"
    limite = time.monotonic() + attente
    while True:
        if cache.add(verrou, 1, VERROU_DUREE):
            try:
                # Computed by another process between our read and our lock.
                gardee = cache.get(cle)
                if gardee is not None:
                    return gardee[0]
                valeur = calcul()
                cache.set(cle, (valeur,), duree)
                return valeur
            finally:
                cache.delete(verrou)
        if time.monotonic() >= limite:
            logger.warning("Calcul de %s attendu %.1f s : calculé sans verrou", cle, attente)
            valeur = calcul()
            cache.set(cle, (valeur,), duree)
            return valeur
        time.sleep(pas)
        gardee = cache.get(cle)
        if gardee is not None:
            return gardee[0]
