"""The dependency audit of `make quality` (.ci/audit_dependances.py): fails on a known
vulnerability, warns without failing when the vulnerability service cannot be reached."""

import importlib.util
from pathlib import Path

import pytest

CHEMIN = Path(__file__).resolve().parent.parent / ".ci" / "audit_dependances.py"


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("audit_dependances", CHEMIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VULNERABLE = {
    "dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [
                {
                    "id": "GHSA-h5c8-rqwp-cp95",
                    "aliases": ["CVE-2024-22195"],
                    "fix_versions": ["3.1.3"],
                    "description": "XSS",
                }
            ],
        },
    ],
    "fixes": [],
}
PROPRE = {"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}], "fixes": []}
TOUT_SAUTE = {
    "dependencies": [
        {
            "name": "django",
            "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)",
        }
    ],
    "fixes": [],
}
RESEAU = (
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): "
    "Max retries exceeded with url: /v1/query (Caused by NameResolutionError(...))"
)


def test_a_known_vulnerability_fails(audit, monkeypatch, capsys):
    resultat = audit.verdict(VULNERABLE, 1, "")
    assert resultat.code == 1
    assert resultat.vulnerabilites == ["jinja2 3.1.2 : GHSA-h5c8-rqwp-cp95 (corrigé dans : 3.1.3)"]
    monkeypatch.setattr(audit, "pip_audit", lambda lock, service: audit.verdict(VULNERABLE, 1, ""))
    assert audit.main(["requirements/base.lock"]) == 1
    assert "ÉCHEC : vulnérabilités connues" in capsys.readouterr().err


def test_an_accepted_vulnerability_does_not_fail(audit, monkeypatch):
    monkeypatch.setitem(audit.IGNOREES, "CVE-2024-22195", "jamais déployé")
    resultat = audit.verdict(VULNERABLE, 1, "")
    assert resultat.code == 0 and len(resultat.ignores) == 1


def test_no_vulnerability_passes(audit, monkeypatch, capsys):
    monkeypatch.setattr(audit, "pip_audit", lambda lock, service: audit.verdict(PROPRE, 0, ""))
    assert audit.main(["requirements/base.lock"]) == 0
    sortie = capsys.readouterr()
    assert "1 paquets audités : aucune vulnérabilité connue" in sortie.out
    assert "AVERTISSEMENT" not in sortie.err


@pytest.mark.parametrize(
    ("rapport", "stderr"),
    [
        # PyPI's per-version JSON API not served (a mirror): pip-audit skips every package and
        # still prints "No known vulnerabilities found".
        pytest.param(TOUT_SAUTE, "", id="pypi-sans-api-json"),
        pytest.param(None, RESEAU, id="osv-injoignable"),
    ],
)
def test_an_unreachable_service_warns_without_failing(audit, monkeypatch, capsys, rapport, stderr):
    resultat = audit.verdict(rapport, 1 if rapport is None else 0, stderr)
    assert resultat.code == 0 and resultat.injoignable
    monkeypatch.setattr(audit, "pip_audit", lambda lock, service: audit.verdict(rapport, 1, stderr))
    assert audit.main(["requirements/base.lock", "requirements/dev.lock"]) == 0
    erreurs = capsys.readouterr().err
    assert "l'audit des dépendances N'A PAS PU ÊTRE FAIT" in erreurs
    assert "requirements/dev.lock" in erreurs


def test_osv_is_asked_when_pypi_does_not_answer(audit, monkeypatch, capsys):
    reponses = {"pypi": TOUT_SAUTE, "osv": VULNERABLE}
    monkeypatch.setattr(
        audit, "pip_audit", lambda lock, service: audit.verdict(reponses[service], 0, "")
    )
    assert audit.main(["requirements/base.lock"]) == 1


def test_an_unreadable_lock_file_is_an_error(audit):
    resultat = audit.verdict(None, 1, "pip_audit._dependency_source.interface: invalid requirement")
    assert resultat.code == 2
