"""The Celery application ``mentorat`` (``celery -A mentorat worker`` / ``beat``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")

app = Celery("mentorat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
