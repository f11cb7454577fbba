"""The Redis cache, degraded to a cache that remembers nothing while Redis is unreachable."""

import functools
import logging

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
