"""Settings for Mentorat, read from the environment.

The same module serves development, tests and production: production hardening follows
from ``DEBUG=False``, never from a separate settings file.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from mentorat.fournisseurs import apps_oidc

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Text messages written to the standard output (mentorat.envois) while no SMS provider is
# wired: always with DEBUG, otherwise only when asked for (never in production: they hold
# claim codes). See docs/deploiement.md.
SMS_CONSOLE = env.bool("SMS_CONSOLE", default=False)
# The SMS provider, Brevo (docs/sms.md): without a key, no provider (console as above, or no
# SMS channel at all: the pages then offer e-mail only).
BREVO_API_KEY = env("BREVO_API_KEY", default="")
BREVO_SMS_URL = env("BREVO_SMS_URL", default="https://api.brevo.com/v3/transactionalSMS/sms")
# The name text messages come from: 3 to 11 letters or digits (operators' rule).
SMS_EXPEDITEUR = env("SMS_EXPEDITEUR", default="Mentorat")
# Seconds to connect, then to wait for each read: a provider that hangs frees the worker soon.
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=5)
# Limits on verification codes beyond each account's (docs/sms.md, « Le numéro »): codes sent
# to one number whatever the account asking, codes sent by the whole platform in a day (SMS
# pumping: accounts opened to text numbers at the platform's expense), and accounts one number
# may be verified on (a household sharing a phone).
SMS_CODES_PAR_NUMERO_PAR_JOUR = env.int("SMS_CODES_PAR_NUMERO_PAR_JOUR", default=10)
SMS_CODES_PAR_JOUR = env.int("SMS_CODES_PAR_JOUR", default=500)
SMS_COMPTES_PAR_NUMERO = env.int("SMS_COMPTES_PAR_NUMERO", default=2)
# The secret Brevo sends with each inbound SMS (the webhook's bearer token); without it, the
# callback refuses everything.
BREVO_WEBHOOK_TOKEN = env("BREVO_WEBHOOK_TOKEN", default="")

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY est obligatoire quand DEBUG=False (voir le README, « En production »). "
            "En développement, lancez la commande avec DEBUG=1 (ou mettez DEBUG=1 dans .env)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address and name of the site, as e-mails and PDFs give them (never the address a
# request happened to reach, which behind a proxy may be 127.0.0.1:8000).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", default="Mentorat")

INSTALLED_APPS = [
    "mentorat.apps.MentoratAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "mentorat.apps.JournalAuditConfig",
    "django_filters",
    "django_celery_beat",
    "mentorat",
    "programmes",
    "parrainages",
    "partenaires",
]
# Demo and bulk data (seed_demo, seed_scale): a development-only app, on top of the others.
# Installed with DEBUG, or with DEMO=1 (benchmarks on production-like settings); it is not in
# the production image (.dockerignore), where DEBUG alone does not ask for it.
DEMO = env.bool("DEMO", default=DEBUG and (BASE_DIR / "demo").is_dir())
if DEMO:
    if not (BASE_DIR / "demo").is_dir():
        raise ImproperlyConfigured(
            "DEMO=1, mais l'application de démonstration (dossier demo/) est absente : elle "
            "n'entre pas dans l'image de production."
        )
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mentorat.middleware.SecurityHeadersMiddleware",
    "mentorat.televersements.RequeteBorneeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "mentorat.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mentorat.middleware.NullCharacterMiddleware",
    "mentorat.middleware.StaffIdleTimeoutMiddleware",
    "mentorat.middleware.PersonalPagesNoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mentorat.middleware.JournalAuditMiddleware",
]

ROOT_URLCONF = "mentorat.urls"
WSGI_APPLICATION = "mentorat.wsgi.application"
ASGI_APPLICATION = "mentorat.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Cached loaders in every environment: templates are read once per process.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]

# Database: SQLite file by default, PostgreSQL through psycopg 3 from DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    statement_timeout_ms = env.int("DB_STATEMENT_TIMEOUT_MS", default=30_000)
    # The planner's price of a random page read against a sequential one. PostgreSQL's default
    # (4) dates from spinning disks; on SSD storage 1.1 is the usual setting. With 4, the
    # admin's search by name preferred reading the 150,000 pairs and the 250,000 accounts
    # whole to a few thousand index lookups (benchmarks/README.md, « Recherche … »). A server
    # tuned already keeps its value with ``DB_RANDOM_PAGE_COST=`` (empty).
    random_page_cost = env.str("DB_RANDOM_PAGE_COST", default="1.1")
    # JIT compilation costs more than it saves on the portal's short report queries.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={statement_timeout_ms} -c jit=off"
        + (f" -c random_page_cost={float(random_page_cost)}" if random_page_cost else "")
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache and Celery broker. Without REDIS_URL, tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis's own backend, which keeps pages working while Redis is down.
            "BACKEND": "mentorat.cache.CacheRedisTolerante",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mentorat",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# PDFs (charters, reports) and the partners' figures (up to seconds of counting for a national
# partner) go to their own queue so that e-mails never wait behind them.
CELERY_TASK_ROUTES = {
    "parrainages.produire_charte_pdf": {"queue": "pdf"},
    "partenaires.*rapport*": {"queue": "pdf"},
    "partenaires.recompter_tableau*": {"queue": "pdf"},
}

# E-mail: console by default, any backend from EMAIL_URL (smtp://, smtp+tls://…).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that accepts connections and never answers must not hold a worker forever
# (requests never talk to it: every message goes through the outbox, sent by workers).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Mentorat <ne-pas-repondre@mentorat.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people write to the team (replies to the e-mails that invite one, pages that name it):
# the sender address above is read by no one.
CONTACT_EMAIL = env("CONTACT_EMAIL", default="contact@mentorat.local")

# Geocoding of the mentees' addresses, to find their priority neighbourhood (docs/qpv.md):
# "ban" asks the national address base (IGN Géoplateforme, network), "echantillon" reads the
# shipped sample of geocoded addresses (no network: development, demo, tests).
GEOCODAGE = env("GEOCODAGE", default="echantillon" if DEBUG else "ban")
GEOCODAGE_URL = env("GEOCODAGE_URL", default="https://data.geopf.fr/geocodage/search")
GEOCODAGE_DELAI = env.float("GEOCODAGE_DELAI", default=3.0)
GEOCODAGE_SCORE_MIN = env.float("GEOCODAGE_SCORE_MIN", default=0.6)

# Users and authentication.
AUTH_USER_MODEL = "mentorat.User"
AUTHENTICATION_BACKENDS = [
    # Permissions only (one query instead of ModelBackend's two): first, so that the others
    # answer from what it read (mentorat/permissions.py).
    "mentorat.permissions.PermissionsEnUneRequete",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/espace/"
ACCOUNT_ADAPTER = "mentorat.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "mentorat.forms.InscriptionForm"
# Password reset only to verified addresses (an account claimed with a mistyped address).
ACCOUNT_FORMS = {"reset_password": "mentorat.reinitialisation.ReinitialisationForm"}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Before a security change (setting up the authenticator app, showing recovery codes), a
# password typed less than this long ago, at the login or a reauthentication, is enough
# (mentorat.adapter.AccountAdapter.is_reauthentication_required): time to install the app.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 10 * 60
# FranceConnect (job seekers) and ProConnect (partner members, staff) through allauth's OpenID
# Connect provider (mentorat/connexion.py, docs/connexion-franceconnect-proconnect.md). Each is
# off unless its client id, secret and issuer URL are all set; no button shows while it is off.
SOCIALACCOUNT_ADAPTER = "mentorat.connexion.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # matching by e-mail is decided per provider
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the provider vouches for the address
SOCIALACCOUNT_LOGIN_ON_GET = False  # a POST starts the login (no cross-site trigger)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "provider_class": "mentorat.connexion.FournisseurOIDC",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": apps_oidc(
            franceconnect=(
                env("FRANCECONNECT_CLIENT_ID", default=""),
                env("FRANCECONNECT_CLIENT_SECRET", default=""),
                env("FRANCECONNECT_URL", default=""),
            ),
            proconnect=(
                env("PROCONNECT_CLIENT_ID", default=""),
                env("PROCONNECT_CLIENT_SECRET", default=""),
                env("PROCONNECT_URL", default=""),
            ),
            acr_franceconnect=env("FRANCECONNECT_ACR", default="eidas1"),
        ),
    }
}
MFA_ADAPTER = "mentorat.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Mentorat"

# Sessions: at most SESSION_COOKIE_AGE after the last change of the session, and gone when the
# browser closes; staff sessions (the admin holds everyone's data) also end after
# STAFF_SESSION_IDLE_TIMEOUT without a request. Stored in the database with the account each
# belongs to (mentorat.sessions), so that erasing an account deletes all its sessions.
SESSION_ENGINE = "mentorat.sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
STAFF_SESSION_IDLE_TIMEOUT = env.int("STAFF_SESSION_IDLE_TIMEOUT", default=30 * 60)

# Audit trail (django-auditlog): the models are registered by their apps (``journaliser``).
# Changes are stored as text, foreign keys as ids: no name of a related person is copied.
AUDITLOG_STORE_JSON_CHANGES = False
AUDITLOG_USE_FK_STRING_REPRESENTATION = False

# Internationalisation: a French interface.
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static files and storage. Generated documents (charters, reports) live in private
# storage, outside MEDIA_ROOT, and are only served by views that check access.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The certificate that seals generated PDFs (PKCS#12), kept outside the repository.
SCEAU_CERTIFICAT = Path(
    env("SCEAU_CERTIFICAT", default=str(BASE_DIR / "var" / "certs" / "sceau.p12"))
)
SCEAU_MOT_DE_PASSE = env("SCEAU_MOT_DE_PASSE", default="")
# Bounded uploads (mentorat/televersements.py): a request body announced larger than
# REQUETE_TAILLE_MAX is refused (413) before it is read; a file past TELEVERSEMENT_TAILLE_MAX
# is no longer stored, and its form refuses it. The reverse proxy sets the same body limit.
REQUETE_TAILLE_MAX = env.int("REQUETE_TAILLE_MAX", default=10 * 1024 * 1024)
TELEVERSEMENT_TAILLE_MAX = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # form fields other than files (Django's default)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger files go to a temporary file until handled
FILE_UPLOAD_HANDLERS = [
    "mentorat.televersements.TeleversementBorneHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Largest PDF accepted on the public verification page.
VERIFICATION_TAILLE_MAX = 5 * 1024 * 1024

# Data retention (GDPR), in days; the reasons are in docs/registre-des-traitements.md.
# Job seekers and mentors: anonymised after this long without any activity (two years after
# the last contact, as the CNIL recommends for candidates), warned this many days before.
RETENTION_INACTIVITE_JOURS = env.int("RETENTION_INACTIVITE_JOURS", default=730)
RETENTION_PREAVIS_JOURS = env.int("RETENTION_PREAVIS_JOURS", default=30)
# Sign-ups whose e-mail address was never verified, invitations never taken up: deleted.
RETENTION_NON_VERIFIE_JOURS = env.int("RETENTION_NON_VERIFIE_JOURS", default=7)
# Outbox rows: address and content emptied this long after they were written.
RETENTION_ENVOIS_JOURS = env.int("RETENTION_ENVOIS_JOURS", default=365)
# Audit trail entries: deleted after three years (a partnership agreement's usual term, over
# which staff and partners may need to know who changed what).
RETENTION_JOURNAL_JOURS = env.int("RETENTION_JOURNAL_JOURS", default=1095)
# Company managers of a selection week (name, e-mail): anonymised one year after the session's
# last day (the cohort's jury and first pairs are long over; their scores stay, unnamed).
RETENTION_EVALUATEURS_JOURS = env.int("RETENTION_EVALUATEURS_JOURS", default=365)
if not 0 < RETENTION_PREAVIS_JOURS < RETENTION_INACTIVITE_JOURS:
    raise ImproperlyConfigured(
        "RETENTION_PREAVIS_JOURS doit être positif et inférieur à RETENTION_INACTIVITE_JOURS."
    )
if (
    min(
        RETENTION_NON_VERIFIE_JOURS,
        RETENTION_ENVOIS_JOURS,
        RETENTION_JOURNAL_JOURS,
        RETENTION_EVALUATEURS_JOURS,
    )
    < 1
):
    raise ImproperlyConfigured(
        "RETENTION_NON_VERIFIE_JOURS, RETENTION_ENVOIS_JOURS, RETENTION_JOURNAL_JOURS et "
        "RETENTION_EVALUATEURS_JOURS doivent être positifs."
    )

# Reverse proxies of ours in front of gunicorn (nginx, Caddy: 1). The client's address is the
# one the outermost of them saw (mentorat/reseau.py): rate limits, signatures and the audit
# trail use it. 0: no proxy, X-Forwarded-For is ignored (a client could write anything there).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT doit être positif ou nul.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# Daily limits against abuse (mentorat.limites), per local day. Referral invitations go to
# any address: per partner member and per partner. Report requests fill the PDF queue: per
# partner member, per partner (requests of its members) and per staff member. Password
# re-checks of the account-deletion form: per account.
LIMITE_INVITATIONS_MEMBRE_JOUR = env.int("LIMITE_INVITATIONS_MEMBRE_JOUR", default=50)
LIMITE_INVITATIONS_PARTENAIRE_JOUR = env.int("LIMITE_INVITATIONS_PARTENAIRE_JOUR", default=200)
LIMITE_RAPPORTS_MEMBRE_JOUR = env.int("LIMITE_RAPPORTS_MEMBRE_JOUR", default=10)
LIMITE_RAPPORTS_PARTENAIRE_JOUR = env.int("LIMITE_RAPPORTS_PARTENAIRE_JOUR", default=30)
LIMITE_RAPPORTS_EQUIPE_JOUR = env.int("LIMITE_RAPPORTS_EQUIPE_JOUR", default=100)
LIMITE_SUPPRESSION_ESSAIS_JOUR = env.int("LIMITE_SUPPRESSION_ESSAIS_JOUR", default=10)
if (
    min(
        LIMITE_INVITATIONS_MEMBRE_JOUR,
        LIMITE_INVITATIONS_PARTENAIRE_JOUR,
        LIMITE_RAPPORTS_MEMBRE_JOUR,
        LIMITE_RAPPORTS_PARTENAIRE_JOUR,
        LIMITE_RAPPORTS_EQUIPE_JOUR,
        LIMITE_SUPPRESSION_ESSAIS_JOUR,
    )
    < 1
):
    raise ImproperlyConfigured("Les limites quotidiennes (LIMITE_…_JOUR) doivent être positives.")

# Production hardening, on whenever DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    # The tokens of e-mailed links (invitation, survey, unsubscribe, activation) never reach
    # a log line, even in "Not Found: /enquete/…" warnings.
    "filters": {"sans_jetons": {"()": "mentorat.journaux.SansJetons"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "simple",
            "filters": ["sans_jetons"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Requests with an unknown Host header are scanners' noise, not errors of ours.
        "django.security.DisallowedHost": {"level": "CRITICAL", "propagate": False},
    },
}

# Demo data password, for the logins that seed_demo prints.
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-mentorat-2026")
