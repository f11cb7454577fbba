import json

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_all_up_in_process(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("sante"))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["statut"] == "ok"
    assert body["base_de_donnees"] == "ok"
    assert body["courtier"].startswith("désactivé")
    assert response["Cache-Control"].startswith("max-age=0")


def test_all_up_with_real_redis(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    response = client.get(reverse("sante"))
    assert response.status_code == 200
    assert json.loads(response.content)["courtier"] == "ok"


def test_broker_down_gives_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("sante"))
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body == {
        "base_de_donnees": "ok",
        "courtier": "indisponible",
        "statut": "indisponible",
    }


def test_database_down_gives_503(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("sante"))
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["base_de_donnees"] == "indisponible"
    assert body["statut"] == "indisponible"


def test_only_get(client):
    assert client.post(reverse("sante")).status_code == 405
