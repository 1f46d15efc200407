"""Settings for SerwerSMS Contacts, twelve-factor style.

Every value comes from the environment (or an optional `.env` file beside
manage.py); `.env.example` documents each variable. A developer needs none:
`make run` switches DEBUG on. With DEBUG off, SECRET_KEY is required.
"""

import base64
import hashlib
import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
import structlog
from django.core.exceptions import ImproperlyConfigured

from contacts_ui import logs

BASE_DIR = Path(__file__).resolve().parent.parent


class _Env(environ.Env):
    """django-environ, except that a variable set to nothing (as `HTTPS_ONLY=` is in a
    copied .env.example) means its default, not false, zero or an empty value."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        if default is not environ.Env.NOTSET and not self.ENVIRON.get(var, "x").strip():
            return default
        return super().get_value(var, cast=cast, default=default, parse_default=parse_default)


env = _Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key-do-not-use")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (for development, set DEBUG=true)."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django's own form widget templates, for FORM_RENDERER below.
    "django.forms",
    "django_htmx",
    # Prometheus metrics of requests by view, status and latency (its middleware below).
    "django_prometheus",
    "axes",
    # Two-factor sign-in (contacts_ui.second_factor): the devices, their checks and admin.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "django_tasks",
    "django_tasks_db",
    "contacts_ui",
    # Always installed so that its tables exist; its URLs are mounted only
    # when SANDBOX is on (see webapp/urls.py).
    "contacts_ui.sandbox",
]

MIDDLEWARE = [
    # Outermost: every request counted and timed, by view and status (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Then the request's id, bound to every log line and sent back on every response, and
    # its one log line (contacts_ui.logs).
    "contacts_ui.logs.RequestLogMiddleware",
    # /healthz and /readyz answered before the HTTPS redirect and the Host check, for load
    # balancers probing over plain HTTP with an IP address (contacts_ui.health).
    "contacts_ui.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (a 50-row list shrinks about sevenfold); static files are whitenoise's,
    # compressed ahead. Django's GZip pads its output against BREACH, and CSRF tokens are
    # masked anew on every response.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "contacts_ui.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second step.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "contacts_ui.middleware.HtmxLoginRedirectMiddleware",
    # A person who still owes the second step of signing in opens nothing else.
    "contacts_ui.middleware.SecondFactorMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "contacts_ui.context_processors.site",
            ],
        },
    },
]

# Widgets render with the templates above, so that one of ours (a widget's template in
# templates/) is found beside Django's.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data ---------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Keep connections open between requests (a new PostgreSQL connection costs
# tens of milliseconds), checked before reuse.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the task worker share one file: a writer waits its turn
    # (BEGIN IMMEDIATE, up to 20 s) instead of failing at once with "database is locked",
    # and with a write-ahead log, readers never wait for a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# django-environ passes `?key_prefix=` on in lower case, which Django's Redis backend ignores.
if "key_prefix" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = CACHES["default"].pop("key_prefix")
# Redis down degrades pages, never breaks them (contacts_ui.cache); a connection it does not
# answer is given up on quickly.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "contacts_ui.cache.ForgivingRedisCache"
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 0.5)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 0.5)
# The cache is shared by every process only when it lives outside them (Redis).
CACHE_SHARED = CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"

# --- Auth and sessions --------------------------------------------------------

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out user or address is refused before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, whose signed-in user comes with their API credentials and
    # list preferences (one query instead of three a request).
    "contacts_ui.auth.UserWithSettingsBackend",
    # The company's identity provider (OpenID Connect); it answers only its own callback.
    "contacts_ui.company_sign_in.CompanySignInBackend",
]

# --- E-mail (invitations) -------------------------------------------------------------

# Where e-mail goes: smtp+tls://user:password@host:587 (STARTTLS), smtp+ssl://...:465 (TLS
# from the start), smtp://host:25, or consolemail:// (printed, the default: development).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SerwerSMS Contacts <no-reply@localhost>")
# How long an invitation's link may be used (once).
INVITATION_DAYS = env.int("INVITATION_DAYS", default=7)
# The invitation's link is a password-reset token of its own (contacts_ui.invitations); the
# app has no password reset by e-mail, so the tokens' lifetime is the invitation's.
PASSWORD_RESET_TIMEOUT = INVITATION_DAYS * 24 * 60 * 60

# Two-factor sign-in (contacts_ui.second_factor): "" lets each person choose, "all" makes
# everyone set it up, "managers" only Managers and superusers.
REQUIRE_2FA = env.str("REQUIRE_2FA", default="").strip().lower()
if REQUIRE_2FA not in ("", "all", "managers"):
    raise ImproperlyConfigured("REQUIRE_2FA must be empty, all or managers.")
# The name the authenticator app shows for the account.
OTP_TOTP_ISSUER = "SerwerSMS Contacts"

# Sign-in with the company's identity provider (contacts_ui.company_sign_in), by OpenID
# Connect through mozilla-django-oidc, whose setting names these are. On when
# OIDC_RP_CLIENT_ID is set; the endpoints are those of the provider's discovery document
# (https://<issuer>/.well-known/openid-configuration). The secret is read here and nowhere
# shown or logged.
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
# The client's secret sent in an Authorization header (client_secret_basic) rather than
# in the token request's body (client_secret_post).
OIDC_TOKEN_USE_BASIC_AUTH = env.bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10  # seconds for each call to the identity provider
OIDC_AUTHENTICATION_CALLBACK_URL = "contacts_ui:company_sign_in_callback"
# The button's words: "Sign in with <OIDC_PROVIDER_NAME>".
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your company account")
# Whether someone the identity provider knows but this application does not gets a login
# (with no role until a superuser or the role claim gives one), or is turned away.
OIDC_CREATE_USER = env.bool("OIDC_CREATE_USERS", default=True)
# The claim that carries a person's role (roles, groups, or a dotted path such as
# realm_access.roles); empty: a superuser gives the role. OIDC_ROLE_VALUES maps each role to
# the claim's value for it; by default the role's own name.
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="")
OIDC_ROLE_VALUES = env.dict("OIDC_ROLE_VALUES", default={})
if set(OIDC_ROLE_VALUES) - {"Viewer", "Editor", "Manager"}:
    raise ImproperlyConfigured("OIDC_ROLE_VALUES names the roles Viewer, Editor and Manager.")
# Off: nobody signs in with a password (the company's identity provider alone).
PASSWORD_SIGN_IN = env.bool("PASSWORD_SIGN_IN", default=True)
if not PASSWORD_SIGN_IN and not OIDC_RP_CLIENT_ID:
    raise ImproperlyConfigured(
        "PASSWORD_SIGN_IN=false needs OIDC_RP_CLIENT_ID, or none may sign in."
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A session ends after this long without a request. A request renews it when it was last
# renewed over SESSION_RENEW_SECONDS ago (contacts_ui.middleware.SessionRenewalMiddleware),
# not on every request: one database write a minute at most, not one a page.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=60) * 60
SESSION_RENEW_SECONDS = 60
# Sessions are read from the cache when it is shared (Redis), and always written through to
# the database; with a cache private to each process, from the database alone (a logout in
# one process must end the session in every other).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_SHARED
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_HTTPONLY = True
# htmx reads the CSRF token from the page (base.html), never from the cookie.
CSRF_COOKIE_HTTPONLY = True

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed logins for one username
# from one address, or from one address whatever the usernames, further tries of that pair
# or from that address are refused for LOGIN_LOCKOUT_MINUTES. A username is not locked
# everywhere, so that no one can lock its owner out by flooding it from elsewhere. A good
# login clears only its own username's failures from its own address (contacts_ui.auth),
# never those against another username: axes' own reset would clear the whole address.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "contacts_ui.views.login.locked_out"

# --- HTTPS and browser protections -------------------------------------------

# Production serves only HTTPS: redirect plain HTTP, secure cookies, HSTS.
HTTPS_ONLY = env.bool("HTTPS_ONLY", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS_ONLY)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind a load balancer that ends TLS: trust its X-Forwarded-Proto (for the
# HTTPS redirect) and X-Forwarded-For (for login throttling by address). Only
# when the proxy sets both headers itself, or a client could forge them.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
# How many proxies stand in front; the client's address is the X-Forwarded-For entry the
# outermost of them appended (contacts_ui.auth.client_address).
PROXY_COUNT = env.int("PROXY_COUNT", default=1)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AXES_CLIENT_IP_CALLABLE = "contacts_ui.auth.client_address"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts, styles and everything else
# from this site only; no inline script or style, no eval, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Language and time --------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------

STATIC_URL = "static/"
# Where collectstatic gathers them (a build step; the benchmarks use a folder of their own).
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- The SerwerSMS API --------------------------------------------------------

# Empty means: the embedded sandbox when SANDBOX is on, else the production API.
SERWERSMS_API_URL = env("SERWERSMS_API_URL", default="")
SERWERSMS_PRODUCTION_URL = "https://api2.serwersms.pl/"
# The embedded sandbox, as the app calls it when SERWERSMS_API_URL is empty: this server on
# loopback, at the PORT it listens on (`make run` and Procfile platforms set PORT). Never
# from a request's Host header, which a client chooses: the server would post, with the
# user's API secret, to any port of an allowed host name.
PORT = env.int("PORT", default=8000)
SANDBOX_API_URL = f"http://127.0.0.1:{PORT}/sandbox/api/"
SERWERSMS_CONNECT_TIMEOUT = env.float("SERWERSMS_CONNECT_TIMEOUT", default=3.0)
# 30 s, as the provider's own clients wait (the PHP, Python and Node clients alike).
SERWERSMS_READ_TIMEOUT = env.float("SERWERSMS_READ_TIMEOUT", default=30.0)
# A read (index, view, check) that fails on the way (no connection, no answer in
# time, HTTP 5xx) is asked again this many times, after 0.2 s, 0.4 s, ...;
# a write (add, edit, delete) never is.
SERWERSMS_READ_RETRIES = env.int("SERWERSMS_READ_RETRIES", default=2)
# The most a page waits on the API, all its calls and retries together: past it, the page
# says so (its input kept) rather than hold a server thread. Background jobs have no limit.
SERWERSMS_REQUEST_BUDGET = env.float("SERWERSMS_REQUEST_BUDGET", default=45.0)
SERWERSMS_RETRY_BACKOFF = env.float("SERWERSMS_RETRY_BACKOFF", default=0.2)


def _key_from_secret_key(secret_key: str) -> str:
    """A development Fernet key derived from SECRET_KEY; production sets CREDENTIALS_KEYS."""
    digest = hashlib.sha256(("credentials:" + secret_key).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


# Fernet keys for the stored API secrets, newest first; older keys still decrypt.
CREDENTIALS_KEYS = env.list("CREDENTIALS_KEYS", default=[]) or [_key_from_secret_key(SECRET_KEY)]
CREDENTIALS_KEYS_FROM_ENV = bool(env.list("CREDENTIALS_KEYS", default=[]))

# History entries (and so the trash) older than this many days are removed by
# `manage.py prune_history` (run it daily, e.g. from cron or a scheduler).
HISTORY_RETENTION_DAYS = env.int("HISTORY_RETENTION_DAYS", default=90)

# The group list (filter sidebar, group pickers) is cached per user this many seconds
# (contacts_ui.group_list); every write through the app makes it be read afresh at once.
# What changes at SerwerSMS by other means shows after this long at most. 0 turns it off.
GROUP_LIST_CACHE_SECONDS = env.int("GROUP_LIST_CACHE_SECONDS", default=60)

# --- Background work (contacts_ui.jobs) ----------------------------------------
# Bulk actions, imports, merges and scans run in the task worker (`manage.py
# jobs_worker`; the Procfile's worker line), queued in the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# How many API calls one job makes at a time: a few, to be quick without
# pressing the provider's unpublished rate limit.
BULK_CONCURRENCY = env.int("BULK_CONCURRENCY", default=5)
# A running job whose worker has said nothing for this long was stopped (killed, say): a
# worker takes it over (manage.py jobs_worker looks every JOB_TAKEOVER_CHECK_SECONDS). A
# running worker says it is at it every 5 s, whatever its calls are waiting on.
JOB_ABANDONED_AFTER_SECONDS = env.float("JOB_ABANDONED_AFTER_SECONDS", default=60.0)
JOB_TAKEOVER_CHECK_SECONDS = env.float("JOB_TAKEOVER_CHECK_SECONDS", default=15.0)
# Uploads larger than this are refused before they are read.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
# The most rows one import takes.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
# The rows one call of the provider's bulk import (contacts/import) takes, for an import
# into a new group: the size `make contract` confirms (question 10). A call refused is
# sent again in halves (so an API that takes fewer works, at more calls).
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=500)

# --- Health ---
# /healthz (the process answers) and /readyz (database, cache, migrations, a task worker),
# contacts_ui.health. /readyz counts a worker as there when its heartbeat (every 5 s,
# manage.py jobs_worker) is at most this old.
WORKER_SEEN_SECONDS = env.int("WORKER_SEEN_SECONDS", default=60)
# django-health-check: its page template for /readyz in a browser.
INSTALLED_APPS += ["health_check"]

# --- The embedded sandbox API -------------------------------------------------

SANDBOX = env.bool("SANDBOX", default=DEBUG)
# In production the sandbox is a risk: its demo account's token and password are public (the
# Makefile), and anyone's calls to it compete with the app's own. With DEBUG off it is served
# only when asked for in so many words (a demo).
SANDBOX_IN_PRODUCTION = env.bool("SANDBOX_IN_PRODUCTION", default=False)
if SANDBOX and not DEBUG and not SANDBOX_IN_PRODUCTION:
    raise ImproperlyConfigured(
        "SANDBOX is on with DEBUG off: the sandbox's demo credentials are public and anyone's "
        "calls to it slow the app's own. Switch SANDBOX off, or set SANDBOX_IN_PRODUCTION=true "
        "to serve it anyway (a demo)."
    )
# A client address whose sign-ins to the sandbox fail this many times is answered "wrong login
# or password" (1001) without a check, until this many seconds after its first failure
# (contacts_ui/sandbox/views.py): guesses at a password or token are bounded per address.
SANDBOX_AUTH_FAILURE_LIMIT = 20
SANDBOX_AUTH_FAILURE_WINDOW_SECONDS = 600
# The provider's other plausible behaviours the sandbox plays (contacts_ui/sandbox/variants.py),
# comma-separated; empty: the sandbox's own, which the application is built for.
SANDBOX_PROVIDER = env.list("SANDBOX_PROVIDER", default=[])
SANDBOX_LATENCY_MS = env.int("SANDBOX_LATENCY_MS", default=0)
SANDBOX_FAILURE_RATE = env.float("SANDBOX_FAILURE_RATE", default=0.0)
SANDBOX_FAILURE_MODES = env.list(
    "SANDBOX_FAILURE_MODES", default=["http500", "timeout", "malformed", "api_error", "disconnect"]
)
# How long the "timeout" fault keeps a caller waiting: past the app's read time-out (30 s),
# so that the app does time out.
SANDBOX_TIMEOUT_SECONDS = env.float("SANDBOX_TIMEOUT_SECONDS", default=35.0)

# Error reports leave out the local variables that hold API secrets.
DEFAULT_EXCEPTION_REPORTER_FILTER = "contacts_ui.reporting.SecretSafeExceptionReporterFilter"

# --- Metrics -----------------------------------------------------------------------
# /metrics (contacts_ui.views.prometheus): Prometheus metrics of requests, API calls and jobs.
# Answered to the addresses in METRICS_ALLOWED_IPS (networks; by default this machine only),
# or to `Authorization: Bearer <METRICS_TOKEN>` over HTTPS (empty: no token is taken).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
try:
    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(network.strip(), strict=False) for network in METRICS_ALLOWED_IPS
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {error}") from None
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# A Prometheus on the office network scrapes an instance directly, over plain HTTP, by the
# allow-list (the token is refused there).
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
# The per-view figures without django-prometheus's per-model and migration gauges.
PROMETHEUS_EXPORT_MIGRATIONS = False

# --- Logging and error reporting -------------------------------------------------
# One line per request and per API call (contacts_ui.logs), each with the request's id, which
# the X-Request-ID header and the error pages show. Every logger, Django's and structlog's
# alike, writes through one formatter: `json` (one object a line, for a log collector) or
# `console` (readable, for a developer). No secret, phone number or e-mail address is logged;
# the formatter masks any that slips into a line all the same.

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or console.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"lines": {"()": "contacts_ui.logs.formatter", "output": LOG_FORMAT}},
    "handlers": {
        # On stderr, as Python logs by default: stdout is what a management command prints
        # (its results, read by scripts and tests). gunicorn, systemd's journal and Procfile
        # platforms collect both streams.
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "lines",
        },
        # Errors mailed to ADMINS, as Django's own logging does (contacts_ui.reporting).
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's lines go to the root's handler; only its mail is its own (Django's default
        # console handler would print each line twice with DEBUG on).
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # The development server's request lines, which Django keeps from the root logger.
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
structlog.configure(
    processors=logs.STRUCTLOG_PROCESSORS,
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

# Errors reported to Sentry when SENTRY_DSN is set (contacts_ui.error_reporting), scrubbed as
# the logs are. The DSN is a secret (it lets anyone send events): read here and kept in no
# setting, so that no error report or settings listing shows it.
if env.str("SENTRY_DSN", default=""):
    from contacts_ui import error_reporting

    error_reporting.start(
        env.str("SENTRY_DSN"),
        environment=env.str("SENTRY_ENVIRONMENT", default=""),
        release=env.str("SENTRY_RELEASE", default=""),
        # The share of requests traced for performance: none unless asked for.
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
