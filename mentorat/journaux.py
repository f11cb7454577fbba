"""Logs without secrets: the tokens of e-mailed links never reach a log line.

Some links sent by e-mail carry a token in their path (a referral invitation, an outcome
survey, one-click unsubscribe, a mentor's account activation or that of an account opened in
the admin, allauth's password reset and e-mail confirmation). Whoever reads the logs must not
be able to replay them: Django's log records go through ``SansJetons`` (``LOGGING`` in the
settings) and gunicorn's access log through ``JournalGunicorn`` (``--logger-class
mentorat.journaux.JournalGunicorn``).
"""

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

MASQUE = "[jeton]"

# Path prefixes (under the site root) followed by a token, up to the end of the path.
PREFIXES_A_JETON = (
    "invitation",
    "signature",
    "enquete",
    "comptes/desabonnement",
    "comptes/password/reset/key",
    "comptes/confirm-email",
    "comptes/activer",
    "parrain/activer",
)
_LIEN_A_JETON = re.compile(
    r"(/(?:" + "|".join(re.escape(p) for p in PREFIXES_A_JETON) + r")/)[^\s?#\"']+"
)


def masquer_jetons(texte: str) -> str:
    return _LIEN_A_JETON.sub(lambda m: m.group(1) + MASQUE, texte)


class SansJetons(logging.Filter):
    """A logging filter that masks link tokens in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masque = masquer_jetons(message)
        if masque != message:
            record.msg, record.args = masque, ()
        return True


class JournalGunicorn(GunicornLogger):
    """gunicorn's logger, with link tokens masked in the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            cle: masquer_jetons(valeur) if isinstance(valeur, str) else valeur
            for cle, valeur in atoms.items()
        }
