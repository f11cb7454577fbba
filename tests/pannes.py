"""Throwaway services for the fault tests: our own Redis, PostgreSQL cluster, SMTP server, and
the site served by gunicorn and a Celery worker in child processes.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): every service listens on a
free port of its own and lives in a temporary folder removed afterwards.
"""

import asyncio
import contextlib
import glob
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

from conftest import service_missing

ROOT = Path(__file__).resolve().parents[1]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attendre(condition, secondes, message, pas=0.2):
    limite = time.monotonic() + secondes
    while time.monotonic() < limite:
        if condition():
            return
        time.sleep(pas)
    raise AssertionError(message)


def _arreter(process, sig=signal.SIGTERM, delai=10):
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(delai)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(delai)


# --- Redis --------------------------------------------------------------------------------------


class RedisJetable:
    """``redis-server --port N --save ""`` in a temporary folder; stopped and started at will."""

    def __init__(self, dossier: Path):
        if not shutil.which("redis-server"):
            service_missing("redis-server absent : apt-get install redis-server")
        self.dossier, self.port, self.process = dossier, port_libre(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def demarrer(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.dossier), "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        attendre(self.repond, 10, "redis-server ne démarre pas")

    def arreter(self):
        _arreter(self.process)
        self.process = None

    def repond(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


# --- PostgreSQL -----------------------------------------------------------------------------------


class ClusterJetable:
    """A PostgreSQL cluster of our own (initdb in a temporary folder, run as ``postgres``)."""

    def __init__(self):
        binaires = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaires:
            service_missing("initdb absent (/usr/lib/postgresql/*/bin) : apt install postgresql")
        self.bin = Path(binaires[-1]).parent
        self.racine = Path(tempfile.mkdtemp(prefix="pg-panne-", dir="/tmp"))
        self.data, self.sockets = self.racine / "data", self.racine / "sock"
        self.sockets.mkdir()
        self.port = port_libre()
        self.prefixe = []
        if os.geteuid() == 0:  # initdb refuses root: run as the postgres system user
            shutil.chown(self.racine, "postgres")
            shutil.chown(self.sockets, "postgres")
            self.prefixe = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/mentorat"

    def _pg(self, *args, **kwargs):
        return subprocess.run(
            [*self.prefixe, *args], check=True, capture_output=True, timeout=120, **kwargs
        )

    def initialiser(self):
        self._pg(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        self.demarrer()
        self._pg(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
            "postgres", "mentorat",
        )  # fmt: skip

    def demarrer(self):
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.racine / "journal.log"), "-w", "start",
        )  # fmt: skip

    def arreter(self, mode="fast"):
        self._pg(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def detruire(self):
        try:
            if (self.data / "postmaster.pid").exists():
                self.arreter("immediate")
        finally:
            shutil.rmtree(self.racine, ignore_errors=True)


# --- SMTP ---------------------------------------------------------------------------------------


class BoiteSMTP:
    """An SMTP server on loopback that keeps every message; ``retenir`` holds the n-th one."""

    def __init__(self, retenir: int | None = None, duree: float = 6):
        self.messages, self.vus, self.lock = [], 0, threading.Lock()
        self.retenir, self.duree, self.retenu = retenir, duree, threading.Event()
        self.port = port_libre()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.vus += 1
            numero = self.vus
        if numero == self.retenir:
            self.retenu.set()
            await asyncio.sleep(self.duree)
            if server.transport is None or server.transport.is_closing():
                return "421 connexion perdue"
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def __enter__(self):
        from aiosmtpd.controller import Controller

        self.controleur = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controleur.start()
        return self

    def __exit__(self, *exc):
        self.controleur.stop()

    def sujets(self) -> Counter:
        with self.lock:
            return Counter(str(m["Subject"]) for m in self.messages)


# --- The site in child processes ------------------------------------------------------------------


def mot_de_passe_du_serveur(user, mot_de_passe: str):
    """Give ``user`` a password the site's own hashers read (the tests hash with MD5)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hacheur = PBKDF2PasswordHasher()
    user.password = hacheur.encode(mot_de_passe, hacheur.salt(), iterations=1000)
    user.save(update_fields=["password"])


def environnement(*, database_url, redis_url="", email_url="consolemail://", **extra):
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": email_url,
        "LOG_LEVEL": "WARNING",
        **{k: str(v) for k, v in extra.items()},
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


class Gunicorn:
    """The site under gunicorn, one synchronous worker (one process, persistent connections)."""

    def __init__(self, env, journal: Path):
        self.port, self.env, self.journal, self.process = port_libre(), env, journal, None
        self.base = f"http://127.0.0.1:{self.port}"

    def demarrer(self):
        with self.journal.open("ab") as journal:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "mentorat.wsgi:application"]
                + ["-b", f"127.0.0.1:{self.port}", "-w", "1", "--timeout", "120"]
                + ["--no-control-socket"],  # the default one is shared by every gunicorn
                cwd=ROOT,
                env=self.env,
                stdout=journal,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        attendre(
            lambda: Navigateur(self.base).get("/sante/")[0] > 0,
            60,
            f"gunicorn ne répond pas (voir {self.journal})",
            pas=0.5,
        )

    def pid_worker(self) -> int:
        sortie = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        return int(sortie[0]) if sortie else 0

    def arreter(self):
        _arreter(self.process)


class WorkerCelery:
    def __init__(self, env, journal: Path, files="celery,pdf"):
        self.env, self.journal, self.files, self.process = env, journal, files, None

    def demarrer(self):
        with self.journal.open("ab") as journal:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "mentorat", "worker", "--pool", "solo"]
                + ["-Q", self.files, "--without-heartbeat", "--without-mingle"]
                + ["--without-gossip", "-l", "warning"],
                cwd=ROOT,
                env=self.env,
                stdout=journal,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tuer(self):
        _arreter(self.process, signal.SIGKILL)

    def arreter(self):
        _arreter(self.process)


@contextlib.contextmanager
def celery_vers(url: str):
    """The test process's Celery app sends its tasks to the broker at ``url`` (not in-process)."""
    from mentorat.celery import app

    def oublier_connexions():
        # The app and kombu keep their pools by broker: close and forget them all, so that
        # the next task sent (here or in another test) connects afresh.
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    ancien = app.conf.broker_url
    oublier_connexions()
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    try:
        yield app
    finally:
        oublier_connexions()
        app.conf.broker_url = ancien
        app.conf.task_always_eager = True


class _SansRedirection(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Navigateur:
    """A browser without JavaScript: cookies, CSRF token, no redirect followed."""

    def __init__(self, base: str):
        self.base, self.cookies = base, http.cookiejar.CookieJar()
        self.durees = []  # seconds, one per request
        self.ouvreur = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _SansRedirection
        )

    def _ouvrir(self, requete):
        debut = time.monotonic()
        try:
            with self.ouvreur.open(requete, timeout=30) as reponse:
                return reponse.status, reponse.read(), reponse.headers
        except urllib.error.HTTPError as erreur:
            return erreur.code, erreur.read(), erreur.headers
        except OSError as erreur:  # refused, reset: no answer at all
            return 0, str(erreur).encode(), {}
        finally:
            self.durees.append(time.monotonic() - debut)

    def get(self, chemin):
        return self._ouvrir(urllib.request.Request(self.base + chemin))

    def post(self, chemin, donnees):
        jeton = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        corps = urllib.parse.urlencode({**donnees, "csrfmiddlewaretoken": jeton}, doseq=True)
        return self._ouvrir(
            urllib.request.Request(
                self.base + chemin, data=corps.encode(), headers={"Referer": self.base + chemin}
            )
        )

    def json(self, chemin):
        statut, corps, _ = self.get(chemin)
        try:
            return statut, json.loads(corps)
        except ValueError:
            return statut, {}

    def connecter(self, email, mot_de_passe) -> int:
        self.get("/comptes/login/")
        statut, _, entetes = self.post(
            "/comptes/login/", {"login": email, "password": mot_de_passe}
        )
        return statut
