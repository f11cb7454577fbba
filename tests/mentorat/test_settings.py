"""Production settings: `check --deploy` is clean with DEBUG=False, a real secret, Redis and a
sealing certificate; without one of them nothing starts."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _run_manage(*args, env_overrides, tmp_path):
    drop = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
            "ALLOWED_HOSTS": "mentorat.exemple.fr",
            **env_overrides,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _production(certificat_sceau) -> dict:
    """A production configuration: a secret, Redis for the tasks, a sealing certificate, the
    site's public address."""
    return {
        "DEBUG": "False",
        "SITE_URL": "https://mentorat.ville.example",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SCEAU_CERTIFICAT": str(certificat_sceau[0]),
        "SCEAU_MOT_DE_PASSE": "secret-de-test",
    }


def test_check_deploy_is_clean_in_production(tmp_path, certificat_sceau):
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides=_production(certificat_sceau),
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_redis_or_certificate(tmp_path, certificat_sceau):
    sans = {"REDIS_URL": "", "SCEAU_CERTIFICAT": str(tmp_path / "absent.p12")}
    env = {**_production(certificat_sceau), **sans}
    result = _run_manage("migrate", "--noinput", env_overrides=env, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "(mentorat.E001) REDIS_URL n'est pas défini" in result.stderr
    assert "(mentorat.E002) Certificat de scellement introuvable" in result.stderr
    assert "Applying" not in result.stdout  # nothing migrated, so nothing else starts


@pytest.mark.parametrize("command", [("check",), ("makemigrations", "--check", "--dry-run")])
def test_production_refuses_to_start_without_a_secret(tmp_path, command):
    result = _run_manage(*command, env_overrides={"DEBUG": "False"}, tmp_path=tmp_path)
    assert result.returncode == 1
    # The reason and the way out, not a traceback ending in "Models aren't loaded yet".
    assert result.stderr.strip() == (
        "Configuration incomplète : SECRET_KEY est obligatoire quand DEBUG=False (voir le "
        "README, « En production »). En développement, lancez la commande avec DEBUG=1 (ou "
        "mettez DEBUG=1 dans .env)."
    )


def test_production_has_no_demo_app(tmp_path, certificat_sceau):
    secret = _production(certificat_sceau)
    absent = _run_manage("seed_scale", "--help", env_overrides=secret, tmp_path=tmp_path)
    assert absent.returncode == 1
    assert "Unknown command: 'seed_scale'" in absent.stderr
    # Installed on demand (benchmarks on production-like settings), seed_demo still refuses.
    refus = _run_manage("seed_demo", env_overrides={**secret, "DEMO": "1"}, tmp_path=tmp_path)
    assert refus.returncode == 1
    assert "Les données de démonstration ne se créent qu'en développement" in refus.stderr


def test_a_daily_limit_below_one_is_refused_at_start(tmp_path):
    result = _run_manage(
        "check",
        env_overrides={"DEBUG": "1", "LIMITE_RAPPORTS_MEMBRE_JOUR": "0"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 1
    assert "Les limites quotidiennes (LIMITE_…_JOUR) doivent être positives." in result.stderr


def test_french_and_safe_defaults():
    assert settings.LANGUAGE_CODE == "fr-fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True
    loaders = settings.TEMPLATES[0]["OPTIONS"]["loaders"]
    assert loaders[0][0] == "django.template.loaders.cached.Loader"
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        assert "statement_timeout" in settings.DATABASES["default"]["OPTIONS"]["options"]


def test_postgres_statement_timeout_is_applied(postgres):
    with postgres.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (value,) = cursor.fetchone()
    assert value not in ("0", "0ms")


def test_security_headers(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
