"""Load test: the site under production settings, gunicorn, 20 Locust users, a bare view beside.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_charge
    DEBUG=1 .venv/bin/python benchmarks/charge/prepare.py     # once (see its docstring)
    .venv/bin/python benchmarks/charge/run.py --duree 120

Serves the project as in production (DEBUG off, a random SECRET_KEY, static files collected to a
temporary folder and served by WhiteNoise, Redis cache, gunicorn gthread workers as in the
Dockerfile, but without ``--max-requests`` unless asked: a recycled worker boots Django again
inside the measure, and at 2,000 requests that was 33 to 61 restarts a run) on a free local
port, with ``benchmarks/charge/settings.py`` adding the bare view ``/_nu/``. Then runs
``locustfile.py`` headless, 20 users, and prints per group of pages: the requests, the
throughput, p50/p95/p99, the errors, the ratio of p50 and p95 to the bare view's, and the
target. The first seconds (logins, cold caches) are not measured. The load average (before and
after) and the number of workers gunicorn restarted are printed with the figures: the machine is
shared. ``debit.py`` serves the site the same way for a closed-loop throughput.

Results (Markdown and JSON) are also written to ``benchmarks/out/charge/``.
"""

import argparse
import datetime as dt
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
ICI = Path(__file__).resolve().parent
OUT = RACINE / "benchmarks" / "out" / "charge"
BIN = Path(sys.executable).parent
TEMOIN = "témoin"

