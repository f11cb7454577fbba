"""Shared by the browser tests: the two screens every journey is walked on, and a signed-in
session without going through the login pages."""

from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from mentorat.sessions import SessionStore
from tests.mentorat.factories import session_mfa

# ``browser.new_context(**ECRANS[nom])``: a phone (the mentees' usual screen) and a laptop.
ECRANS = {
    "telephone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "ordinateur": {"viewport": {"width": 1366, "height": 768}},
}


def cookie_de_session(user, live_server) -> dict:
    """The session cookie of ``user`` signed in, past the second factor (the admin opens only
    after it), for ``browser_context.add_cookies``."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session_mfa(session, user)
    session.save()
    return {
        "name": django_settings.SESSION_COOKIE_NAME,
        "value": session.session_key,
        "url": live_server.url,
    }
