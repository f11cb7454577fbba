"""Dependency audit for `make quality`: known vulnerabilities in the locked requirements.

Runs pip-audit on each lock file given (hashes required, nothing installed) and decides:

- a known vulnerability in a locked version: the audit fails (exit 1), listing them;
- the vulnerability service cannot be reached (no network, a mirror without PyPI's
  per-version JSON API, which makes pip-audit "skip" every package and still say "No known
  vulnerabilities found"): a clear warning that the audit could NOT run, and exit 0, so that
  CI does not fail for a network reason;
- anything else (a lock file pip-audit cannot read…): exit 2.

PyPI's service is tried first, then OSV when PyPI answered for no package.

Usage: python .ci/audit_dependances.py requirements/base.lock [requirements/dev.lock …]
"""

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("pypi", "osv")
DELAI_REQUETE = 15  # seconds, per HTTP request of pip-audit
DELAI_TOTAL = 600  # seconds, per pip-audit run
# Known vulnerabilities accepted on purpose, with the reason, e.g.
# {"GHSA-xxxx-xxxx-xxxx": "only in the dev tools, never deployed; fixed upstream in 1.2"}.
IGNOREES: dict[str, str] = {}

RESEAU = (
    "ConnectionError",
    "NameResolutionError",
    "Failed to resolve",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "timed out",
    "Timeout",
    "ConnectTimeout",
    "ReadTimeout",
    "SSLError",
    "ProxyError",
    "ServiceError",
    "Network is unreachable",
    "Connection refused",
)


@dataclass
class Verdict:
    code: int  # 0 clean or not audited, 1 vulnerable, 2 audit error
    vulnerabilites: list[str] = field(default_factory=list)
    ignores: list[str] = field(default_factory=list)
    sautes: list[str] = field(default_factory=list)
    audites: int = 0
    injoignable: str = ""
    erreur: str = ""


def verdict(rapport: dict | None, returncode: int, stderr: str) -> Verdict:
    """What one pip-audit run says, from its JSON report, exit code and error output."""
    if rapport is None:
        if any(signe in stderr for signe in RESEAU):
            derniere = [ligne for ligne in stderr.strip().splitlines() if ligne.strip()]
            return Verdict(code=0, injoignable=derniere[-1] if derniere else "réseau")
        return Verdict(code=2, erreur=stderr.strip()[-2000:] or f"code de sortie {returncode}")
    resultat = Verdict(code=0)
    for dependance in rapport.get("dependencies", []):
        nom = f"{dependance.get('name')} {dependance.get('version', '')}".strip()
        if "skip_reason" in dependance:
            resultat.sautes.append(f"{nom} : {dependance['skip_reason']}")
            continue
        resultat.audites += 1
        for vuln in dependance.get("vulns", []):
            identifiants = {vuln.get("id"), *vuln.get("aliases", [])}
            correctifs = ", ".join(vuln.get("fix_versions", [])) or "aucune version corrigée"
            ligne = f"{nom} : {vuln.get('id')} (corrigé dans : {correctifs})"
            accepte = next((IGNOREES[i] for i in identifiants if i in IGNOREES), None)
            if accepte:
                resultat.ignores.append(f"{ligne} — accepté : {accepte}")
            else:
                resultat.vulnerabilites.append(ligne)
    if resultat.vulnerabilites:
        resultat.code = 1
    elif resultat.audites == 0 and resultat.sautes:
        exemple = resultat.sautes[0].split(" : ", 1)[-1]
        resultat.injoignable = (
            f"aucune réponse pour les {len(resultat.sautes)} paquets (« {exemple} » : "
            "l'API JSON par version n'est pas servie, miroir ou proxy ?)"
        )
    return resultat


def pip_audit(lock: Path, service: str) -> Verdict:
    with tempfile.TemporaryDirectory() as dossier:
        sortie = Path(dossier) / "rapport.json"
        commande = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(lock),
            "--require-hashes",
            "--disable-pip",
            "--vulnerability-service",
            service,
            "--timeout",
            str(DELAI_REQUETE),
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--output",
            str(sortie),
        ]
        try:
            fini = subprocess.run(
                commande, capture_output=True, text=True, timeout=DELAI_TOTAL, check=False
            )
        except subprocess.TimeoutExpired:
            return Verdict(code=0, injoignable=f"pas de réponse en {DELAI_TOTAL} s")
        rapport = None
        if sortie.exists() and sortie.stat().st_size:
            try:
                rapport = json.loads(sortie.read_text())
            except json.JSONDecodeError:
                rapport = None
        return verdict(rapport, fini.returncode, fini.stderr)


def auditer(lock: Path) -> Verdict:
    """The first service that answers decides; if none does, say why for each."""
    raisons = []
    for service in SERVICES:
        resultat = pip_audit(lock, service)
        if resultat.code or not resultat.injoignable:
            return resultat
        raisons.append(f"{service} : {resultat.injoignable}")
    resultat.injoignable = " ; ".join(raisons)
    return resultat


def main(locks: list[str]) -> int:
    pire = 0
    non_audites = []
    for nom in locks:
        lock = Path(nom)
        print(f"Audit des dépendances de {lock} (pip-audit)…")
        resultat = auditer(lock)
        for ligne in resultat.ignores:
            print(f"  vulnérabilité acceptée : {ligne}")
        if resultat.code == 2:
            print(
                f"ERREUR : pip-audit n'a pas pu lire {lock} :\n{resultat.erreur}", file=sys.stderr
            )
        elif resultat.code == 1:
            print(f"ÉCHEC : vulnérabilités connues dans {lock} :", file=sys.stderr)
            for ligne in resultat.vulnerabilites:
                print(f"  - {ligne}", file=sys.stderr)
            print(
                "  Mettre à jour la dépendance (pyproject.toml puis `make lock`), ou, si elle "
                "ne touche pas la plateforme, l'ajouter à IGNOREES dans .ci/audit_dependances.py "
                "avec la raison.",
                file=sys.stderr,
            )
        elif resultat.injoignable:
            non_audites.append(f"{lock} : {resultat.injoignable}")
        else:
            print(f"  {resultat.audites} paquets audités : aucune vulnérabilité connue.")
            if resultat.sautes:
                print(f"  non audités ({len(resultat.sautes)}) :")
                for ligne in resultat.sautes:
                    print(f"    - {ligne}")
        pire = max(pire, resultat.code)
    if non_audites:
        banniere = "!" * 78
        print(
            f"\n{banniere}\nAVERTISSEMENT : l'audit des dépendances N'A PAS PU ÊTRE FAIT, le "
            "service de vulnérabilités\nest injoignable depuis cette machine. Les "
            "vulnérabilités connues n'ont PAS été vérifiées :\n"
            + "\n".join(f"  - {ligne}" for ligne in non_audites)
            + "\nRelancer `make quality` avec un accès à pypi.org (API JSON) ou à api.osv.dev."
            f"\n{banniere}\n",
            file=sys.stderr,
        )
    return pire


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
