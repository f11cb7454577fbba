"""Exactly once on the real stack: Redis broker, a real Celery worker killed with SIGKILL in the
middle of a batch and restarted, e-mails counted at a real SMTP server on loopback.

The SMTP server holds one message past the middle of the batch; the worker is killed while it
waits for the answer, so that message was never accepted. After the restart (and the claim
timeout, simulated by ageing the claims), every reminder must arrive exactly once.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from mentorat.envois import REPRISE_APRES
from mentorat.models import Envoi
from tests.mentorat.factories import EnvoiFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

ROOT = Path(__file__).resolve().parents[2]
N = 40
RETENU = 15  # the message held while the worker is killed


class Boite:
    """SMTP handler: counts accepted messages by Message-ID; holds one for a while."""

    def __init__(self):
        self.recus = Counter()
        self.vus = 0
        self.retenu = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.vus += 1
            numero = self.vus
        if numero == RETENU:
            self.retenu.set()
            await asyncio.sleep(4)
            if server.transport is None or server.transport.is_closing():
                return "421 connexion perdue"
        message_id = next(
            (
                line.split(":", 1)[1].strip()
                for line in envelope.content.decode("utf-8", "replace").splitlines()
                if line.lower().startswith("message-id:")
            ),
            "?",
        )
        with self.lock:
            self.recus[message_id] += 1
        return "250 OK"


def _worker(env):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mentorat",
            "worker",
            "--pool",
            "solo",
            "-Q",
            "celery",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _attendre(condition, secondes, message):
    limite = time.monotonic() + secondes
    while time.monotonic() < limite:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(message)


def test_worker_killed_mid_batch_sends_each_reminder_once(postgres, redis_url, settings):
    from aiosmtpd.controller import Controller

    boite = Boite()
    with socket.socket() as libre:
        libre.bind(("127.0.0.1", 0))
        port = libre.getsockname()[1]
    controleur = Controller(boite, hostname="127.0.0.1", port=port)
    controleur.start()
    envois = EnvoiFactory.create_batch(N)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    from mentorat.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    worker = _worker(env)
    try:
        app.send_task("parrainages.expedier_envois")
        assert boite.retenu.wait(60), "le worker n'a pas commencé à envoyer"
        time.sleep(1)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        coupes = Envoi.objects.filter(statut=Envoi.Statut.EN_COURS).count()
        assert 0 < coupes < N, "le worker devait mourir au milieu du lot"
        assert sum(boite.recus.values()) == RETENU - 1

        # Later: the dead worker's claims are old enough to be taken again.
        Envoi.objects.filter(statut=Envoi.Statut.EN_COURS).update(
            reserve_le=timezone.now() - REPRISE_APRES - REPRISE_APRES
        )
        worker = _worker(env)
        app.send_task("parrainages.expedier_envois")
        _attendre(
            lambda: Envoi.objects.filter(statut=Envoi.Statut.ENVOYE).count() == N,
            90,
            "tous les envois devaient finir par partir",
        )
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        controleur.stop()
        app.conf.task_always_eager = True

    assert len(boite.recus) == N, "chaque rappel doit arriver"
    assert set(boite.recus.values()) == {1}, f"doublons : {boite.recus.most_common(3)}"
    assert {e.cle for e in envois} == set(Envoi.objects.values_list("cle", flat=True))
