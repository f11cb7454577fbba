"""Pages run under the Content-Security-Policy: no script is blocked, on the site or the admin."""

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from mentorat.roles import sync_groups
from mentorat.sessions import SessionStore
from tests.mentorat.factories import gestionnaire, session_mfa
from tests.parrainages.factories import ParrainageFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def _session_cookie(user, live_server):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session_mfa(session, user)  # the admin opens only after the second factor
    session.save()
    return {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": session.session_key,
        "url": live_server.url,
    }


def test_no_script_blocked_by_the_policy(live_server, browser):
    sync_groups(apps)  # a transactional test: the groups of the migrations may be gone
    pair = ParrainageFactory(actif=True)
    staff = gestionnaire()
    context = browser.new_context()
    context.add_cookies([_session_cookie(staff, live_server)])
    page = context.new_page()
    blocked = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    for path in (
        "/",
        pair.programme.get_absolute_url(),
        "/admin/",
        "/admin/parrainages/parrainage/",
        f"/admin/parrainages/parrainage/{pair.pk}/change/",
        "/admin/programmes/programme/add/",
        "/admin/parrainages/parrainage/suivi/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
    context.close()
    assert blocked == []
