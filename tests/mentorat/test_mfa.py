"""Staff two-factor authentication: the admin opens only after the login's TOTP code."""

import html
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import NoReverseMatch, URLResolver, reverse

from mentorat.mfa import RETOUR_SESSION_KEY
from tests.mentorat.factories import (
    EmailAddressFactory,
    UserFactory,
    administrateur,
    connecter,
    gestionnaire,
    totp_activer,
)
from tests.parrainages.factories import FilleulFactory

pytestmark = pytest.mark.django_db

MOT_DE_PASSE = "motdepasse-de-test"
PAGE = "/admin/parrainages/parrainage/"


def code_de(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def texte(response) -> str:
    return html.unescape(response.content.decode())


def messages_de(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def equipier():
    """A staff member with a verified address (allauth requires one to set up TOTP)."""
    user = gestionnaire()
    EmailAddressFactory(user=user)
    return user


def se_connecter(client, user, suite=PAGE):
    return client.post(
        f"{reverse('account_login')}?next={suite}",
        {"login": user.email, "password": MOT_DE_PASSE},
    )


def test_admin_login_is_allauths_login_keeping_next(client):
    response = client.get(PAGE)
    assert response["Location"] == f"{reverse('admin:login')}?next={PAGE}"
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"{reverse('account_login')}?next=%2Fadmin%2Fparrainages%2Fparrainage%2F"
    )
    # The admin's own form is gone: posting credentials to it signs nobody in.
    response = client.post(reverse("admin:login"), {"username": "x@y.fr", "password": "z"})
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_admin_login_never_redirects_off_site(client, equipier):
    response = client.get(reverse("admin:login"), {"next": "https://ailleurs.example/"})
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_admin_login_is_rate_limited_like_allauths(client, equipier):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": equipier.email, "password": "mauvais"})
    response = se_connecter(client, equipier)
    assert "Trop de tentatives de connexion échouées" in texte(response)
    assert "_auth_user_id" not in client.session


def test_staff_without_totp_sets_it_up_then_reaches_the_page(
    client, equipier, django_capture_on_commit_callbacks
):
    """A first visit to the admin: the password typed once, at the login; the app's set-up
    comes next, not a second password (the login's is a recent enough proof)."""
    mots_de_passe_saisis = []
    envoyer = client.post

    def post(url, data=None, **kwargs):
        if data and "password" in data:
            mots_de_passe_saisis.append(url)
        return envoyer(url, data, **kwargs)

    client.post = post
    assert se_connecter(client, equipier)["Location"] == PAGE
    response = client.get(PAGE)
    response = client.get(response["Location"])
    assert response["Location"] == reverse("mfa_activate_totp")
    assert any("double authentification" in m for m in messages_de(response))
    assert client.session[RETOUR_SESSION_KEY] == PAGE

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200  # no detour by the password page
    contenu = texte(page)
    assert "application d'authentification" in contenu
    assert '<html lang="fr">' in contenu and "Vos données personnelles" in contenu

    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code_de(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=equipier, type="totp").exists()
    assert Authenticator.objects.filter(user=equipier, type="recovery_codes").exists()

    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200
    assert f'href="{PAGE}"' in codes.content.decode()  # back where they were going
    assert client.get(PAGE).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200
    assert mots_de_passe_saisis == [f"{reverse('account_login')}?next={PAGE}"]


def vieillir_la_connexion(client, secondes: float) -> None:
    """Move this session's authentication records ``secondes`` into the past."""
    session = client.session
    records = session["account_authentication_methods"]
    for record in records:
        record["at"] -= secondes
    session["account_authentication_methods"] = records
    session.save()


def test_an_older_login_asks_for_the_password_before_the_set_up(client, equipier, settings):
    """The login's password counts ACCOUNT_REAUTHENTICATION_TIMEOUT seconds, no longer: a
    session left open asks for it again before anyone sets up an app on the account."""
    se_connecter(client, equipier)
    vieillir_la_connexion(client, settings.ACCOUNT_REAUTHENTICATION_TIMEOUT + 1)
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": MOT_DE_PASSE})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    # Still no admin without the second factor.
    assert client.get(reverse("admin:index")).status_code == 302


def test_staff_with_totp_gives_the_code_at_login(client, equipier):
    secret = secret_de(equipier)
    response = se_connecter(client, equipier)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not signed in before the code
    response = client.post(reverse("mfa_authenticate"), {"code": code_de(secret)})
    assert response["Location"] == PAGE
    assert client.get(PAGE).status_code == 200


def secret_de(user) -> str:
    return decrypt(totp_activer(user).data["secret"])


def test_a_password_only_session_does_not_open_the_admin(client, equipier):
    secret = secret_de(equipier)
    connecter(client, equipier, mfa=False)  # TOTP set up, but this login did not use it
    response = client.get(PAGE, follow=True)
    reauthentification = (
        f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2Fparrainages%2Fparrainage%2F"
    )
    assert response.redirect_chain[-1][0] == reauthentification
    assert "code à six chiffres" in texte(response)
    # The code, typed now, opens it.
    response = client.post(reauthentification, {"code": code_de(secret)})
    assert response["Location"] == PAGE
    assert client.get(PAGE).status_code == 200


def test_force_login_alone_does_not_open_the_admin(client, equipier):
    client.force_login(equipier)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_keep_their_totp(client, equipier):
    secret = secret_de(equipier)
    connecter(client, equipier)
    client.post(reverse("mfa_reauthenticate"), {"code": code_de(secret)})  # a recent proof
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "demandez à un administrateur de la réinitialiser" in texte(response)
    assert Authenticator.objects.filter(user=equipier, type="totp").exists()


def test_non_staff_are_unaffected(client):
    filleul = FilleulFactory()
    client.force_login(filleul.user)
    assert client.get(reverse("filleul:tableau_de_bord")).status_code == 200
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("filleul:tableau_de_bord")
    assert "réservée à l'équipe" in texte(response)


def test_a_person_without_staff_status_is_not_asked_for_totp(client):
    user = UserFactory()
    EmailAddressFactory(user=user)
    response = se_connecter(client, user, suite="/espace/")
    assert response["Location"] == "/espace/"


def test_the_admin_never_shows_a_totp_secret(client, equipier):
    authenticator = totp_activer(equipier)
    connecter(client, administrateur())
    page = reverse("admin:mfa_authenticator_change", args=[authenticator.pk])
    response = client.get(page)
    assert response.status_code == 200
    assert authenticator.data["secret"] not in response.content.decode()
    assert client.post(page, {"data": "{}"}).status_code == 403
    # An administrator removes it (a lost phone): set up again at the next visit.
    suppression = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
    assert client.post(suppression, {"post": "yes"}).status_code == 302
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()


def test_set_up_again_after_a_lost_phone(client, equipier, django_capture_on_commit_callbacks):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(equipier)  # the old codes are kept; the app was removed
    connecter(client, equipier, mfa=False)
    # Signed in a quarter of an hour ago: the password again before the set-up.
    vieillir_la_connexion(client, 15 * 60)
    assert (
        client.get(PAGE, follow=True)
        .redirect_chain[-1][0]
        .startswith(reverse("account_reauthenticate"))
    )
    client.post(
        f"{reverse('account_reauthenticate')}?next={reverse('mfa_activate_totp')}",
        {"password": MOT_DE_PASSE},
    )
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code_de(secret)})
    assert response["Location"] == reverse("mfa_index")  # no new codes: the overview
    assert f'href="{PAGE}"' in client.get(reverse("mfa_index")).content.decode()
    assert client.get(PAGE).status_code == 200


def _pages_admin():
    """Every named admin URL, with ``1`` (or an app label) for its arguments."""

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns)
            elif p.name and p.name != "login":
                kwargs = {
                    nom: "parrainages" if nom == "app_label" else "1"
                    for nom in p.pattern.regex.groupindex
                }
                try:
                    yield reverse(f"admin:{p.name}", kwargs=kwargs)
                except NoReverseMatch:
                    continue

    return sorted(set(walk(admin.site.get_urls())))


def test_no_admin_page_opens_without_the_second_factor(client, equipier):
    totp_activer(equipier)
    connecter(client, equipier, mfa=False)
    pages = _pages_admin()
    assert len(pages) > 150
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        if page == reverse("admin:logout"):  # Django sends a refused logout to the index
            assert response["Location"] == reverse("admin:index")
        else:
            assert response["Location"].startswith(reverse("admin:login")), page