# p95 targets (ms) by group; groups without a target are reported only.
CIBLES = {
    "public": 100,
    "inscription": 100,
    "parrain": 100,
    "filleul": 100,
    "partenaire local": 100,
    "partenaire national": 100,
    "admin": 300,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(args, tmp: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.charge.settings",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # The TLS gateway redirects to HTTPS and sends X-Forwarded-Proto (as in
        # docker-compose.yml); the users send that header themselves.
        SECURE_SSL_REDIRECT="False",
        REDIS_URL=args.redis_url,
        EMAIL_URL="consolemail://",
        CHARGE_STATIC_ROOT=str(tmp / "static"),
        PRIVATE_MEDIA_ROOT=str(tmp / "private"),
        MEDIA_ROOT=str(tmp / "media"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(RACINE),
    )
    return env


def wait_until_up(url: str, timeout: float = 60) -> None:
    fin = time.monotonic() + timeout
    requete = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    while time.monotonic() < fin:
        try:
            with urllib.request.urlopen(requete, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise SystemExit(f"Le serveur ne répond pas sur {url}.")


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return math.nan
    rang = max(math.ceil(p / 100 * len(sorted_values)), 1)
    return sorted_values[rang - 1]


def summarise(requetes, duree: float, cle) -> dict:
    par = defaultdict(list)
    erreurs = defaultdict(int)
    for _t, nom, ms, ok in requetes:
        par[cle(nom)].append(ms)
        if not ok:
            erreurs[cle(nom)] += 1
    resultat = {}
    for nom, valeurs in par.items():
        valeurs.sort()
        resultat[nom] = {
            "requetes": len(valeurs),
            "debit": len(valeurs) / duree,
            "p50": percentile(valeurs, 50),
            "p95": percentile(valeurs, 95),
            "p99": percentile(valeurs, 99),
            "erreurs": erreurs[nom],
        }
    return resultat


def group_of(nom: str) -> str:
    return nom.split(":", 1)[0]


def table(lignes: dict, temoin: dict, avec_cible: bool) -> str:
    entete = (
        "| | requêtes | req/s | p50 ms | p95 ms | p99 ms | erreurs | p50 / témoin | p95 / témoin |"
    )
    if avec_cible:
        entete += " cible p95 |"
    sortie = [entete, "|" + "---|" * (entete.count("|") - 1)]
    for nom, s in sorted(lignes.items(), key=lambda kv: (kv[0] != TEMOIN, kv[0])):
        cellules = [
            nom,
            f"{s['requetes']}",
            f"{s['debit']:.1f}",
            f"{s['p50']:.0f}",
            f"{s['p95']:.0f}",
            f"{s['p99']:.0f}",
            f"{s['erreurs']}",
            f"{s['p50'] / temoin['p50']:.1f}" if nom != TEMOIN else "1",
            f"{s['p95'] / temoin['p95']:.1f}" if nom != TEMOIN else "1",
        ]
        if avec_cible:
            cible = CIBLES.get(group_of(nom))
            if cible is None:
                cellules.append("—")
            else:
                tenue = s["p95"] <= cible and s["erreurs"] == 0
                cellules.append(f"≤ {cible} {'✓' if tenue else '✗'}")
        sortie.append("| " + " | ".join(cellules) + " |")
    return "\n".join(sortie)


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def add_server_options(parser) -> None:
    """The options of the served site, shared with ``debit.py``."""
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="gunicorn --max-requests (0: off, as a benchmark wants it; production recycles "
        "its workers, but each restart here would be a cold worker inside the measure)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/14",
        help="cache (allauth's rate limits, TOTP codes used), a Redis database of its own: "
        "emptied at each run; empty: in-process cache",
    )


def gunicorn_command(args, port: int, tmp: Path) -> list[str]:
    commande = [
        str(BIN / "gunicorn"),
        "mentorat.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--worker-class=gthread",
        f"--workers={args.workers}",
        f"--threads={args.threads}",
        "--timeout=60",
        "--keep-alive=5",
        "--worker-tmp-dir=/dev/shm",
        "--log-level=info",
        f"--access-logfile={tmp / 'access.log'}",
        f"--error-logfile={tmp / 'gunicorn.log'}",
    ]
    if args.max_requests:
        jitter = max(args.max_requests // 10, 1)
        commande += [f"--max-requests={args.max_requests}", f"--max-requests-jitter={jitter}"]
    return commande


def worker_boots(tmp: Path) -> int:
    """How many workers gunicorn started so far (its log says each one)."""
    journal = tmp / "gunicorn.log"
    if not journal.is_file():
        return 0
    return journal.read_text(errors="replace").count("Booting worker with pid")


class Serveur:
    """The site served by gunicorn: ``hote`` (its URL), ``tmp`` (logs), the worker restarts."""

    def __init__(self, args):
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit(
                "DATABASE_URL doit désigner la base PostgreSQL préparée par prepare.py."
            )
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="mentorat-charge-"))
        self.env = server_env(args, self.tmp)
        self.port = free_port()
        self.hote = f"http://127.0.0.1:{self.port}"
        self.redemarrages = 0

    def __enter__(self):
        # --skip-checks: the production checks (Redis, sealing certificate:
        # mentorat/checks.py) are not what a load test measures, which may run with its cache
        # in-process.
        for commande in (["migrate", "--noinput", "--skip-checks"], ["collectstatic", "--noinput"]):
            subprocess.run(
                [sys.executable, "manage.py", *commande, "-v0"],
                cwd=RACINE,
                env=self.env,
                check=True,
            )
        if self.args.redis_url:
            # A cache of its own, emptied: the previous run's logins do not count against
            # allauth's rate limits (30 logins a minute from one address).
            import redis

            redis.Redis.from_url(self.args.redis_url).flushdb()
        with open(self.tmp / "gunicorn.out", "wb") as sortie_serveur:
            self.processus = subprocess.Popen(
                gunicorn_command(self.args, self.port, self.tmp),
                cwd=RACINE,
                env=self.env,
                stdout=sortie_serveur,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_up(f"{self.hote}/_nu/")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def restarts(self) -> int:
        """Workers started after the first ones (``--max-requests``, a crash, a timeout)."""
        return max(worker_boots(self.tmp) - self.args.workers, 0)

    def __exit__(self, *exc):
        self.redemarrages = self.restarts()
        self.processus.send_signal(signal.SIGTERM)
        try:
            self.processus.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.processus.kill()
        # The logs stay (access, errors, e-mails); the collected static files go.
        shutil.rmtree(self.tmp / "static", ignore_errors=True)
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duree", type=int, default=120, help="seconds measured (120)")
    parser.add_argument("--echauffement", type=int, default=15, help="seconds not measured (15)")
    parser.add_argument("--pause-min", type=float, default=0.5, help="think time, s (0.5)")
    parser.add_argument("--pause-max", type=float, default=1.5, help="think time, s (1.5)")
    add_server_options(parser)
    parser.add_argument("--comptes", default=str(OUT / "comptes.json"))
    args = parser.parse_args()

    if not Path(args.comptes).is_file():
        raise SystemExit(f"{args.comptes} manque : lancer d'abord benchmarks/charge/prepare.py.")

    OUT.mkdir(parents=True, exist_ok=True)
    with Serveur(args) as serveur:
        hote, tmp, env = serveur.hote, serveur.tmp, serveur.env
        charge_avant = load_average()
        print(f"Serveur : {hote} ({args.workers} × {args.threads} fils), journaux : {tmp}")
        print(f"Charge de la machine avant : {charge_avant}")
        echantillons = tmp / "echantillons.json"
        locust_env = dict(
            env,
            CHARGE_COMPTES=args.comptes,
            CHARGE_ECHANTILLONS=str(echantillons),
            CHARGE_ECHAUFFEMENT=str(args.echauffement),
            CHARGE_PAUSE_MIN=str(args.pause_min),
            CHARGE_PAUSE_MAX=str(args.pause_max),
        )
        releves = []
        fin_releves = threading.Event()

        def relever():
            while not fin_releves.wait(5):
                releves.append(os.getloadavg()[0])

        threading.Thread(target=relever, daemon=True).start()
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ICI / "locustfile.py"),
                "--headless",
                "--users=20",
                "--spawn-rate=20",
                f"--run-time={args.duree + args.echauffement}s",
                f"--host={hote}",
                "--only-summary",
                "--loglevel=WARNING",
                "--stop-timeout=10",
                f"--csv={tmp / 'locust'}",
            ],
            cwd=RACINE,
            env=locust_env,
            check=False,
        )
        fin_releves.set()
        charge_apres = load_average()
        charge_pendant = (
            f"{statistics.mean(releves):.2f} en moyenne, {max(releves):.2f} au plus"
            if releves
            else "—"
        )

    donnees = json.loads(echantillons.read_text())
    requetes = donnees["requetes"]
    if donnees["connexions_echouees"]:
        print(
            "\nATTENTION : connexion refusée pour "
            + ", ".join(donnees["connexions_echouees"])
            + " (limite de débit d'allauth ? relancer dans une minute) : mesure incomplète."
        )
    if not requetes:
        raise SystemExit("Aucune requête mesurée.")
    duree = requetes[-1][0] - (donnees["debut"] + donnees["echauffement"])
    groupes = summarise(requetes, duree, group_of)
    pages = summarise(requetes, duree, lambda nom: nom)
    temoin = groupes[TEMOIN]
    total = sum(s["requetes"] for s in groupes.values())
    quand = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    texte = "\n".join(
        [
            f"Mesuré le {quand} : {duree:.0f} s mesurées après {args.echauffement} s "
            f"d'échauffement, 20 utilisateurs (pause {args.pause_min}–{args.pause_max} s), "
            f"gunicorn {args.workers} × {args.threads} fils, {total} requêtes "
            f"({total / duree:.1f} req/s).",
            f"Charge de la machine (1 / 5 / 15 min) : avant {charge_avant}, "
            f"après {charge_apres} ; pendant (1 min, relevée toutes les 5 s) : "
            f"{charge_pendant}.",
            f"Processus gunicorn redémarrés pendant le passage : {serveur.redemarrages}"
            + (f" (--max-requests {args.max_requests})" if args.max_requests else "")
            + ".",
            "",
            "Par groupe :",
            "",
            table(groupes, temoin, avec_cible=True),
            "",
            "Par page :",
            "",
            table(pages, temoin, avec_cible=False),
        ]
    )
    print()
    print(texte)
    horodatage = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"resultats-{horodatage}.md").write_text(texte + "\n")
    (OUT / f"resultats-{horodatage}.json").write_text(
        json.dumps(
            {
                "quand": quand,
                "charge_avant": charge_avant,
                "charge_apres": charge_apres,
                "charge_pendant": releves,
                "duree": duree,
                "options": vars(args),
                "groupes": groupes,
                "pages": pages,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    if serveur.redemarrages:
        print(f"\nATTENTION : {serveur.redemarrages} processus gunicorn redémarrés ({tmp}).")
    if any(s["erreurs"] for s in groupes.values()):
        print(
            f"\nDes requêtes ont échoué : voir {tmp / 'locust_failures.csv'} "
            f"et {tmp / 'gunicorn.log'}."
        )


if __name__ == "__main__":
    main()
