"""Settings for factcheck, read from the environment (12-factor).

Every variable is documented in README.md ("Configuration"). Defaults are safe
for production (DEBUG off, HTTPS on); `make run` turns DEBUG on for the demo.
"""

from datetime import timedelta
import ipaddress
import os
from pathlib import Path
import re

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = env_str(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_seconds(name: str, default: float) -> float:
    raw = env_str(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number of seconds.") from None
    if not value > 0:
        raise ImproperlyConfigured(f"{name} must be more than 0 seconds.")
    return value


def env_rate(name: str, default: str) -> str | None:
    """A request rate as DRF reads it ("60/min": requests per s, min, hour or day), or None for "off"."""
    raw = env_str(name, default).strip()
    if raw.lower() == "off":
        return None
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", raw):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate: use requests/period, e.g. 60/min, or off.")
    return raw


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_tasks_db",
    "annotations",
]

MIDDLEWARE = [
    # First: times every request, gives it an id, writes its log line and metrics, and answers the
    # probes (/healthz, /readyz) and /metrics before the HTTPS redirect and the host check.
    "annotations.observe.observe_requests",
    "django.middleware.security.SecurityMiddleware",
    "annotations.middleware.refuse_nul_characters",
    "annotations.api.middleware.release_api_view",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "annotations.languages.user_language",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a refused log-in into the lockout page (LoginView, admin).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "factcheck.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "annotations.context_processors.review",
                "annotations.context_processors.catalogue",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "factcheck.wsgi.application"

# Database: DATABASE_URL, default an SQLite file in the project root.
_database_url = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"


def database_from_url(name: str, url: str) -> dict:
    """A DATABASES entry from the URL in the variable `name`, with factcheck's connection options."""
    try:
        database = dj_database_url.parse(
            url,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"{name} could not be read ({exc}). Use sqlite:///path/to/db.sqlite3 "
            "or postgres://user:password@host:5432/dbname."
        ) from None
    if database["ENGINE"] not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            f"{name} uses {database['ENGINE']}; factcheck supports sqlite:// and postgres:// only."
        )
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Write transactions take the lock when they begin, so a read-check-write never races.
        options["transaction_mode"] = "IMMEDIATE"
        # A write that meets another one waits for the lock (up to this many seconds) instead of failing
        # with "database is locked"; no request holds it long (imports segment before their transaction).
        options["timeout"] = env_int("DJANGO_SQLITE_BUSY_TIMEOUT", 20)
        # WAL: readers never wait for a writer, and a commit appends to the log instead of syncing the
        # file twice. With synchronous=NORMAL a power cut can lose the last commits, never corrupt the file;
        # production runs on PostgreSQL. Connections are kept (CONN_MAX_AGE) as on PostgreSQL.
        options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        return database
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # PostgreSQL: the values travel apart from the SQL text, and a statement that a connection runs
        # a fifth time is prepared: later runs skip parsing and planning (a page's 500 annotation ids
        # would otherwise be parsed as one long literal each time). Turn it off behind a connection
        # pooler in transaction mode that does not track prepared statements.
        options.update(server_side_binding=True, prepare_threshold=5)
    # Desk search's misspelling fallback (db.search_fuzzy): how alike a query word and a word of a
    # title or quote must be (pg_trgm's word_similarity, 0-1) for the trigram index to return it.
    # pg_trgm's default, 0.6, misses "Huwei" for "Huawei" (0.44); 0.4 still keeps unrelated words out.
    options["options"] = f"{options.get('options', '')} -c pg_trgm.word_similarity_threshold=0.4".strip()
    return database


DATABASES = {"default": database_from_url("DATABASE_URL", _database_url)}

# A read replica (PostgreSQL streaming replication): the heavy reads go there (annotations.replicas,
# README "Scaling out"), unless the reader wrote within FACTCHECK_READ_YOUR_WRITES_SECONDS or the
# replica is down or more than FACTCHECK_REPLICA_MAX_LAG_SECONDS behind; every process looks again
# after FACTCHECK_REPLICA_CHECK_SECONDS.
FACTCHECK_READ_YOUR_WRITES_SECONDS = env_int("FACTCHECK_READ_YOUR_WRITES_SECONDS", 10)
FACTCHECK_REPLICA_MAX_LAG_SECONDS = env_seconds("FACTCHECK_REPLICA_MAX_LAG_SECONDS", 5)
FACTCHECK_REPLICA_CHECK_SECONDS = env_seconds("FACTCHECK_REPLICA_CHECK_SECONDS", 5)
if FACTCHECK_READ_YOUR_WRITES_SECONDS < 1:
    raise ImproperlyConfigured("FACTCHECK_READ_YOUR_WRITES_SECONDS must be at least 1.")
