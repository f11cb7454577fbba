"""The FranceConnect and ProConnect apps of allauth's OpenID Connect provider, as the settings
build them from the environment (and the tests from their local provider).

References (docs/connexion-franceconnect-proconnect.md):
- FranceConnect: https://docs.partenaires.franceconnect.gouv.fr/fs/fs-technique/ (scopes of
  the "identité pivot", ``acr_values=eidas1``, ``nonce``, signed userinfo, logout);
- ProConnect: https://partenaires.proconnect.gouv.fr/docs/fournisseur-service (scopes
  ``given_name usual_name email``, ``claims`` asking for ``acr`` and ``amr``, signed userinfo,
  logout).
"""

import json

# FranceConnect's "identité pivot" that the profile needs, and the e-mail address; no gender,
# no preferred_username (data minimisation).
SCOPES_FRANCECONNECT = [
    "openid",
    "given_name",
    "family_name",
    "birthdate",
    "birthplace",
    "birthcountry",
    "email",
]
SCOPES_PROCONNECT = ["openid", "email", "given_name", "usual_name"]
# ProConnect's levels of assurance that include a second factor (its documentation, "Exiger
# une authentification double facteur": the "acr" claim asked as essential with these values,
# then checked in the ID token): eIDAS substantial and high, and its own two levels.
ACR_PROCONNECT_MFA = (
    "eidas2",
    "eidas3",
    "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
    "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
)
# ProConnect sends "acr" and "amr" (how the person authenticated, "mfa" for a second factor)
# only when they are asked for in the "claims" parameter.
CLAIMS_PROCONNECT = json.dumps(
    {
        "id_token": {
            "acr": {"essential": True, "values": list(ACR_PROCONNECT_MFA)},
            "amr": {"essential": True},
            "auth_time": {"essential": True},
        }
    },
    separators=(",", ":"),
)


def apps_oidc(
    *,
    franceconnect: tuple[str, str, str] | None = None,
    proconnect: tuple[str, str, str] | None = None,
    acr_franceconnect: str = "eidas1",
) -> list[dict]:
    """allauth's ``APPS`` for the providers given as (client id, secret, issuer URL); a
    provider with a missing value is left out (off)."""
    apps = []
    if franceconnect and all(franceconnect):
        client_id, secret, url = franceconnect
        apps.append(
            {
                "provider_id": "franceconnect",
                "name": "FranceConnect",
                "client_id": client_id,
                "secret": secret,
                "settings": {
                    "server_url": url,
                    "token_auth_method": "client_secret_post",
                    "scope": SCOPES_FRANCECONNECT,
                    "auth_params": {"acr_values": acr_franceconnect},
                },
            }
        )
    if proconnect and all(proconnect):
        client_id, secret, url = proconnect
        apps.append(
            {
                "provider_id": "proconnect",
                "name": "ProConnect",
                "client_id": client_id,
                "secret": secret,
                "settings": {
                    "server_url": url,
                    "token_auth_method": "client_secret_post",
                    "scope": SCOPES_PROCONNECT,
                    "auth_params": {"claims": CLAIMS_PROCONNECT},
                },
            }
        )
    return apps
