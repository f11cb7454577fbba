"""Shared by the browser tests: a signed-in session without going through the login pages."""

from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from mentorat.sessions import SessionStore
from tests.mentorat.factories import session_mfa


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
