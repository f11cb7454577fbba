"""Text messages through Brevo's transactional SMS API (docs/sms.md).

``POST {BREVO_SMS_URL}`` (https://api.brevo.com/v3/transactionalSMS/sms), header ``api-key``,
JSON ``{"sender", "recipient", "content", "type": "transactional", "tag"}``; 201 with
``{"reference", "messageId", "smsCount", "usedCredits", "remainingCredits"}`` when accepted,
400 with ``{"code", "message"}`` when refused. Reference:
https://developers.brevo.com/reference/sendtransacsms

The outbox decides what is retried (mentorat.envois): a timeout, a connection refused, a 5xx,
a 429 (too many requests) or a refusal of the account itself (401, 402, 403: key revoked,
credits spent) is transient; any other 4xx is a refusal of this message for good (a number the
operator rejects, a sender name refused: staff see the reason on the row; the e-mail goes
instead where it can). The timeouts are short: a provider that hangs holds a worker
``SMS_TIMEOUT`` seconds at most per read, never the outbox run.
"""

import logging

import requests
from django.conf import settings

from .envois import EnvoiRefuse, NumeroInvalide, sms_texte
from .models import Envoi

logger = logging.getLogger(__name__)

# 401 (key unknown or revoked), 402 (not enough credits), 403 (account or IP not allowed).
PANNES_DU_COMPTE = {401, 402, 403}


class SmsPassager(ConnectionError):
    """The provider could not take the message now (retried with a backoff)."""


def configure() -> bool:
    """Whether a provider is configured (an API key in the environment)."""
    return bool(getattr(settings, "BREVO_API_KEY", ""))


def _numero(e164: str) -> str:
    # Brevo takes the number with its country code, without the « + » (33612345678).
    return e164.lstrip("+")


def sms_envoyer(envoi: Envoi, contexte: dict, jointes: list) -> None:
    """Hand one text message to Brevo; raise SmsPassager or EnvoiRefuse when it is not taken."""
    corps = {
        "sender": settings.SMS_EXPEDITEUR,
        "recipient": _numero(envoi.email),
        "content": sms_texte(envoi, contexte),
        "type": "transactional",
        "tag": envoi.regle,
    }
    try:
        reponse = requests.post(
            settings.BREVO_SMS_URL,
            json=corps,
            headers={"api-key": settings.BREVO_API_KEY, "accept": "application/json"},
            timeout=(settings.SMS_TIMEOUT, settings.SMS_TIMEOUT),
            allow_redirects=False,
        )
    except requests.Timeout as exc:
        raise SmsPassager(f"Brevo n'a pas répondu à temps ({settings.SMS_TIMEOUT} s).") from exc
    except requests.RequestException as exc:
        raise SmsPassager(f"Brevo injoignable : {exc.__class__.__name__}.") from exc
    if reponse.status_code in (200, 201):
        logger.info("SMS %s accepté par Brevo (%s).", envoi.pk, _message_id(reponse))
        return
    raison = _raison(reponse)
    if reponse.status_code == 429 or reponse.status_code >= 500:
        raise SmsPassager(f"Brevo indisponible (HTTP {reponse.status_code}) : {raison}")
    if reponse.status_code in PANNES_DU_COMPTE:
        # The key revoked, the credits spent: every message fails until staff fix the
        # account, none is at fault. Retried like an outage, and loud.
        logger.error("Brevo refuse tout envoi (HTTP %s) : %s", reponse.status_code, raison)
        raise SmsPassager(f"Compte Brevo inutilisable (HTTP {reponse.status_code}) : {raison}")
    if reponse.status_code == 400 and _numero_en_cause(raison):
        raise NumeroInvalide(f"Brevo refuse le numéro (HTTP 400) : {raison}")
    raise EnvoiRefuse(f"Brevo refuse le SMS (HTTP {reponse.status_code}) : {raison}")


def _numero_en_cause(raison: str) -> bool:
    raison = raison.lower()
    return any(mot in raison for mot in ("recipient", "phone", "number", "mobile", "numéro"))


def _message_id(reponse) -> str:
    try:
        return str(reponse.json().get("messageId", ""))
    except ValueError:
        return ""


def _raison(reponse) -> str:
    try:
        donnees = reponse.json()
    except ValueError:
        return reponse.text[:200] or reponse.reason or ""
    if isinstance(donnees, dict):
        return " — ".join(str(donnees[k]) for k in ("code", "message") if donnees.get(k))[:500]
    return str(donnees)[:200]
