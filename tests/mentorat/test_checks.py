"""With DEBUG=False, a configuration that would run the tasks in the web process, or seal no
charter, does not start: system checks with French messages and the way out."""

from pathlib import Path

import pytest
from django.core.checks import run_checks

from mentorat import checks
from mentorat.scellement import creer_certificat_autosigne


@pytest.fixture
def production(settings, certificat_sceau):
    settings.DEBUG = False
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.SCEAU_CERTIFICAT = certificat_sceau[0]
    settings.SCEAU_MOT_DE_PASSE = "secret-de-test"
    settings.SITE_URL = "https://mentorat.ville.example"
    return settings


def test_a_production_configuration_passes(production):
    assert run_checks(tags=["production"]) == []


def test_development_asks_for_nothing(settings, tmp_path):
    settings.DEBUG = True
    settings.REDIS_URL = ""
    settings.SCEAU_CERTIFICAT = tmp_path / "absent.p12"
    assert run_checks(tags=["production"]) == []


@pytest.mark.parametrize("adresse", ["http://127.0.0.1:8000", "http://localhost", ""])
def test_a_local_site_url_is_flagged(production, adresse):
    production.SITE_URL = adresse
    (avertissement,) = run_checks(tags=["production"])
    assert avertissement.id == "mentorat.W002" and not avertissement.is_serious()
    assert "SITE_URL=https://" in avertissement.hint


def test_without_redis_the_tasks_would_run_in_the_web_process(production):
    production.REDIS_URL = ""
    (erreur,) = run_checks(tags=["production"])
    assert erreur.id == "mentorat.E001" and erreur.is_serious()
    assert "s'exécuteraient dans le processus web" in erreur.msg
    assert "REDIS_URL=redis://" in erreur.hint


@pytest.mark.parametrize("chemin", ["absent.p12", "."])
def test_a_missing_certificate(production, tmp_path, chemin):
    # "." : docker compose mounts a missing file as an empty directory.
    production.SCEAU_CERTIFICAT = tmp_path / chemin
    (erreur,) = checks.certificat_de_scellement()
    assert erreur.id == "mentorat.E002" and erreur.is_serious()
    assert erreur.msg.startswith(f"Certificat de scellement introuvable : {tmp_path / chemin}")
    assert "docs/deploiement.md" in erreur.hint


def test_an_unreadable_certificate(production, monkeypatch):
    def refuser(self):
        raise PermissionError(13, "Permission non accordée")

    monkeypatch.setattr(Path, "read_bytes", refuser)
    (erreur,) = checks.certificat_de_scellement()
    assert erreur.id == "mentorat.E003"
    assert "illisible" in erreur.msg and "(Permission non accordée)" in erreur.msg
    assert "uid 10001" in erreur.hint


def test_a_certificate_that_its_password_does_not_open(production):
    production.SCEAU_MOT_DE_PASSE = "pas-le-bon"
    (erreur,) = checks.certificat_de_scellement()
    assert erreur.id == "mentorat.E004"
    assert "SCEAU_MOT_DE_PASSE n'est pas son mot de passe" in erreur.msg


def test_a_file_that_is_not_pkcs12(production, tmp_path):
    production.SCEAU_CERTIFICAT = tmp_path / "sceau.p12"
    production.SCEAU_CERTIFICAT.write_text("-----BEGIN CERTIFICATE-----\n")
    (erreur,) = checks.certificat_de_scellement()
    assert erreur.id == "mentorat.E004"


def test_an_expired_certificate_and_one_about_to_expire(production, tmp_path):
    production.SCEAU_CERTIFICAT = tmp_path / "sceau.p12"
    creer_certificat_autosigne(
        production.SCEAU_CERTIFICAT, mot_de_passe="secret-de-test", nom="Expiré", jours=0
    )
    (erreur,) = checks.certificat_de_scellement()
    assert erreur.id == "mentorat.E005" and "a expiré le" in erreur.msg

    creer_certificat_autosigne(
        production.SCEAU_CERTIFICAT, mot_de_passe="secret-de-test", nom="Bientôt", jours=10
    )
    (avertissement,) = checks.certificat_de_scellement()
    assert avertissement.id == "mentorat.W001" and not avertissement.is_serious()
    assert "renouvellement" in avertissement.hint


def test_providers_only_over_https(production):
    from mentorat.fournisseurs import apps_oidc

    production.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": apps_oidc(
                franceconnect=("fc", "secret", "http://oidc.franceconnect.example/api/v2"),
                proconnect=("pc", "secret", "https://proconnect.example/api/v2"),
            )
        }
    }
    (erreur,) = run_checks(tags=["production"])
    assert erreur.id == "mentorat.E006" and erreur.is_serious()
    assert "FranceConnect (http://oidc.franceconnect.example/api/v2)" in erreur.msg
    production.DEBUG = True
    assert run_checks(tags=["production"]) == []
