"""Celery tasks of the parrainages app: thin wrappers around services."""

from celery import shared_task

from mentorat.envois import envois_expedier

from .relances import relances_planifier
from .retention import retention_appliquer
from .services import (
    charte_envoyer_pdf,
    charte_produire_pdf,
    chartes_a_rattraper,
    propositions_expirer,
)
from .services.immersion import (
    bilans_demander,
    immersion_envoyer_pdf,
    immersion_produire_pdf,
    immersions_a_rattraper,
)
from .services.matching import appariement_executer, appariements_balayer
from .services.onboarding import import_parrains_executer, imports_balayer
from .services.qpv import filleul_qpv_determiner, filleuls_qpv_a_rattraper
from .services.qualite import points_etape_planifier


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


@shared_task(
    name="parrainages.produire_immersion_pdf",
    autoretry_for=(OSError, ConnectionError),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def produire_immersion_pdf(immersion_id: int) -> bool:
    """Render, seal, store and e-mail a validated immersion convention (idempotent)."""
    produit = immersion_produire_pdf(immersion_id=immersion_id)
    immersion_envoyer_pdf(immersion_id=immersion_id)
    return produit


@shared_task(name="parrainages.rattraper_immersions")
def rattraper_immersions() -> int:
    """Re-enqueue validated conventions whose PDF is missing or unsent."""
    return len(immersions_a_rattraper(enqueue=produire_immersion_pdf.delay))


@shared_task(name="parrainages.demander_bilans_immersion")
def demander_bilans_immersion() -> int:
    """Daily: the tutors of the conventions ended since receive the assessment link (once)."""
    demandes = bilans_demander()
    if demandes:
        expedier_envois.delay()
    return demandes


@shared_task(name="parrainages.planifier_relances")
def planifier_relances() -> dict:
    """Write today's due reminders to the outbox (idempotent), then send them."""
    crees = relances_planifier()
    expedier_envois.delay()
    return crees


@shared_task(name="parrainages.inviter_points_etape")
def inviter_points_etape() -> int:
    """Daily: the check-ins due today (30 days after the start, then every 60 days) written to
    the outbox, once per pair, round and person; then sent."""
    ecrits = points_etape_planifier()
    if ecrits:
        expedier_envois.delay()
    return ecrits


@shared_task(name="parrainages.expedier_envois", acks_late=True)
def expedier_envois() -> dict:
    """Claim and send the due e-mails of the outbox, every kind of them (safe to run from
    several workers): every five minutes, and right after a commit that wrote some."""
    return dict(envois_expedier())


@shared_task(name="parrainages.executer_appariement")
def executer_appariement(run_id: int) -> dict | None:
    """Compute a matching run and write its proposals (a redelivered message does nothing)."""
    run = appariement_executer(run_id=run_id)
    if run is None:
        return None
    return {"propositions": run.propositions, "non_apparies": run.non_apparies_nombre}


@shared_task(name="parrainages.balayer_travaux")
def balayer_travaux() -> dict:
    """Matching runs whose worker died are failed (staff see why and launch again); runs
    whose message was lost are enqueued again; so are imports of mentors (scheduled every
    minute)."""
    bilan = appariements_balayer(enqueue=executer_appariement.delay)
    bilan["imports_relances"] = imports_balayer(enqueue=importer_parrains.delay)
    return bilan


@shared_task(name="parrainages.importer_parrains")
def importer_parrains(import_id: int) -> str | None:
    """Import the checked rows of a mentors' CSV file (all or nothing)."""
    envoi = import_parrains_executer(import_id=import_id)
    return envoi.statut if envoi else None


@shared_task(name="parrainages.appliquer_retention")
def appliquer_retention() -> dict:
    """Daily data retention: purge unverified accounts, warn inactive people, anonymise those
    warned long enough ago, then send the warnings (see parrainages/retention.py)."""
    bilan = retention_appliquer()
    if bilan.avertis:
        expedier_envois.delay()
    return bilan.as_dict()


@shared_task(
    name="parrainages.determiner_qpv",
    autoretry_for=(OSError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def determiner_qpv(filleul_id: int) -> str | None:
    """Geocode a mentee's address and find its priority neighbourhood (idempotent)."""
    return filleul_qpv_determiner(filleul_id=filleul_id)


@shared_task(name="parrainages.rattraper_qpv")
def rattraper_qpv() -> int:
    """Re-enqueue the addresses whose neighbourhood was asked and never written."""
    ids = filleuls_qpv_a_rattraper()
    for filleul_id in ids:
        determiner_qpv.delay(filleul_id)
    return len(ids)
