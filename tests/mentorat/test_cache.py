"""The Redis cache keeps pages working while Redis is unreachable (it then remembers nothing)."""

import logging

import pytest

from mentorat.cache import CacheRedisTolerante


@pytest.fixture
def cache_injoignable():
    # Nothing listens on port 1: every call meets a refused connection.
    return CacheRedisTolerante("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})


def test_reads_miss_and_writes_are_dropped(cache_injoignable, caplog):
    cache = cache_injoignable
    with caplog.at_level(logging.WARNING, logger="mentorat.cache"):
        assert cache.get("cle") is None
        assert cache.get("cle", "défaut") == "défaut"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.has_key("cle") is False
        assert cache.set("cle", 1) is None
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.add("verrou", True) is True  # allauth's rate-limit lock is taken
        assert cache.incr("compteur") == 1  # a daily limit counts a first attempt
        assert cache.touch("cle") is False
        assert cache.delete("cle") is False
        cache.delete_many(["a"])
        assert cache.get_or_set("cle", "calculé") == "calculé"
    assert "Cache Redis indisponible" in caplog.text


def test_errors_other_than_an_unreachable_redis_still_raise(cache_injoignable):
    class ClientCasse:
        def get(self, *args, **kwargs):
            raise TypeError("bug")

    cache_injoignable.__dict__["_cache"] = ClientCasse()
    with pytest.raises(TypeError):
        cache_injoignable.get("cle")


def test_with_redis_up_it_is_redis(settings, redis_url):
    cache = CacheRedisTolerante(redis_url, {"KEY_PREFIX": "test-tolerant"})
    cache.set("cle", {"a": 1}, 10)
    assert cache.get("cle") == {"a": 1}
    assert cache.add("cle", 2) is False
    cache.delete("cle")
