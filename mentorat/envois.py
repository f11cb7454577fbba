"""The e-mail outbox: each message is a row with a unique key, claimed then sent, exactly once.

- `envois_creer` writes rows; a key already present is skipped (two beats, a rerun).
- `envois_reserver` claims a batch with a conditional UPDATE: only rows still due (or claimed
  long ago by a worker that died) are taken, so two workers never take the same row.
- `envois_expedier` sends each claimed row and marks it sent right away (one row, one commit);
  transient errors are retried with an exponential backoff, then recorded as failures.
"""

import logging
import secrets
import smtplib
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .emails import envoyer_email
from .models import Envoi

logger = logging.getLogger(__name__)

REPRISE_APRES = timedelta(minutes=10)
TENTATIVES_MAX = 5
LOT = 200
SALT_DESABONNEMENT = "mentorat.desabonnement"
ERREURS_PASSAGERES = (smtplib.SMTPException, OSError, ConnectionError, TimeoutError)


def envois_creer(envois: list[Envoi], *, taille_lot: int = 5000) -> int:
    """Write the rows whose key is new (the unique key drops the others); returns how many."""
    if not envois:
        return 0
    avant = Envoi.objects.count()
    for debut in range(0, len(envois), taille_lot):
        Envoi.objects.bulk_create(envois[debut : debut + taille_lot], ignore_conflicts=True)
    return Envoi.objects.count() - avant


_RESERVER_PG = """
    UPDATE mentorat_envoi SET statut = 'en_cours', reserve_le = %(maintenant)s,
        reserve_par = %(jeton)s
    WHERE id IN (
        SELECT id FROM mentorat_envoi WHERE {condition}
        ORDER BY prochain_essai LIMIT %(lot)s FOR UPDATE SKIP LOCKED
    )
    RETURNING id
"""
_DUS_PG = "statut = 'a_envoyer' AND prochain_essai <= %(maintenant)s"
_ABANDONNES_PG = "statut = 'en_cours' AND reserve_le < %(limite)s"


def envois_reserver(*, lot: int = LOT, maintenant=None) -> tuple[str, list[Envoi]]:
    """Claim up to ``lot`` due rows for this worker.

    Rows still due come first, then rows claimed long ago by a worker that died. On PostgreSQL
    one UPDATE takes them (rows locked by another claimer are skipped); elsewhere a conditional
    UPDATE re-checks the conditions. Either way two workers never take the same row.
    """
    maintenant = maintenant or timezone.now()
    jeton = secrets.token_hex(16)
    if connection.vendor == "postgresql":
        params = {
            "maintenant": maintenant,
            "limite": maintenant - REPRISE_APRES,
            "jeton": jeton,
            "lot": lot,
        }
        with connection.cursor() as cursor:
            cursor.execute(_RESERVER_PG.format(condition=_DUS_PG), params)
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) < lot:
                params["lot"] = lot - len(ids)
                cursor.execute(_RESERVER_PG.format(condition=_ABANDONNES_PG), params)
                ids += [row[0] for row in cursor.fetchall()]
        return jeton, list(
            Envoi.objects.filter(pk__in=ids).select_related("destinataire").order_by("pk")
        )
    else:
        dus = Q(statut=Envoi.Statut.A_ENVOYER, prochain_essai__lte=maintenant)
        abandonnes = Q(statut=Envoi.Statut.EN_COURS, reserve_le__lt=maintenant - REPRISE_APRES)
        candidats = list(
            Envoi.objects.filter(dus).order_by("prochain_essai").values_list("pk", flat=True)[:lot]
        )
        if len(candidats) < lot:
            candidats += list(
                Envoi.objects.filter(abandonnes)
                .order_by("prochain_essai")
                .values_list("pk", flat=True)[: lot - len(candidats)]
            )
        if not candidats:
            return jeton, []
        Envoi.objects.filter(dus | abandonnes, pk__in=candidats).update(
            statut=Envoi.Statut.EN_COURS, reserve_le=maintenant, reserve_par=jeton
        )
    return jeton, list(
        Envoi.objects.filter(reserve_par=jeton, statut=Envoi.Statut.EN_COURS)
        .select_related("destinataire")
        .order_by("pk")
    )


def lien_desabonnement(user) -> str:
    jeton = signing.dumps({"u": user.pk}, salt=SALT_DESABONNEMENT)
    return f"{settings.SITE_URL}{reverse('desabonnement', kwargs={'jeton': jeton})}"


def _entetes(envoi: Envoi) -> dict:
    domaine = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "mentorat"
    entetes = {"Message-ID": f"<{envoi.cle.replace(':', '.')}@{domaine}>"}
    if not envoi.essentiel and envoi.destinataire_id:
        entetes["List-Unsubscribe"] = f"<{lien_desabonnement(envoi.destinataire)}>"
        entetes["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return entetes


def envoi_expedier(envoi: Envoi, jeton: str, *, maintenant=None) -> str:
    """Send one claimed row; returns "envoye", "annule", "reessai", "echec" or "perdu"."""
    mine = Envoi.objects.filter(pk=envoi.pk, reserve_par=jeton, statut=Envoi.Statut.EN_COURS)
    if not mine.exists():
        # Taken over by another worker after our claim expired: not ours to send any more.
        return "perdu"
    if (
        not envoi.essentiel
        and envoi.destinataire
        and not envoi.destinataire.relances_non_essentielles
    ):
        mine.update(statut=Envoi.Statut.ANNULE)
        return "annule"
    contexte = {**envoi.contexte}
    if not envoi.essentiel and envoi.destinataire_id:
        contexte["lien_desabonnement"] = lien_desabonnement(envoi.destinataire)
    try:
        envoyer_email(
            a=envoi.email,
            sujet=envoi.sujet,
            gabarit=envoi.gabarit,
            contexte=contexte,
            entetes=_entetes(envoi),
        )
    except ERREURS_PASSAGERES as exc:
        maintenant = maintenant or timezone.now()
        tentatives = envoi.tentatives + 1
        if tentatives >= TENTATIVES_MAX:
            mine.update(statut=Envoi.Statut.ECHEC, tentatives=tentatives, erreur=str(exc)[:2000])
            logger.error("Envoi %s abandonné après %s tentatives : %s", envoi.pk, tentatives, exc)
            return "echec"
        mine.update(
            statut=Envoi.Statut.A_ENVOYER,
            tentatives=tentatives,
            prochain_essai=maintenant + timedelta(minutes=2**tentatives),
            erreur=str(exc)[:2000],
            reserve_par="",
        )
        return "reessai"
    mine.update(statut=Envoi.Statut.ENVOYE, envoye_le=timezone.now(), erreur="")
    return "envoye"


def envois_expedier(*, lot: int = LOT, lots_max: int = 50) -> Counter:
    """Claim and send batches until nothing is due (or ``lots_max`` batches)."""
    bilan = Counter()
    for _ in range(lots_max):
        with transaction.atomic():
            jeton, envois = envois_reserver(lot=lot)
        if not envois:
            break
        for envoi in envois:
            bilan[envoi_expedier(envoi, jeton)] += 1
    return bilan


def desabonner(jeton: str):
    """One-click unsubscribe from non-essential reminders; returns the user or None."""
    from .models import User

    try:
        data = signing.loads(jeton, salt=SALT_DESABONNEMENT, max_age=365 * 24 * 3600)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u")).first()
    if user is not None and user.relances_non_essentielles:
        user.relances_non_essentielles = False
        user.save(update_fields=["relances_non_essentielles"])
    return user