_replica_url = env_str("DATABASE_REPLICA_URL")
if _replica_url:
    _replica = database_from_url("DATABASE_REPLICA_URL", _replica_url)
    if not _replica["ENGINE"] == DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL for both: DATABASE_URL the primary, "
            "DATABASE_REPLICA_URL a streaming replica of it (postgres://…)."
        )
    # A replica that does not answer is skipped after this many seconds, not waited for.
    _replica["OPTIONS"]["connect_timeout"] = env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)
    # Tests: the replica's test database is the primary's, copied by replication; never created.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["annotations.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "annotations.replicas.read_your_writes",
    )

# Cache: the API's request counts. The default local-memory cache is per process, so with N gunicorn
# workers a client gets up to N times its rate; db://<table> shares the counts through the database
# (run `manage.py createcachetable` once). Log-in failures are in the database either way.
_cache_url = env_str("DJANGO_CACHE_URL", "locmem://")
if _cache_url == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif re.fullmatch(r"db://[A-Za-z_][A-Za-z0-9_]*", _cache_url):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": _cache_url[5:]}}
else:
    raise ImproperlyConfigured(
        f"DJANGO_CACHE_URL={_cache_url!r} is not understood: use locmem:// (per process) or db://<table name>."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed log-ins (the login page, the admin and the API token endpoint) are counted by django-axes
# in the database, so every worker sees them. Its backend comes first and refuses a locked-out
# attempt before ModelBackend hashes the password: a refused guess costs no hashing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Wrong passwords for one username from one address, and from one address for any usernames
# (a newsroom behind one NAT address shares the second); annotations.logins.LoginFailures.
FACTCHECK_LOGIN_FAILURE_LIMIT = env_int("FACTCHECK_LOGIN_FAILURE_LIMIT", 10)
FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30)
# A lock ends this many minutes after the last attempt (each refused attempt starts the wait
# again); 0: only an unlock lifts it (editors: Locked log-ins; admin; manage.py axes_reset_username / axes_reset_ip).
FACTCHECK_LOGIN_COOLOFF_MINUTES = env_int("FACTCHECK_LOGIN_COOLOFF_MINUTES", 15)
if FACTCHECK_LOGIN_FAILURE_LIMIT < 1 or FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS < 1:
    raise ImproperlyConfigured(
        "FACTCHECK_LOGIN_FAILURE_LIMIT and FACTCHECK_LOGIN_FAILURE_LIMIT_PER_ADDRESS must be at least 1."
    )
if FACTCHECK_LOGIN_COOLOFF_MINUTES < 0:
    raise ImproperlyConfigured("FACTCHECK_LOGIN_COOLOFF_MINUTES must be 0 (until unlocked) or more minutes.")
AXES_HANDLER = "annotations.logins.LoginFailures"
AXES_FAILURE_LIMIT = FACTCHECK_LOGIN_FAILURE_LIMIT
# In this order: LoginFailures reads the pair's count first, the address's second.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=FACTCHECK_LOGIN_COOLOFF_MINUTES) if FACTCHECK_LOGIN_COOLOFF_MINUTES else None
AXES_CLIENT_IP_CALLABLE = "annotations.logins.client_address"
AXES_LOCKOUT_CALLABLE = "annotations.views.login_locked_out"
# The failures are what axes is for; a row per successful log-in (address, browser) kept forever is not.
AXES_DISABLE_ACCESS_LOG = True

# API tokens are refused this many hours after they were issued (0: never); a new log-in issues a new one.
FACTCHECK_TOKEN_TTL_HOURS = env_int("FACTCHECK_TOKEN_TTL_HOURS", 720)
if FACTCHECK_TOKEN_TTL_HOURS < 0:
    raise ImproperlyConfigured("FACTCHECK_TOKEN_TTL_HOURS must be 0 (tokens never expire) or more hours.")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "annotations:article-list"
LOGOUT_REDIRECT_URL = "login"

