"""System checks of a production configuration (``DEBUG=False``): what Django's own
``check --deploy`` cannot know about this platform.

They run with every command that checks the project (``check``, ``migrate``…: the
``migrate`` service of docker compose refuses to start the others), not only with
``--deploy``, and say nothing in development.
"""

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

GUIDE = "docs/deploiement.md, « Certificat de scellement »"
# A certificate that expires this soon is a warning: time to order the next one.
PREAVIS_EXPIRATION = dt.timedelta(days=30)


def redis_configure(app_configs=None, **kwargs):
    if settings.DEBUG or settings.REDIS_URL:
        return []
    return [
        checks.Error(
            "REDIS_URL n'est pas défini : les tâches de fond (PDF des chartes, rapports, "
            "e-mails) s'exécuteraient dans le processus web, pendant les requêtes, et "
            "les tâches périodiques ne tourneraient pas.",
            hint="Indiquez l'adresse de Redis, par exemple REDIS_URL=redis://127.0.0.1:6379/0 "
            "(docker compose la fixe lui-même), et lancez un worker et un beat Celery : "
            "voir docs/deploiement.md.",
            id="mentorat.E001",
        )
    ]


def adresse_publique(app_configs=None, **kwargs):
    hote = (urlsplit(settings.SITE_URL).hostname or "").lower()
    if settings.DEBUG or hote not in {"", "localhost", "127.0.0.1", "::1"}:
        return []
    return [
        checks.Warning(
            f"SITE_URL vaut « {settings.SITE_URL} » : les liens des e-mails et des PDF "
            "(confirmation de compte, mot de passe oublié, signatures) mèneraient à cette "
            "machine, pas au site.",
            hint="Indiquez l'adresse publique, par exemple SITE_URL=https://mentorat.ville.fr "
            "(README, « Réglages »).",
            id="mentorat.W002",
        )
    ]


def certificat_de_scellement(app_configs=None, **kwargs):
    """The PKCS#12 file that seals charters' PDFs: there, readable, opened by its password,
    with a key and a certificate still valid."""
    if settings.DEBUG:
        return []
    chemin = Path(settings.SCEAU_CERTIFICAT)
    if not chemin.is_file():
        return [
            checks.Error(
                f"Certificat de scellement introuvable : {chemin} (SCEAU_CERTIFICAT). Sans "
                "lui, les chartes signées n'ont pas de PDF scellé.",
                hint=f"Installez le certificat de cachet de la ville à cet endroit, ou "
                f"indiquez son chemin dans SCEAU_CERTIFICAT ; voir {GUIDE}.",
                id="mentorat.E002",
            )
        ]
    try:
        donnees = chemin.read_bytes()
    except OSError as exc:
        return [
            checks.Error(
                f"Certificat de scellement illisible : {chemin} ({exc.strerror}).",
                hint="Le fichier doit être lisible par l'utilisateur de l'application "
                f"(uid 10001 dans l'image Docker) ; voir {GUIDE}.",
                id="mentorat.E003",
            )
        ]
    cle, certificat = _ouvrir(donnees, settings.SCEAU_MOT_DE_PASSE)
    if cle is None or certificat is None:
        return [
            checks.Error(
                f"Le certificat de scellement {chemin} ne s'ouvre pas : ce n'est pas un "
                "fichier PKCS#12 contenant une clé privée et son certificat, ou "
                "SCEAU_MOT_DE_PASSE n'est pas son mot de passe.",
                hint="Vérifiez le fichier (openssl pkcs12 -info -noout -in …) et le mot de "
                f"passe donné dans SCEAU_MOT_DE_PASSE ; voir {GUIDE}.",
                id="mentorat.E004",
            )
        ]
    fin = certificat.not_valid_after_utc
    maintenant = dt.datetime.now(dt.UTC)
    if fin <= maintenant:
        return [
            checks.Error(
                f"Le certificat de scellement {chemin} a expiré le {fin:%d/%m/%Y} : les PDF "
                "scellés avec lui ne seraient pas reconnus.",
                hint=f"Installez le certificat renouvelé ; voir {GUIDE}.",
                id="mentorat.E005",
            )
        ]
    if fin - maintenant < PREAVIS_EXPIRATION:
        return [
            checks.Warning(
                f"Le certificat de scellement {chemin} expire le {fin:%d/%m/%Y}.",
                hint=f"Commandez son renouvellement dès maintenant ; voir {GUIDE}.",
                id="mentorat.W001",
            )
        ]
    return []


def _ouvrir(donnees: bytes, mot_de_passe: str):
    """The private key and certificate of a PKCS#12 file, or (None, None)."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        cle, certificat, _ = pkcs12.load_key_and_certificates(
            donnees, mot_de_passe.encode() if mot_de_passe else None
        )
    except (ValueError, TypeError):
        return None, None
    return cle, certificat


def fournisseurs_en_https(app_configs=None, **kwargs):
    """FranceConnect's and ProConnect's addresses: https only (the ID token is trusted because
    it comes straight from the provider over TLS, OpenID Connect Core 1.0, § 3.1.3.7)."""
    if settings.DEBUG:
        return []
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    return [
        checks.Error(
            f"L'adresse de {app['name']} ({app['settings']['server_url']}) n'est pas en https.",
            hint="Indiquez l'adresse https donnée par la documentation du fournisseur "
            "(FRANCECONNECT_URL, PROCONNECT_URL : docs/connexion-franceconnect-proconnect.md).",
            id="mentorat.E006",
        )
        for app in apps
        if urlsplit(app["settings"].get("server_url", "")).scheme != "https"
    ]
