"""The sealed charter PDF, exactly once on the real stack, with the worker killed mid-task.

Our own Redis as broker, a real Celery worker on the ``pdf`` queue, an SMTP server on loopback.
The worker is killed with SIGKILL (no cleanup of any kind), restarted, and the scheduled
catch-up (``parrainages.rattraper_chartes``) runs as beat would run it:

- killed while rendering and sealing: nothing was stored; the catch-up produces one PDF and
  e-mails it to each party once;
- killed while handing an e-mail to the mail server: the message was never accepted; the
  outbox's run takes the dead worker's claims again (once they are old enough) and sends each
  message once.

A late redelivery of the original message (the broker gives unacknowledged tasks back after its
visibility timeout) changes nothing afterwards.
"""

import datetime as dt
import time

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from mentorat.envois import REPRISE_APRES
from mentorat.models import Envoi
from parrainages.models import Charte
from parrainages.services import charte_emettre
from tests.pannes import (
    BoiteSMTP,
    RedisJetable,
    WorkerCelery,
    attendre,
    celery_vers,
    environnement,
)
from tests.parrainages.factories import ParrainageFactory, partie_de, signer
from tests.programmes.factories import ModeleCharteFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

SUJET = "charte de parrainage signée"


def _charte_signee():
    pair = ParrainageFactory(actif=True)
    ModeleCharteFactory(programme=pair.programme)
    charte = charte_emettre(parrainage=pair)
    signer(partie_de(charte, "parrain"))
    signer(partie_de(charte, "filleul"))
    # Signed a while ago: the catch-up looks at charters left 10 minutes without PDF or e-mail.
    Charte.objects.filter(pk=charte.pk).update(
        statut=Charte.Statut.SIGNEE, signee_le=timezone.now() - dt.timedelta(minutes=11)
    )
    return charte


def _verrouillee(charte) -> bool:
    """Whether a worker holds the charter's row (it does while producing the PDF)."""
    try:
        with transaction.atomic():
            list(Charte.objects.select_for_update(nowait=True).filter(pk=charte.pk))
    except DatabaseError:
        return True
    return False


@pytest.fixture
def pile(postgres, sceau, private_storage_dir, tmp_path, settings):
    """Redis, the Celery app pointed at it, and a worker factory (given the SMTP server)."""
    redis = RedisJetable(tmp_path)
    redis.demarrer()
    db = postgres.settings_dict
    workers = []

    def demarrer(smtp):
        env = environnement(
            database_url=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            redis_url=redis.url,
            email_url=f"smtp://127.0.0.1:{smtp.port}",
            PRIVATE_MEDIA_ROOT=private_storage_dir,
            SCEAU_CERTIFICAT=settings.SCEAU_CERTIFICAT,
            SCEAU_MOT_DE_PASSE=settings.SCEAU_MOT_DE_PASSE,
        )
        worker = WorkerCelery(env, tmp_path / "worker.log")
        worker.demarrer()
        workers.append(worker)
        return worker

    try:
        with celery_vers(redis.url) as app:
            yield app, demarrer
    finally:
        for worker in workers:
            worker.tuer()
        redis.arreter()


def _destinataires(smtp):
    return sorted(
        a.addr_spec for m in smtp.messages if SUJET in m["Subject"] for a in m["To"].addresses
    )


def _rattraper_puis_verifier(app, demarrer, smtp, charte):
    demarrer(smtp)
    # What beat runs: the charters' catch-up, and the outbox's run, which takes again the
    # e-mails a dead worker had claimed once the claims are old enough (simulated here).
    Envoi.objects.filter(statut=Envoi.Statut.EN_COURS).update(
        reserve_le=timezone.now() - 2 * REPRISE_APRES
    )
    app.send_task("parrainages.rattraper_chartes")
    app.send_task("parrainages.expedier_envois")  # the outbox's run, as beat would start it
    attendre(
        lambda: (
            Charte.objects.filter(pk=charte.pk, envoyee_le__isnull=False).exists()
            and sum(n for sujet, n in smtp.sujets().items() if SUJET in sujet) >= 2
        ),
        120,
        "la charte doit être produite et envoyée à chaque partie après la reprise",
        pas=0.5,
    )
    # The original message, given back late by the broker, finds the work done.
    app.send_task("parrainages.produire_charte_pdf", args=[charte.pk])
    app.send_task("parrainages.rattraper_chartes")
    app.send_task("parrainages.expedier_envois")
    time.sleep(8)
    charte.refresh_from_db()
    assert charte.pdf and len(charte.pdf_sha256) == 64
    envoyes = [n for sujet, n in smtp.sujets().items() if SUJET in sujet]
    assert envoyes == [2], smtp.sujets()  # one e-mail to each party, once
    destinataires = sorted(a.addr_spec for m in smtp.messages for a in m["To"].addresses)
    assert destinataires == sorted(
        [charte.parrainage.parrain.user.email, charte.parrainage.filleul.user.email]
    )
    for message in smtp.messages:
        pieces = [
            p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"
        ]
        assert len(pieces) == 1


def test_worker_killed_while_sealing_the_pdf(pile):
    app, demarrer = pile
    charte = _charte_signee()
    with BoiteSMTP() as smtp:
        worker = demarrer(smtp)
        app.send_task("parrainages.produire_charte_pdf", args=[charte.pk])
        attendre(lambda: _verrouillee(charte), 60, "le worker doit commencer la production", 0.02)
        worker.tuer()  # rendering and sealing take far longer than this poll's 20 ms
        charte.refresh_from_db()
        assert not charte.pdf and charte.envoyee_le is None, "tué avant d'avoir enregistré"
        assert not smtp.messages
        _rattraper_puis_verifier(app, demarrer, smtp, charte)


def test_worker_killed_while_sending_the_email(pile):
    app, demarrer = pile
    charte = _charte_signee()
    with BoiteSMTP(retenir=1, duree=6) as smtp:
        worker = demarrer(smtp)
        app.send_task("parrainages.produire_charte_pdf", args=[charte.pk])
        assert smtp.retenu.wait(90), "le worker doit produire puis envoyer la charte"
        worker.tuer()
        time.sleep(smtp.duree)  # the held message is then refused: never delivered
        assert not smtp.messages
        charte.refresh_from_db()
        assert charte.pdf, "le PDF était produit et enregistré avant l'envoi"
        # The killed worker's claim on the outbox row: taken over once REPRISE_APRES has
        # passed (here, moved back in time rather than waited for).
        pris = Envoi.objects.filter(statut=Envoi.Statut.EN_COURS)
        assert pris.exists()  # the batch it had claimed
        pris.update(reserve_le=timezone.now() - REPRISE_APRES - dt.timedelta(minutes=1))
        _rattraper_puis_verifier(app, demarrer, smtp, charte)