# The interface in English and Urdu (languages.py; the catalogues in locale/, `make messages`).
# The API and the exports stay English whatever the interface's language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ur", "اردو")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["factcheck.formats"]  # Urdu's date and number formats
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic writes and WhiteNoise serves from (DEBUG off).
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or not env_bool("DJANGO_STATIC_MANIFEST", True)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: article files are read in memory and refused above the import limit.
FACTCHECK_MAX_ARTICLE_BYTES = env_int("FACTCHECK_MAX_ARTICLE_BYTES", 1_000_000)
# One upload of many articles (POST /api/v1/imports/): at most this many, of at most this much text.
FACTCHECK_MAX_IMPORT_ARTICLES = env_int("FACTCHECK_MAX_IMPORT_ARTICLES", 1_000)
FACTCHECK_MAX_IMPORT_BYTES = env_int("FACTCHECK_MAX_IMPORT_BYTES", 5_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(FACTCHECK_MAX_ARTICLE_BYTES, FACTCHECK_MAX_IMPORT_BYTES) * 2 + 100_000
FILE_UPLOAD_MAX_MEMORY_SIZE = FACTCHECK_MAX_ARTICLE_BYTES + 100_000
# An import of more text than this (in bytes) is not segmented in the request: it becomes a
# background import (a task run by `manage.py db_worker`) whose progress the page and the API show.
FACTCHECK_IMPORT_INLINE_BYTES = env_int("FACTCHECK_IMPORT_INLINE_BYTES", 200_000)
# Processes that segment a background import's articles side by side (0: one per CPU).
FACTCHECK_IMPORT_PROCESSES = env_int("FACTCHECK_IMPORT_PROCESSES", 0)
if min(FACTCHECK_MAX_IMPORT_ARTICLES, FACTCHECK_MAX_IMPORT_BYTES, FACTCHECK_IMPORT_INLINE_BYTES) < 1:
    raise ImproperlyConfigured("FACTCHECK_MAX_IMPORT_* and FACTCHECK_IMPORT_INLINE_BYTES must be at least 1.")
if FACTCHECK_IMPORT_PROCESSES < 0:
    raise ImproperlyConfigured("FACTCHECK_IMPORT_PROCESSES must be 0 (one per CPU) or more.")

# Fetching web pages (annotations/fetching.py: article imports from a URL, source archiving).
# Private, loopback and other non-public addresses are refused unless this is on (tests, intranets).
FACTCHECK_FETCH_ALLOW_PRIVATE = env_bool("FACTCHECK_FETCH_ALLOW_PRIVATE", False)
# Seconds to connect, seconds any one read may wait, and seconds for the whole fetch with its redirects.
FACTCHECK_FETCH_CONNECT_TIMEOUT = env_seconds("FACTCHECK_FETCH_CONNECT_TIMEOUT", 5)
FACTCHECK_FETCH_READ_TIMEOUT = env_seconds("FACTCHECK_FETCH_READ_TIMEOUT", 10)
FACTCHECK_FETCH_DEADLINE = env_seconds("FACTCHECK_FETCH_DEADLINE", 20)

# manage.py backup / restore on PostgreSQL run pg_dump and pg_restore from this directory (default: the
# PATH, then the newest /usr/lib/postgresql/<version>/bin). They must be at least the server's version.
FACTCHECK_PG_BIN = env_str("FACTCHECK_PG_BIN")

# Background work (large imports) runs as Django tasks stored in the database; `manage.py db_worker`
# (started by `make run`) runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# /readyz: the worker counts as missing when its heartbeat (a task it runs every fifth of this time)
# is older than this many seconds, or a task has waited this long; 0 leaves the worker out of /readyz.
FACTCHECK_WORKER_STALE_SECONDS = env_int("FACTCHECK_WORKER_STALE_SECONDS", 300)
if FACTCHECK_WORKER_STALE_SECONDS != 0 and FACTCHECK_WORKER_STALE_SECONDS < 10:
    raise ImproperlyConfigured("FACTCHECK_WORKER_STALE_SECONDS must be 0 (not checked) or at least 10 seconds.")

# /metrics (Prometheus) answers the client addresses in these networks (DJANGO_PROXY_COUNT decides
# which address is the client's), and any caller with `Authorization: Bearer <FACTCHECK_METRICS_TOKEN>`.
_metrics_addresses = env_str("FACTCHECK_METRICS_ADDRESSES", "127.0.0.1,::1")
try:
    FACTCHECK_METRICS_NETWORKS = tuple(
        ipaddress.ip_network(item.strip(), strict=False) for item in _metrics_addresses.split(",") if item.strip()
    )
except ValueError as exc:
    raise ImproperlyConfigured(
        f"FACTCHECK_METRICS_ADDRESSES={_metrics_addresses!r}: {exc}. Use addresses or networks, "
        "comma-separated (10.0.0.0/8,::1), or leave it empty for none."
    ) from None
FACTCHECK_METRICS_TOKEN = env_str("FACTCHECK_METRICS_TOKEN")
if FACTCHECK_METRICS_TOKEN and len(FACTCHECK_METRICS_TOKEN) < 24:
    raise ImproperlyConfigured(
        "FACTCHECK_METRICS_TOKEN is shorter than 24 characters: use a long random one "
        "(python -c 'import secrets; print(secrets.token_urlsafe(32))'), or leave it empty."
    )

# Four-eyes rule: an editor may not review their own verdict unless this is on.
FACTCHECK_ALLOW_SELF_APPROVAL = env_bool("FACTCHECK_ALLOW_SELF_APPROVAL", False)

# The fact-checking organisation named as author of published ClaimReviews: publishing needs both
# (`check --deploy` warns when one is missing; the demo, with DEBUG on, has a name of its own).
FACTCHECK_ORGANIZATION_NAME = env_str("FACTCHECK_ORGANIZATION_NAME", "factcheck newsroom" if DEBUG else "")
FACTCHECK_ORGANIZATION_URL = env_str("FACTCHECK_ORGANIZATION_URL", "")
# Public pages name the editor who approved each verdict only when the desk opts in.
FACTCHECK_PUBLIC_SHOW_REVIEWERS = env_bool("FACTCHECK_PUBLIC_SHOW_REVIEWERS", False)
# Fact-checks listed on each page of the public index (/factchecks/).
FACTCHECK_PUBLIC_PAGE_SIZE = env_int("FACTCHECK_PUBLIC_PAGE_SIZE", 20)
if FACTCHECK_PUBLIC_PAGE_SIZE < 1:
    raise ImproperlyConfigured("FACTCHECK_PUBLIC_PAGE_SIZE must be at least 1.")

# Re-anchoring on a corrected version: the lowest similarity (0-1) of quote and context at which a
# verdict moves to an approximate match; below it the verdict is orphaned. 0.7 lies midway between
# the corpus's fuzzy matches (0.85 and more) and the best places of its orphans (0.54 and less):
# tests/reanchoring_corpus.py, checked by tests/test_anchoring.py.
_floor = env_str("FACTCHECK_REANCHOR_FLOOR", "0.7")
try:
    FACTCHECK_REANCHOR_FLOOR = float(_floor)
except ValueError:
    FACTCHECK_REANCHOR_FLOOR = -1.0
if not 0 < FACTCHECK_REANCHOR_FLOOR <= 1:
    raise ImproperlyConfigured(f"FACTCHECK_REANCHOR_FLOOR={_floor!r} must be a number above 0 and at most 1.")

# Desk search on PostgreSQL: the languages whose stemming a query is read in, besides word for word
# (`simple`). Each article is indexed in its own language's configuration (migration 0013), so a
# French desk adds "fr" to find "mangeait" by "manger". More languages cost a little on each search.
FACTCHECK_SEARCH_LANGUAGES = env_list("FACTCHECK_SEARCH_LANGUAGES", "en")
if any(not re.fullmatch(r"[a-z]{2,3}", code) for code in FACTCHECK_SEARCH_LANGUAGES):
    raise ImproperlyConfigured(
        f"FACTCHECK_SEARCH_LANGUAGES={FACTCHECK_SEARCH_LANGUAGES!r} must be language codes such as en,fr."
    )

# Seconds during which whoever deleted a verdict can undo it (editors can always restore).
FACTCHECK_UNDO_SECONDS = env_int("FACTCHECK_UNDO_SECONDS", 60)
# How long the writer of a comment on a verdict may still edit it (roles.can_edit_comment).
FACTCHECK_COMMENT_EDIT_SECONDS = env_int("FACTCHECK_COMMENT_EDIT_SECONDS", 600)

# Notifications by e-mail (annotations/notifications.py), sent by the background worker
# (`manage.py db_worker`), never in the request. DEBUG prints them on the console; production sends
# them over SMTP with the DJANGO_EMAIL_* settings below (Django 6.1's MAILERS).
_smtp = {
    "host": env_str("DJANGO_EMAIL_HOST", "localhost"),
    "port": env_int("DJANGO_EMAIL_PORT", 25),
    "username": env_str("DJANGO_EMAIL_HOST_USER"),
    "password": env_str("DJANGO_EMAIL_HOST_PASSWORD"),
    "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
    "use_ssl": env_bool("DJANGO_EMAIL_USE_SSL", False),
    "timeout": env_int("DJANGO_EMAIL_TIMEOUT", 20),
}
if _smtp["use_tls"] and _smtp["use_ssl"]:
    raise ImproperlyConfigured("Set DJANGO_EMAIL_USE_TLS or DJANGO_EMAIL_USE_SSL, not both.")
_mail_backend = env_str("DJANGO_EMAIL_BACKEND", "console" if DEBUG else "smtp")
if _mail_backend not in {"console", "smtp"}:
    raise ImproperlyConfigured(f"DJANGO_EMAIL_BACKEND={_mail_backend!r} must be console or smtp.")
MAILERS = {
    "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if _mail_backend == "console"
    else {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": _smtp}
}
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "factcheck <factcheck@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address, for the links in e-mails (the worker has no request to read it from).
FACTCHECK_SITE_URL = env_str("FACTCHECK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A failed e-mail is tried this many times in all, waiting FACTCHECK_EMAIL_RETRY_SECONDS, then
# twice as long, … between tries; then it is marked failed (and logged), never dropped silently.
FACTCHECK_EMAIL_ATTEMPTS = env_int("FACTCHECK_EMAIL_ATTEMPTS", 4)
FACTCHECK_EMAIL_RETRY_SECONDS = env_int("FACTCHECK_EMAIL_RETRY_SECONDS", 60)
# The day-before reminder of due assignments runs every day at this hour (TIME_ZONE).
FACTCHECK_REMINDER_HOUR = env_int("FACTCHECK_REMINDER_HOUR", 8)
if not 0 <= FACTCHECK_REMINDER_HOUR <= 23:
    raise ImproperlyConfigured("FACTCHECK_REMINDER_HOUR must be an hour of the day, 0 to 23.")
if FACTCHECK_EMAIL_ATTEMPTS < 1:
    raise ImproperlyConfigured("FACTCHECK_EMAIL_ATTEMPTS must be at least 1.")

# HTTPS: on unless DEBUG. Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
# Proxies in front of the app that append the client's address to X-Forwarded-For. The client is the
# address that many entries from the right (0: REMOTE_ADDR); API rates and log-in limits count per
# client address, so behind a proxy 0 would count every client as the proxy.
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 1 if HTTPS else 0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_PROXY_COUNT must be 0 (no proxy) or the number of proxies.")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: no inline script or style, no eval; scripts need the nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request then gets 401 with WWW-Authenticate, not 403.
        "annotations.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "annotations.api.exceptions.api_exception_handler",
    # orjson: the same JSON values as DRF's renderer (U+2028 and U+2029 written as characters, not
    # escapes), encoded several times faster: a page of 500 verdicts is half a megabyte.
    "DEFAULT_RENDERER_CLASSES": ["annotations.api.renderers.JSONRenderer"],
    # JSON bodies must be objects, nested at most a few levels (annotations.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.JSONObjectParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # ?format= chooses the export format, not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
    # Requests per address for anonymous callers, per user for everyone else, and per address on
    # the token endpoint (annotations.api.throttling). The counts live in the default cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "annotations.api.throttling.AnonRateThrottle",
        "annotations.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("FACTCHECK_API_RATE_ANON", "60/min"),
        "user": env_rate("FACTCHECK_API_RATE_USER", "600/min"),
        "token": env_rate("FACTCHECK_API_RATE_TOKEN", "10/min"),
    },
    # An int, never DRF's default None, which takes the whole X-Forwarded-For header as the address.
    "NUM_PROXIES": PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": "Articles, sentence-level verdicts, sources, review actions and exports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: with them each operation's path is a link inside its toggle button, two nested
    # controls that screen readers and keyboards handle badly (axe: nested-interactive). The light
    # "idea" colours for code examples: the default theme's numbers fail contrast.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "syntaxHighlight": {"theme": "idea"}},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "annotations.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "annotations.models.Status",
        "StateEnum": "annotations.models.State",
        "RelationEnum": "annotations.models.Relation",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "factcheck.logs.JsonLines"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "json": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # django-axes logs each failed log-in and each lockout as WARNING, its housekeeping as INFO.
        "axes": {"level": "WARNING"},
        # One JSON line per request (annotations.observe): id, user, method, path, view, status, time.
        "factcheck.requests": {"handlers": ["json"], "level": "INFO", "propagate": False},
    },
}
