"""Running several callables at the same instant, each in its own thread and database
connection, for race tests on PostgreSQL (with ``django_db(transaction=True)``)."""

import threading

from django.db import connections


def simultanement(*fonctions, delai: float = 30):
    """Start every callable at once (behind a barrier); return each one's result or the
    exception it raised, in order."""
    barriere = threading.Barrier(len(fonctions))
    resultats: list = [None] * len(fonctions)

    def lancer(i, fonction):
        try:
            barriere.wait(timeout=delai)
            resultats[i] = fonction()
        except Exception as exc:  # reported to the test, which asserts on it
            resultats[i] = exc
        finally:
            connections.close_all()

    fils = [threading.Thread(target=lancer, args=(i, f)) for i, f in enumerate(fonctions)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(delai)
    assert not any(fil.is_alive() for fil in fils), "un fil est resté bloqué"
    return resultats
