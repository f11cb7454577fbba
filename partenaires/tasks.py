"""Celery tasks of the partenaires app: thin wrappers around services, taking ids."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

TRANSITOIRES = (OperationalError, InterfaceError)  # the database went away: retry later


@shared_task(
    name="partenaires.produire_rapport",
    autoretry_for=TRANSITOIRES,
    retry_backoff=True,
    max_retries=5,
)
def produire_rapport(rapport_id: int) -> str | None:
    """Produce a report's PDF, CSV and XLSX (enqueued once its row is committed)."""
    rapport = services.rapport_produire(rapport_id=rapport_id)
    return rapport.statut if rapport else None


@shared_task(name="partenaires.rapports_mensuels")
def rapports_mensuels() -> int:
    """Each active convention's report for the previous month, once (scheduled daily)."""
    return len(services.rapports_mensuels_creer())


@shared_task(name="partenaires.rattraper_rapports")
def rattraper_rapports() -> int:
    """Re-enqueue reports whose production was lost (scheduled every 15 minutes)."""
    return len(services.rapports_a_rattraper(enqueue=produire_rapport.delay))


@shared_task(name="partenaires.recompter_tableaux")
def recompter_tableaux() -> int:
    """The portal's figures of the followed conventions counted before their cached copies
    expire (scheduled every five minutes): a visit reads them, it never waits for a count."""
    from .selectors import tableaux_recompter

    return tableaux_recompter()


@shared_task(name="partenaires.recompter_tableau", autoretry_for=TRANSITOIRES, max_retries=2)
def recompter_tableau(convention_id: int) -> bool:
    """One convention's portal figures counted again (its objectives changed, or a visit
    found only its last figures). False when the convention is gone or no longer followed."""
    from .selectors import tableau_recompter_par_id

    return tableau_recompter_par_id(convention_id)


@shared_task(
    name="partenaires.produire_convention_signee",
    autoretry_for=(OSError, ConnectionError, *TRANSITOIRES),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def produire_convention_signee(convention_id: int) -> bool:
    """Render, seal and store a convention every party signed online (idempotent)."""
    from .signature import convention_produire_pdf

    return convention_produire_pdf(convention_id=convention_id)


@shared_task(name="partenaires.rattraper_conventions_signees")
def rattraper_conventions_signees() -> int:
    """Re-enqueue conventions signed online whose sealed PDF is missing."""
    from .signature import conventions_a_rattraper

    return len(conventions_a_rattraper(enqueue=produire_convention_signee.delay))
