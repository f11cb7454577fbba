"""Pages run under the Content-Security-Policy: no script is blocked, on the site or the admin."""

import pytest
from django.apps import apps

from mentorat.roles import sync_groups
from tests.e2e.helpers import cookie_de_session
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import ParrainageFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_no_script_blocked_by_the_policy(live_server, browser):
    sync_groups(apps)  # a transactional test: the groups of the migrations may be gone
    pair = ParrainageFactory(actif=True)
    staff = gestionnaire()
    context = browser.new_context()
    context.add_cookies([cookie_de_session(staff, live_server)])
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
