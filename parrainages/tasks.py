"""Celery tasks of the parrainages app: thin wrappers around services."""

from celery import shared_task

from .services import propositions_expirer


@shared_task(name="parrainages.expirer_propositions")
def expirer_propositions() -> int:
    """Proposals unanswered past their programme's delay expire (scheduled hourly)."""
    return propositions_expirer()
