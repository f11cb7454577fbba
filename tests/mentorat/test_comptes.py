"""Accounts: login by e-mail, rate limits, password reset, no account enumeration."""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.mentorat.factories import UserFactory

pytestmark = pytest.mark.django_db


def verified_user(**kwargs):
    from allauth.account.models import EmailAddress

    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_login_then_routed_to_own_space(client):
    user = verified_user()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "motdepasse-de-test"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("espace")
    # No mentee profile yet: the first profile step.
    assert client.get(reverse("espace"))["Location"] == reverse(
        "filleul:profil", kwargs={"etape": 1}
    )


def test_failed_logins_are_rate_limited(client):
    user = verified_user()
    limited = "Trop de tentatives de connexion échouées"
    for attempt in range(5):
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "mauvais"}
        )
        assert limited not in html.unescape(response.content.decode()), attempt
    # Even the right password is refused while the limit holds.
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "motdepasse-de-test"}
    )
    assert limited in html.unescape(response.content.decode())
    assert "_auth_user_id" not in client.session


def test_password_reset_by_link_and_no_enumeration(client, settings):
    user = verified_user()
    known = client.post(reverse("account_reset_password"), {"email": user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "inconnu@exemple.fr"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 2  # the unknown address gets a neutral notice, not an error
    link = re.search(r"https?://\S+/comptes/password/reset/key/\S+", mail.outbox[0].body)[0]
    path = link.removeprefix(settings.SITE_URL)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    done = client.post(
        action, {"password1": "nouveau-mot-de-passe-42", "password2": "nouveau-mot-de-passe-42"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nouveau-mot-de-passe-42")


def test_login_page_is_french_and_in_the_site_layout(client):
    content = html.unescape(client.get(reverse("account_login")).content.decode())
    assert '<html lang="fr">' in content
    assert "Mot de passe oublié" in content
    assert "Vos données personnelles" in content  # the site's own footer


def test_the_verification_email_carries_no_name_typed_at_sign_up(client):
    """Anyone may sign up with someone else's address: the e-mail that address receives must
    not carry the names typed in the form (spam or phishing through our server)."""
    appat = "Remboursement CAF 480 € sur caf-remboursement.example"
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": appat,
            "last_name": "http://caf-remboursement.example/formulaire",
            "email": "victime@exemple.fr",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["victime@exemple.fr"]
    corps = message.body + "".join(str(contenu) for contenu, _type in message.alternatives)
    assert "caf-remboursement" not in corps + message.subject
    assert "Remboursement" not in corps
    assert re.search(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$", message.body, re.MULTILINE)
    assert "Mentorat" in corps and "ignorez ce message" in corps


def test_account_emails_name_the_configured_site_not_the_request_host(client, settings):
    settings.SITE_URL = "https://parrainage.ville.example"
    settings.SITE_NAME = "Parrainage Ville"
    user = verified_user()
    client.post(reverse("account_reset_password"), {"email": user.email})
    client.post(
        reverse("account_signup"),
        {
            "first_name": "Awa",
            "last_name": "Diallo",
            "email": "nouvelle@exemple.fr",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    reinitialisation, confirmation = mail.outbox
    assert re.search(
        r"^https://parrainage\.ville\.example/comptes/password/reset/key/\S+$",
        reinitialisation.body,
        re.MULTILINE,
    )
    assert "un compte sur Parrainage Ville (https://parrainage.ville.example)" in (
        confirmation.body
    )
    for message in (reinitialisation, confirmation):
        assert message.subject.startswith("[Parrainage Ville] ")
        assert "L'équipe Parrainage Ville\nhttps://parrainage.ville.example" in message.body
        assert "testserver" not in message.body and "127.0.0.1" not in message.body


def test_the_unknown_account_email_links_to_the_public_address(client, settings):
    """A password reset asked for an address with no account: its sign-up link is on the
    public address too, not the host the request reached."""
    settings.SITE_URL = "https://parrainage.ville.example"
    settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
    client.post(reverse("account_reset_password"), {"email": "personne@exemple.fr"})
    (message,) = mail.outbox
    liens = re.findall(r"https?://\S+", message.body)
    assert liens and all(lien.startswith("https://parrainage.ville.example") for lien in liens)
    assert "testserver" not in message.body
