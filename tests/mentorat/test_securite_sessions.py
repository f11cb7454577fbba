"""Sessions that end, personal pages never cached, logs without the tokens of e-mailed links."""

import logging
import time

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mentorat.journaux import MASQUE, JournalGunicorn, SansJetons, masquer_jetons
from mentorat.middleware import LAST_SEEN_SESSION_KEY
from tests.mentorat.factories import connecter, gestionnaire
from tests.parrainages.factories import FilleulFactory, ParrainFactory
from tests.partenaires.factories import MembreFactory

pytestmark = pytest.mark.django_db


def test_sessions_expire():
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert 0 < settings.STAFF_SESSION_IDLE_TIMEOUT <= 3600


# --- Cache-Control: no-store on personal pages -------------------------------------------------


def _pages_personnelles():
    filleul = FilleulFactory()
    parrain = ParrainFactory()
    membre = MembreFactory()
    return [
        (filleul.user, reverse("filleul:tableau_de_bord")),
        (filleul.user, reverse("filleul:donnees_json")),  # a download
        (parrain.user, reverse("parrain:tableau_de_bord")),
        (membre.user, reverse("partenaires:accueil")),
        (gestionnaire(), reverse("admin:index")),
        (gestionnaire(), reverse("admin:parrainages_parrainage_changelist")),
    ]


def test_personal_pages_are_never_stored(client):
    for user, url in _pages_personnelles():
        connecter(client, user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_public_pages_stay_cacheable_for_anonymous_visitors(client):
    response = client.get(reverse("programmes:accueil"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_public_page_seen_signed_in_is_not_stored(client):
    connecter(client, FilleulFactory().user)
    assert "no-store" in client.get(reverse("programmes:accueil"))["Cache-Control"]


# --- Idle staff sessions -----------------------------------------------------------------------


def _vieillir(client, secondes):
    """Move the session's login and last-seen times ``secondes`` into the past."""
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= secondes
    session["account_authentication_methods"] = records
    if LAST_SEEN_SESSION_KEY in session:
        session[LAST_SEEN_SESSION_KEY] -= secondes
    session.save()


def test_an_idle_staff_session_ends(client, settings):
    settings.STAFF_SESSION_IDLE_TIMEOUT = 30 * 60
    connecter(client, gestionnaire())
    _vieillir(client, 31 * 60)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/admin/"
    assert "_auth_user_id" not in client.session


def test_an_active_staff_session_goes_on_and_is_refreshed(client, settings):
    settings.STAFF_SESSION_IDLE_TIMEOUT = 30 * 60
    connecter(client, gestionnaire())
    _vieillir(client, 20 * 60)
    avant = time.time()
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.session[LAST_SEEN_SESSION_KEY] >= avant
    _vieillir(client, 20 * 60)  # 40 minutes since the login, 20 since the last request
    assert client.get(reverse("admin:index")).status_code == 200


def test_other_sessions_have_no_idle_limit(client, settings):
    settings.STAFF_SESSION_IDLE_TIMEOUT = 60
    filleul = FilleulFactory()
    connecter(client, filleul.user)
    assert client.get(reverse("filleul:tableau_de_bord")).status_code == 200


# --- No token of an e-mailed link in the logs --------------------------------------------------


def _liens_a_jeton():
    user = ParrainFactory().user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return {
        "invitation": (reverse("invitation", kwargs={"jeton": "Zm9v:1abc:sEcReT"}), "sEcReT"),
        "enquete": (reverse("enquete", kwargs={"jeton": "eyJwIjo:1x:sEcReT"}), "sEcReT"),
        "desabonnement": (reverse("desabonnement", kwargs={"jeton": "MTI:sEcReT"}), "sEcReT"),
        "parrain_activer": (
            reverse("parrain_activer", kwargs={"uidb64": uid, "token": token}),
            token,
        ),
        "compte_activer": (
            reverse("compte_activer", kwargs={"uidb64": uid, "token": token}),
            token,
        ),
        "reinitialisation": (
            reverse("account_reset_password_from_key", kwargs={"uidb36": "4", "key": "ab-sEcReT"}),
            "sEcReT",
        ),
    }


def test_link_tokens_are_masked():
    for nom, (chemin, secret) in _liens_a_jeton().items():
        masque = masquer_jetons(f'GET {chemin}?x=1 HTTP/1.1" 200')
        assert secret not in masque, nom
        assert MASQUE in masque, nom
    assert masquer_jetons("GET /filleul/ HTTP/1.1") == "GET /filleul/ HTTP/1.1"


def test_django_log_records_are_masked():
    chemin, secret = _liens_a_jeton()["enquete"]
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Bad Request: %s", (chemin,), None
    )
    assert SansJetons().filter(record)
    assert secret not in record.getMessage() and MASQUE in record.getMessage()
    # The filter sits on the handler every log line goes through.
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["sans_jetons"]


def test_gunicorn_access_log_is_masked():
    from types import SimpleNamespace

    from gunicorn.config import Config

    chemin, secret = _liens_a_jeton()["desabonnement"]
    journal = JournalGunicorn(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": chemin,
        "PATH_INFO": chemin,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://mentorat.example{chemin}",
    }
    reponse = SimpleNamespace(status="200 OK", sent=10, headers=[])
    duree = SimpleNamespace(seconds=0, microseconds=1000)
    atoms = journal.atoms(reponse, SimpleNamespace(headers=[]), environ, duree)
    assert all(secret not in atoms[cle] for cle in ("r", "U", "f"))
    assert MASQUE in atoms["r"]
