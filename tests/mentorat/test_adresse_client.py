"""The client's address behind the platform's reverse proxy (TRUSTED_PROXY_COUNT): rate limits,
charter signatures and the audit trail all see the real client, never a header it wrote."""

import re

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from mentorat.models import Partie
from mentorat.reseau import adresse_client
from parrainages.services import charte_emettre
from tests.mentorat.factories import UserFactory
from tests.parrainages.factories import ParrainageFactory
from tests.programmes.factories import ModeleCharteFactory

TROP = "Trop de tentatives de connexion échouées"
# nginx's $proxy_add_x_forwarded_for appends the address it saw to whatever the client sent.
PROXY = "127.0.0.1"


def requete(xff=None, remote=PROXY):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "xff", "remote", "attendu"),
    [
        # No proxy of ours: the header is the client's own writing and counts for nothing.
        (0, "198.51.100.1", "203.0.113.9", "203.0.113.9"),
        (0, None, "203.0.113.9", "203.0.113.9"),
        # One proxy: the last entry is what it saw; anything left of it is the client's.
        (1, "203.0.113.9", PROXY, "203.0.113.9"),
        (1, "198.51.100.1, 10.0.0.1, 203.0.113.9", PROXY, "203.0.113.9"),
        (1, "203.0.113.9:51234", PROXY, "203.0.113.9"),
        (1, "[2001:db8::7]:443", PROXY, "2001:db8::7"),
        (1, "2001:DB8:0::7", PROXY, "2001:db8::7"),
        # Two proxies (a load balancer, then nginx): the second entry from the right.
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.2", PROXY, "203.0.113.9"),
        # A request that did not come through the proxy: only the connecting address is known.
        (1, None, "192.0.2.4", "192.0.2.4"),
        (2, "203.0.113.9", "192.0.2.4", "192.0.2.4"),
        # Not an address at all.
        (1, "<script>", PROXY, None),
    ],
)
def test_adresse_client(settings, proxies, xff, remote, attendu):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert adresse_client(requete(xff, remote)) == attendu


@pytest.mark.django_db
def test_failed_logins_lock_the_client_not_everyone_behind_the_proxy(client, settings):
    """Ten wrong passwords from one client must not lock the login of another one, and a
    forged X-Forwarded-For must not let the first client escape its own limit."""
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("account_login")
    for i in range(10):
        client.post(
            url,
            {"login": f"inconnu{i}@example.org", "password": "mauvais"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    bloque = client.post(
        url,
        {"login": "autre@example.org", "password": "mauvais"},
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
    )
    assert TROP in bloque.content.decode()

    user = UserFactory(email="claire@example.org")
    user.set_password("motdepasse-de-test")
    user.save()
    user.emailaddress_set.create(email=user.email, verified=True, primary=True)
    ailleurs = client.post(
        url,
        {"login": "claire@example.org", "password": "motdepasse-de-test"},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert ailleurs.status_code == 302, ailleurs.content.decode()


@pytest.mark.django_db
def test_signature_and_audit_trail_record_the_real_client(
    client, settings, sceau, django_capture_on_commit_callbacks
):
    settings.TRUSTED_PROXY_COUNT = 1
    pair = ParrainageFactory(actif=True)
    ModeleCharteFactory(programme=pair.programme, texte="Charte {parrain} et {filleul}.")
    charte = charte_emettre(parrainage=pair)
    user = pair.filleul.user
    client.force_login(user)
    url = reverse("charte_detail", kwargs={"uuid": charte.uuid})
    forge = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "demander", "acceptation": "on"}, **forge)
    code = re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "confirmer", "code": code}, **forge)
    assert response.status_code == 302

    signature = Partie.objects.du_document(charte).get(role="filleul")
    assert signature.adresse_ip == "203.0.113.9"
    entree = LogEntry.objects.get_for_object(signature).exclude(remote_addr=None).get()
    assert entree.changes_dict["adresse_ip"][1] == "203.0.113.9"
    assert entree.remote_addr == "203.0.113.9"
    assert not LogEntry.objects.filter(remote_addr="6.6.6.6").exists()
