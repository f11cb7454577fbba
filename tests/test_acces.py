"""Who may open each URL: a matrix over every URL pattern of the site.

The test walks the URL configuration and fails when a pattern has no entry here, so a new page
cannot ship without saying who may see it. Other people's objects answer 404, never 403.
The Django admin and allauth's account pages are covered by their own tests.

Staff sign in as after their TOTP code (``connecter``); "gestionnaire_sans_mfa" is the same
kind of account signed in with its password alone (``force_login``): its staff rights do not
count, so it sees what a stranger sees, and where staff would see more it is sent to its
second factor first (``SECOND_FACTEUR``).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.acces import LOGIN, MATRICE, ROLES, SECOND_FACTEUR, monde_creer
from tests.mentorat.factories import connecter

pytestmark = pytest.mark.django_db


@pytest.fixture
def monde(private_storage_dir):
    return monde_creer()


COUVERTS_AILLEURS = ("admin/", "comptes/")


def _motifs():
    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(
                    p.url_patterns,
                    prefix + str(p.pattern),
                    ns + (f"{p.namespace}:" if p.namespace else ""),
                )
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), ns + (p.name or "")

    return list(walk(get_resolver().url_patterns))


# Report files: a member of the partner downloads them, anyone else gets a 404 (their own test
# builds a produced report: tests/partenaires/test_portail.py).
FICHIERS_PROTEGES = {"partenaires:rapport_fichier"}


def test_every_url_has_an_entry():
    manquants = [
        (route, nom)
        for route, nom in _motifs()
        if nom not in MATRICE
        and not (
            route.startswith(COUVERTS_AILLEURS)
            and nom
            not in ("preferences", "telephone", "desabonnement", "inscription", "compte_activer")
        )
        and nom not in FICHIERS_PROTEGES
    ]
    assert not manquants, f"URL sans entrée dans la matrice d'accès : {manquants}"


@pytest.mark.parametrize("nom", sorted(MATRICE))
def test_access(client, monde, nom):
    construire, attendus = MATRICE[nom]
    url = construire(monde)
    obtenus = {}
    etape_mfa = (reverse("mfa_activate_totp"), reverse("mfa_reauthenticate"))
    for role in ROLES:
        client.logout()
        if role == "gestionnaire_sans_mfa":
            client.force_login(monde["users"][role])
        elif role != "anonyme":
            connecter(client, monde["users"][role])
        reponse = client.get(url)
        code = reponse.status_code
        if code == 302 and reponse["Location"].startswith(reverse("account_login")):
            code = LOGIN
        elif code == 302 and reponse["Location"].startswith(etape_mfa):
            code = SECOND_FACTEUR
        obtenus[role] = code
    assert obtenus == attendus
