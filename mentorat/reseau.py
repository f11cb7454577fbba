"""The client's address, as the platform's own reverse proxies saw it.

Behind nginx or Caddy every request reaches gunicorn from the proxy, so ``REMOTE_ADDR`` is the
proxy's address. Each proxy appends the address it received the request from to
``X-Forwarded-For``; whatever a client wrote there itself stands to the left. With
``TRUSTED_PROXY_COUNT = n`` proxies of ours in front, the client is therefore the n-th entry
from the right, and nothing to its left is ever believed. With 0 (the default, no proxy), the
header is ignored altogether. Rate limits (allauth's included), signatures and the audit trail
all take the address from here.
"""

import ipaddress

from django.conf import settings


def _nettoyer(valeur: str) -> str | None:
    """A bare, normalised IP address, or None when the text is not one (ports removed)."""
    valeur = valeur.strip()
    if valeur.startswith("[") and "]" in valeur:  # [2001:db8::1]:443
        valeur = valeur[1 : valeur.index("]")]
    elif valeur.count(":") == 1:  # 203.0.113.9:443
        valeur = valeur.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(valeur))
    except ValueError:
        return None


def adresse_client(request) -> str | None:
    """The client's IP address, never taken from a header the client controls."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        entrees = [e for e in request.headers.get("X-Forwarded-For", "").split(",") if e.strip()]
        if len(entrees) >= proxies:
            return _nettoyer(entrees[-proxies])
        # Fewer entries than proxies: the request did not come through them all (a probe
        # inside the host, say). The connecting address is then the only one we know.
    return _nettoyer(request.META.get("REMOTE_ADDR") or "")
