"""Celery tasks of the parrainages app: thin wrappers around services."""

from celery import shared_task

from .services import (
    charte_envoyer_pdf,
    charte_produire_pdf,
    chartes_a_rattraper,
    propositions_expirer,
)


@shared_task(name="parrainages.expirer_propositions")
def expirer_propositions() -> int:
    """Proposals unanswered past their programme's delay expire (scheduled hourly)."""
    return propositions_expirer()


@shared_task(
    name="parrainages.produire_charte_pdf",
    autoretry_for=(OSError, ConnectionError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def produire_charte_pdf(charte_id: int) -> bool:
    """Render, seal, store and e-mail a fully signed charter (idempotent)."""
    produit = charte_produire_pdf(charte_id=charte_id)
    charte_envoyer_pdf(charte_id=charte_id)
    return produit


@shared_task(name="parrainages.rattraper_chartes")
def rattraper_chartes() -> int:
    """Re-enqueue signed charters whose PDF is missing or unsent (a lost message, a crash)."""
    return len(chartes_a_rattraper(enqueue=produire_charte_pdf.delay))
