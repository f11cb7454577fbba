"""A staff member's first visit to the admin: sign in (the password typed once), set up the
authenticator app, keep the recovery codes, reach the page asked for; then the next login asks
for the code — axe-core on every page."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.apps import apps

from mentorat.roles import sync_groups
from tests.mentorat.factories import EmailAddressFactory, gestionnaire

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

PAGE = "/admin/parrainages/parrainage/"


def code_totp(secret: str, decalage: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + decalage))


def se_connecter(page, live_server, axe, email):
    page.goto(f"{live_server.url}{PAGE}")
    page.wait_for_url(re.compile(r"/comptes/login/\?next="))
    axe(page)
    page.get_by_label("Courriel").fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill("motdepasse-de-test")
    page.get_by_role("button", name="Connexion").click()


def test_staff_first_visit_then_next_login(live_server, browser, axe, settings):
    # A code is accepted once: the second login uses the next period's (allowed by 1 step).
    settings.MFA_TOTP_TOLERANCE = 1
    sync_groups(apps)  # a transactional test: the groups of the migrations may be gone
    staff = gestionnaire()
    EmailAddressFactory(user=staff)
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    se_connecter(page, live_server, axe, staff.email)

    # The set-up page straight away: the password just typed is a recent enough proof.
    page.wait_for_url(re.compile(r"/comptes/2fa/totp/activate/$"))
    assert page.get_by_text("double authentification").first.is_visible()
    axe(page)
    assert page.get_by_role("heading", name="Activer la double authentification").is_visible()
    assert page.get_by_role("img", name=re.compile("Code QR")).is_visible()
    secret = page.locator("#cle-totp").inner_text().strip()
    page.get_by_label(re.compile("Code")).fill(code_totp(secret))
    page.get_by_role("button", name="Activer").click()

    page.wait_for_url(re.compile(r"/comptes/2fa/recovery-codes/$"))
    axe(page)
    assert page.get_by_label("Codes non utilisés").input_value().count("\n") >= 9
    page.get_by_role("link", name=re.compile("continuer vers l'administration")).click()
    page.wait_for_url(re.compile(f"{PAGE}$"))
    assert page.get_by_role("heading", name=re.compile("parrainage", re.I)).first.is_visible()
    context.close()

    # Next time, in a new browser: the code after the password, then the page.
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    se_connecter(page, live_server, axe, staff.email)
    page.wait_for_url(re.compile(r"/comptes/2fa/authenticate/$"))
    axe(page)
    page.get_by_label(re.compile("Code")).fill(code_totp(secret, decalage=1))
    page.get_by_role("button", name=re.compile("Se connecter|Connexion|Confirmer")).click()
    page.wait_for_url(re.compile(f"{PAGE}$"))
    context.close()
