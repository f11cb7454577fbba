"""Shared test configuration: strictness, fast hashing, real-service gating, and what lets the
suite run in parallel (``pytest -n``, see the Makefile)."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import cache

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    """Under pytest-xdist, each worker uses a Redis database of its own (the one of REDIS_URL
    for the first worker, the next ones for the others): every test empties the cache, and a
    worker's Celery tasks must not reach another worker's test. Subprocesses (Celery workers
    started by tests) inherit it through the environment."""
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not (worker and settings.REDIS_URL):
        return
    url = urlsplit(settings.REDIS_URL)
    base = int(url.path.strip("/") or 0)
    numero = base + int(worker.removeprefix("gw"))
    if numero > 15:
        raise pytest.UsageError(
            f"Redis n'a que 16 bases : REDIS_URL (base {base}) et {worker} demandent la base "
            f"{numero}. Lancez moins de workers (-n) ou choisissez une base plus basse."
        )
    settings.REDIS_URL = urlunsplit(url._replace(path=f"/{numero}"))
    settings.CACHES["default"]["LOCATION"] = settings.REDIS_URL
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    os.environ["REDIS_URL"] = settings.REDIS_URL


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file (one per xdist worker, in its temporary folder),
    not one in memory: the live server's thread and the test's then wait on each other's
    writes (the ``timeout`` of the settings) where a shared in-memory database answers
    "database table is locked" at once (the browser tests)."""
    from django.conf import settings

    base = settings.DATABASES["default"]
    if base["ENGINE"] == "django.db.backends.sqlite3":
        base.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.getbasetemp() / "test.sqlite3")
        # A throwaway database: nothing to keep through a crash, so no journal file to write
        # and no wait for the disk (each test's transaction would otherwise cost both).
        base["OPTIONS"]["init_command"] = "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF"


def service_missing(reason: str):
    """Skip with a visible reason, or fail when the run requires every service (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"Service requis absent (REQUIRE_SERVICES=1) : {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.GEOCODAGE = "echantillon"  # no network in tests: the shipped sample of addresses
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from mentorat.celery import app

    app.conf.task_always_eager = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _outbox_sent_at_once(request, settings):
    """In tests, the outbox's worker answers at once: what a transaction signals to send after
    its commit (``mentorat.envois.expedier_apres_commit``) is sent right away, inside the
    test's transaction, as an eager Celery task would be. Tests of the after-commit path itself
    (nothing sent before the commit, a request that never waits on the mail server) are marked
    ``apres_commit`` and keep the real behaviour."""
    settings.ENVOIS_IMMEDIATS = not request.node.get_closest_marker("apres_commit")


# Staff sessions: the admin opens only after the login's second factor (mentorat.mfa). These
# fixtures and ``tests.mentorat.factories.connecter(client, user)`` give a session as after a
# login with the TOTP code; ``force_login`` alone gives one the admin refuses.


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's superuser client, signed in with their second factor."""
    from tests.mentorat.factories import connecter

    connecter(client, admin_user)
    return client


@pytest.fixture
def client_gestionnaire(client, db):
    from tests.mentorat.factories import connecter, gestionnaire

    client.user = connecter(client, gestionnaire())
    return client


@pytest.fixture
def client_administrateur(client, db):
    from tests.mentorat.factories import administrateur, connecter

    client.user = connecter(client, administrateur())
    return client


@pytest.fixture
def private_storage_dir(settings, tmp_path):
    """Private storage in a temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def postgres(db):
    """The test needs PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("PostgreSQL requis (DATABASE_URL=postgres://… non défini)")
    return connection


@pytest.fixture
def redis_url(settings):
    """The test needs a reachable Redis."""
    import redis

    url = settings.REDIS_URL or os.environ.get("REDIS_URL", "")
    if not url:
        service_missing("Redis requis (REDIS_URL non défini)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis injoignable à {url} : {exc}")
    return url


# The W3C Nu HTML checker, from the npm registry, pinned by package-lock.json (`npm ci
# --ignore-scripts`: its install script would download a Java runtime; the machine's is used).
NU_JAR = Path(
    os.environ.get("NU_JAR", Path(__file__).parent / "node_modules/vnu-jar/build/dist/vnu.jar")
)


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# A local OpenID Connect provider playing FranceConnect and ProConnect (tests/oidc/: the npm
# package oidc-provider, pinned by package-lock.json, and its configuration script).
OIDC = Path(__file__).parent / "tests" / "oidc"
OIDC_MODULE = Path(__file__).parent / "node_modules" / "oidc-provider" / "package.json"
OIDC_CLIENTS = {"franceconnect": "secret-franceconnect", "proconnect": "secret-proconnect"}


