"""One computation per cache miss (``calculer_une_fois``), with Redis and with the local-memory
cache: processes that miss together wait for the one that computes."""

import threading
import time

import pytest
from django.core.cache.backends.locmem import LocMemCache

from mentorat.cache import CacheRedisTolerante, calculer_une_fois


@pytest.fixture(params=["locmem", "redis"])
def cache(request):
    if request.param == "locmem":
        cache = LocMemCache("test-verrou", {})
    else:
        cache = CacheRedisTolerante(
            request.getfixturevalue("redis_url"), {"KEY_PREFIX": "test-verrou"}
        )
    cache.delete_many(["chiffres", "chiffres:verrou"])
    yield cache
    cache.delete_many(["chiffres", "chiffres:verrou"])


def test_two_concurrent_misses_compute_once(cache):
    appels, resultats = [], []
    depart = threading.Barrier(2)

    def calcul():
        appels.append(threading.get_ident())
        time.sleep(0.3)  # long enough for the other thread to miss too
        return {"orientes": 12}

    def visite():
        depart.wait()
        resultats.append(calculer_une_fois("chiffres", calcul, 60, pas=0.01, cache=cache))

    fils = [threading.Thread(target=visite) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert len(appels) == 1
    assert resultats == [{"orientes": 12}, {"orientes": 12}]
    assert cache.get("chiffres:verrou") is None  # released


def test_a_miss_waits_for_the_computation_that_holds_the_lock(cache):
    cache.add("chiffres:verrou", 1, 60)  # another process is computing

    def fin_du_calcul_de_l_autre():
        time.sleep(0.2)
        cache.set("chiffres", ({"orientes": 7},), 60)
        cache.delete("chiffres:verrou")

    threading.Thread(target=fin_du_calcul_de_l_autre).start()

    def calcul():
        raise AssertionError("computed twice")

    assert calculer_une_fois("chiffres", calcul, 60, pas=0.01, cache=cache) == {"orientes": 7}


def test_a_lost_lock_delays_the_page_but_does_not_hang_it(cache):
    cache.add("chiffres:verrou", 1, 60)  # a process killed while computing
    debut = time.monotonic()
    valeur = calculer_une_fois("chiffres", lambda: 3, 60, attente=0.2, pas=0.01, cache=cache)
    assert valeur == 3
    assert 0.2 <= time.monotonic() - debut < 5
    assert cache.get("chiffres") == (3,)


def test_a_failed_computation_releases_the_lock(cache):
    def casse():
        raise RuntimeError("base indisponible")

    with pytest.raises(RuntimeError):
        calculer_une_fois("chiffres", casse, 60, cache=cache)
    assert cache.get("chiffres:verrou") is None
    assert calculer_une_fois("chiffres", lambda: None, 60, cache=cache) is None
    # None is a value: kept, not counted again.
    assert calculer_une_fois("chiffres", casse, 60, cache=cache) is None
