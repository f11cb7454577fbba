"""Starting a Celery task by its name, once the current transaction is committed.

Tasks are thin wrappers around services (``<app>/tasks.py`` imports ``<app>/services``), so a
service never imports a tasks module: it names the task it starts
(``tache_apres_validation("parrainages.produire_charte_pdf", charte.pk)``). Imports then point
one way only, and a lower layer can start the work of an upper one without importing it.
"""

from django.db import transaction


def tache(nom: str):
    """The task registered under ``nom``, the apps' tasks modules loaded as a worker loads them."""
    from .celery import app

    if nom not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[nom]


def tache_apres_validation(nom: str, *args) -> None:
    """Enqueue ``nom(*args)`` once the current transaction is committed (never if it is rolled
    back). Robust: with the broker down the change that asked for it stands; every such task
    has a scheduled catch-up that enqueues it again."""
    transaction.on_commit(lambda: tache(nom).delay(*args), robust=True)
