"""Long background work (matching runs, reports): a heartbeat while it runs.

A worker killed mid-task (deployment, out of memory, SIGKILL) leaves its row "in progress";
the broker redelivers the message only after its visibility timeout (an hour). Instead, the
row carries a heartbeat, refreshed every ``BATTEMENT`` by a thread beside the work, and a
sweeper scheduled every minute takes over (or fails) any row whose heartbeat is older than
``PERIME_APRES``: stuck work is seen within three minutes.

Each claim stamps the row with its start time, which the work checks before writing its
result (fencing): a worker that was only paused, and whose row was meanwhile taken over or
failed, writes nothing.
"""

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.db import connection, transaction

logger = logging.getLogger(__name__)

BATTEMENT = dt.timedelta(seconds=20)
PERIME_APRES = dt.timedelta(minutes=2)


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
                        battre()
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