@pytest.fixture(scope="session")
def fournisseur_oidc(live_server, tmp_path_factory):
    """The provider, served on a free port for the run: its address (the issuer), with two
    clients (``franceconnect``, ``proconnect``) whose redirect addresses are the live
    server's, and the accounts of tests/oidc/comptes.json."""
    node = shutil.which("node")
    if node is None or not OIDC_MODULE.exists():
        service_missing(
            "Fournisseur OpenID Connect local absent : Node.js 20+ et `npm ci --ignore-scripts` "
            "(oidc-provider)"
        )
    import json

    import requests

    port = _port_libre()
    clients = [
        {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": [f"{live_server.url}/comptes/oidc/{client_id}/login/callback/"],
            "post_logout_redirect_uris": ["http://127.0.0.1:8000/", f"{live_server.url}/"],
            "token_endpoint_auth_method": "client_secret_post",
            # Both providers answer userinfo as a signed JWT.
            "userinfo_signed_response_alg": "RS256",
        }
        for client_id, secret in OIDC_CLIENTS.items()
    ]
    configuration = tmp_path_factory.mktemp("oidc") / "configuration.json"
    configuration.write_text(
        json.dumps(
            {
                "port": port,
                "clients": clients,
                "comptes": json.loads((OIDC / "comptes.json").read_text()),
            }
        )
    )
    journal = configuration.with_name("fournisseur.log")
    with journal.open("wb") as sortie:
        process = subprocess.Popen(
            [node, str(OIDC / "fournisseur.mjs"), str(configuration)],
            stdout=subprocess.DEVNULL,
            stderr=sortie,
            cwd=Path(__file__).parent,
        )
    issuer = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None:
                    pytest.fail(
                        "Le fournisseur OpenID Connect local s'est arrêté au démarrage : "
                        + journal.read_text(errors="replace")[-2000:]
                    )
                time.sleep(0.25)
        else:
            pytest.fail("Le fournisseur OpenID Connect local n'a pas démarré en 30 s.")
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def nu_checker():
    """The W3C Nu HTML checker served on a local port for the whole run (one JVM start)."""
    java = shutil.which("java")
    if java is None or not NU_JAR.exists():
        service_missing(
            "Validateur Nu absent : `npm ci --ignore-scripts` (vnu.jar) et Java "
            "(apt-get install default-jre-headless)"
        )
    import requests

    port = _port_libre()
    # A deep grammar: the validator's own documentation asks for a larger thread stack.
    process = subprocess.Popen(
        [
            java,
            "-Xss8m",
            "-Dnu.validator.servlet.bind-address=127.0.0.1",
            "-cp",
            str(NU_JAR),
            "nu.validator.servlet.Main",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/?out=json"
    try:
        for _ in range(240):
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None:
                    pytest.fail("Le validateur Nu s'est arrêté au démarrage.")
                time.sleep(0.25)
        else:
            pytest.fail("Le validateur Nu n'a pas démarré en 60 s.")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def nu_erreurs(url: str, html: bytes) -> list[dict]:
    import requests

    reponse = requests.post(
        url, data=html, headers={"Content-Type": "text/html; charset=utf-8"}, timeout=60
    )
    reponse.raise_for_status()
    return [m for m in reponse.json()["messages"] if m["type"] in ("error", "non-document-error")]


@pytest.fixture(scope="session")
def certificat_sceau(tmp_path_factory):
    """A self-signed sealing certificate, made once for the whole run."""
    from mentorat.scellement import creer_certificat_autosigne

    chemin = tmp_path_factory.mktemp("certs") / "sceau.p12"
    certificat = creer_certificat_autosigne(
        chemin, mot_de_passe="secret-de-test", nom="Sceau de test"
    )
    return chemin, certificat


@pytest.fixture
def sceau(settings, certificat_sceau, private_storage_dir):
    """Seal PDFs with the test certificate; store them in a temporary folder."""
    from mentorat.scellement import _signataire

    settings.SCEAU_CERTIFICAT = certificat_sceau[0]
    settings.SCEAU_MOT_DE_PASSE = "secret-de-test"
    _signataire.cache_clear()
    yield certificat_sceau[1]
    _signataire.cache_clear()


# Tests that render PDFs need WeasyPrint's system libraries (Pango). Where they are missing,
# these modules are skipped with the reason (a failure under REQUIRE_SERVICES=1, as in CI).
MODULES_PDF = {
    "tests/e2e/test_parcours_partenaire.py",
    "tests/e2e/test_signature_charte.py",
    "tests/mentorat/test_pdf.py",
    "tests/parrainages/test_charte.py",
    "tests/demo/test_seed_demo.py",
    "tests/partenaires/test_admin_partenaires.py",
    "tests/partenaires/test_portail.py",
    "tests/partenaires/test_rapports.py",
}


def _weasyprint_absent() -> str:
    try:
        import weasyprint  # noqa: F401
    except (OSError, ImportError) as exc:
        return f"WeasyPrint indisponible (bibliothèques Pango manquantes) : {exc}"
    return ""


def pytest_collection_modifyitems(config, items):
    _marquer_les_tests_transactionnels(items)
    raison = _weasyprint_absent()
    if not raison or REQUIRE_SERVICES:
        return  # under REQUIRE_SERVICES the tests run, and fail, without the libraries
    for item in items:
        if item.nodeid.split("::")[0] in MODULES_PDF:
            item.add_marker(pytest.mark.skip(reason=raison))


def _marquer_les_tests_transactionnels(items):
    """Tests on a real transaction (threads, live server, real workers) empty every table after
    them, the migrations' data included (staff groups' permissions, the ROME sectors). They are
    marked ``transactionnel``: ``make test`` runs the others in parallel, then these ones on
    their own, where no other test comes after a flush."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (marker and marker.kwargs.get("transaction")) or {
            "transactional_db",
            "live_server",
        } & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.transactionnel)
