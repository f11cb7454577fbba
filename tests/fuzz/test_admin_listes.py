"""Every admin list, every filter and action, hostile input: never a 5xx (issue #13, point 9).

For each registered ModelAdmin, the parameters of its list filters, its search, page and
ordering, and its date hierarchy are sent values no form would: quotes, 30 and 5,001 digits,
signs, superscripts, impossible dates, a NUL character. The answer is the list (200), Django's
``?e=1`` redirect to the unfiltered list, or a 400 for a NUL character. Each of its actions is
then posted with a selection that is not a list of ids: the list comes back with a message.
The database is unchanged.
"""

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse

from tests.parrainages.factories import MatchingRunFactory

from . import monde as fabrique
from .banc import difference, instantane

pytestmark = pytest.mark.django_db

VALEURS = ["'", "9" * 30, "²", "\x00"]
# Search, page and ordering: a few more (400 search words, a 5,001-digit page).
EN_PLUS = {"q": ["a " * 400, "%_\\"], "p": ["9" * 5001, "-1"], "o": ["-", "1.2.x"]}


def _hierarchies(champ):
    return [
        {f"{champ}__year": "9" * 23},
        {f"{champ}__year": "9999"},
        {f"{champ}__year": "9999", f"{champ}__month": "12", f"{champ}__day": "31"},
        {f"{champ}__year": "1"},
        {f"{champ}__year": "2026", f"{champ}__month": "9" * 25},
        {f"{champ}__year": "2026", f"{champ}__month": "0"},
    ]


SELECTIONS = ["abc", "9" * 30, "1\x00", "9" * 5001, "²", ""]


def _requete(user, url):
    requete = RequestFactory().get(url)
    requete.user = user
    requete.session = {}
    requete._messages = FallbackStorage(requete)
    return requete


def _parametres(model_admin, user, url):
    """The query string parameters the changelist reads, as its filters declare them."""
    liste = model_admin.get_changelist_instance(_requete(user, url))
    noms = [p for spec in liste.filter_specs for p in spec.expected_parameters()]
    return [*noms, "q", "p", "o"], liste.date_hierarchy


def _actions(model_admin, user, url) -> list[str]:
    return list(model_admin.get_actions(_requete(user, url)))


def test_hostile_query_strings_on_every_admin_list(client_administrateur):
    fabrique.construire()
    MatchingRunFactory(simulation=False)
    client = client_administrateur
    client.raise_request_exception = False  # a 500 is counted, not raised
    echecs = []
    avant = instantane()
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        parametres, hierarchie = _parametres(model_admin, client.user, url)
        essais = [{nom: valeur} for nom in parametres for valeur in VALEURS + EN_PLUS.get(nom, [])]
        if hierarchie:
            essais += _hierarchies(hierarchie)
        for params in essais:
            reponse = client.get(url, params)
            attendus = (400,) if any("\x00" in v for v in params.values()) else (200, 302)
            if reponse.status_code not in attendus:
                echecs.append((url, {k: v[:20] for k, v in params.items()}, reponse.status_code))
            elif reponse.status_code == 302:
                assert reponse["Location"] == f"{url}?e=1", (url, params)
        for action in _actions(model_admin, client.user, url):
            for selection in SELECTIONS:
                donnees = {"action": action, "_selected_action": [selection], "index": "0"}
                reponse = client.post(url, donnees)
                if reponse.status_code >= 500:
                    echecs.append((url, action, selection[:20], reponse.status_code))
    diff = difference(avant, instantane())
    assert set(diff) <= {"sessions.Session"}, diff
    assert not echecs, echecs
