"""Claiming work, and a heartbeat while long work (matching runs, reports) runs.

Work is claimed with one conditional UPDATE (`prendre`): the rows still free are stamped with
the claim's status and token, so that retries, restarts or two workers never take the same
row. Outbox rows carry a random token, matching runs and reports their start time.

A worker killed mid-task (deployment, out of memory, SIGKILL) leaves its row "in progress";
the broker redelivers the message only after its visibility timeout (an hour). Instead, the
row carries a heartbeat, refreshed every ``BATTEMENT`` by a thread beside the work, and a
sweeper scheduled every minute takes over (or fails) any row whose heartbeat is older than
``PERIME_APRES``: stuck work is seen within three minutes.

The token of a long work's claim is its start time, which the work checks before writing its
result (fencing): a worker that was only paused, and whose row was meanwhile taken over or
failed, writes nothing.
"""

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.db import OperationalError, connection, transaction
from django.db.models import Q, QuerySet

logger = logging.getLogger(__name__)

BATTEMENT = dt.timedelta(seconds=20)
PERIME_APRES = dt.timedelta(minutes=2)
# How long a heartbeat waits for its row (PostgreSQL's ``lock_timeout``): the work's own last
# transaction locks the row while it writes its result (a national matching's proposals:
# a minute), and a beat waiting on it would only end in the statement timeout.
ATTENTE_DU_VERROU = dt.timedelta(seconds=2)
# SQLSTATE of "lock not available" (PostgreSQL).
VERROU_INDISPONIBLE = "55P03"


def prendre(lignes: QuerySet, *, libres: Q, jeton: dict, **valeurs) -> QuerySet | None:
    """Claim the rows of ``lignes`` that are still ``libres`` with one conditional UPDATE,
    which writes ``jeton`` (the claimed status and this claim's token) and ``valeurs``.

    Returns the rows this claim holds, ``lignes`` narrowed to ``jeton``, or None when it took
    nothing. Every later write goes through it: once a row is taken over or failed, it no
    longer matches, and the worker that lost it writes nothing (fencing).
    """
    if not lignes.filter(libres).update(**jeton, **valeurs):
        return None
    return lignes.filter(**jeton)


@contextlib.contextmanager
def battement(battre: Callable[[], object], *, periode: dt.timedelta = BATTEMENT):
    """Call ``battre()`` (an UPDATE of the row's heartbeat) every ``periode`` while the block
    runs, from a thread with its own database connection.

    Inside a transaction (tasks run in-process: demo, tests) there is no other process to
    reassure, and a second connection would only wait on this one's locks: no thread then.
    Nor on SQLite (the demo), which lets one writer at a time."""
    if connection.in_atomic_block or connection.vendor == "sqlite":
        yield
        return
    arret = threading.Event()

    def boucle():
        try:
            while not arret.wait(periode.total_seconds()):
                try:
                    with transaction.atomic():
                        if connection.vendor == "postgresql":
                            with connection.cursor() as curseur:
                                attente = int(ATTENTE_DU_VERROU.total_seconds() * 1000)
                                curseur.execute(f"SET LOCAL lock_timeout = {attente}")
                        battre()
                except OperationalError as exc:
                    if getattr(exc.__cause__, "sqlstate", None) == VERROU_INDISPONIBLE:
                        # The row is locked by a transaction: the work's own, writing its
                        # result (the sweeper, to take it over, would wait on the same lock).
                        logger.info("Battement de cœur différé : la ligne est en écriture")
                    else:
                        logger.warning("Battement de cœur non enregistré", exc_info=True)
                except Exception:  # a heartbeat missed is retried at the next period
                    logger.warning("Battement de cœur non enregistré", exc_info=True)
        finally:
            connection.close()

    fil = threading.Thread(target=boucle, name="battement", daemon=True)
    fil.start()
    try:
        yield
    finally:
        arret.set()
        fil.join(timeout=periode.total_seconds() + 5)
