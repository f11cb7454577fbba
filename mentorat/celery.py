"""The Celery application ``mentorat`` (``celery -A mentorat worker`` / ``beat``)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")

app = Celery("mentorat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def importer_le_rendu_pdf(**_kwargs):
    """Import WeasyPrint once when the worker starts (before its processes fork), not in the
    first task that renders a PDF: the import alone takes 0.5 to 0.7 s, a seventh of a
    report's time budget (``mentorat.pdf`` imports it lazily, for the web processes)."""
    import weasyprint  # noqa: F401
