"""Settings for the course app, driven by environment variables.

Every setting a deployment changes comes from the environment through the small typed helpers
below, which raise ImproperlyConfigured on a value they cannot read. `make run` writes a
git-ignored `.env` (debug on, a random local secret key) that is read first (config/envfile.py);
everything else runs with debug off and production defaults.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config import envfile

BASE_DIR = Path(__file__).resolve().parent.parent
envfile.load(BASE_DIR / ".env")  # make run's local settings; the environment wins


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. Set it to a long random "
            "string, e.g. the output of:\n"
            "  python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-local-development-only"
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    # The rule of Django's own check (security.W009), enforced: it signs sessions, password
    # reset links and CSRF tokens, and a short or guessable key makes them forgeable.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak for production: it needs at least 50 characters with at "
        "least 5 different ones, and not the 'django-insecure-' prefix. Make one with:\n"
        "  python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "config",
    "accounts",
    "courses",
    "quizzes",
    "authoring",
    "progress",
    "reports",
    "interchange",
    "lti",
    "front",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy, X-Frame-Options and request.htmx in one pass (Django's CSP and
    # clickjacking middleware and django-htmx's, merged: config/middleware.py).
    "config.middleware.ResponseHeadersMiddleware",
    # Pages of a session begun by an LTI launch may be framed by its platform (lti/frames.py).
    "lti.frames.LtiFrameMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, so a cached anonymous page skips only the view (config/pagecache.py).
    "config.pagecache.AnonymousPageCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Databases: SQLite by default (tuned for a class answering at once), PostgreSQL via DATABASE_URL.
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Bounded waits, well under gunicorn's 30 s worker timeout, so a stalled database becomes a
# quick 503 ("not saved, try again", config/dbfaults.py) and a rolled-back transaction instead
# of a worker killed mid-request: connecting (PostgreSQL), one statement (PostgreSQL), waiting
# for a lock (PostgreSQL's lock_timeout; SQLite's busy timeout, its only wait).
DB_CONNECT_TIMEOUT = envint("DJANGO_DB_CONNECT_TIMEOUT", 5)
DB_STATEMENT_TIMEOUT_MS = envint("DJANGO_DB_STATEMENT_TIMEOUT_MS", 10_000)
DB_LOCK_TIMEOUT_MS = envint("DJANGO_DB_LOCK_TIMEOUT_MS", 5_000)
for _name, _value in (
    ("DJANGO_DB_CONNECT_TIMEOUT", DB_CONNECT_TIMEOUT),
    ("DJANGO_DB_STATEMENT_TIMEOUT_MS", DB_STATEMENT_TIMEOUT_MS),
    ("DJANGO_DB_LOCK_TIMEOUT_MS", DB_LOCK_TIMEOUT_MS),
):
    if _value <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive whole number, not {_value}")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=envint("DJANGO_CONN_MAX_AGE", 600), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
        _options["options"] = (
            f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS} -c lock_timeout={DB_LOCK_TIMEOUT_MS} "
            + _options.get("options", "")
        ).strip()
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "config.sqlite",  # Django's, with a faster wait for the write lock
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "CONN_MAX_AGE": envint("DJANGO_CONN_MAX_AGE", 600),
            "OPTIONS": {
                # Concurrent writers: WAL lets readers go on while one writes; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue on the busy timeout instead of failing
                # with "database is locked" when one upgrades a read lock.
                "transaction_mode": "IMMEDIATE",
                "timeout": DB_LOCK_TIMEOUT_MS / 1000,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches. "default" is shared by every gunicorn worker on the machine (files in var/cache):
# sessions (so a logout in one worker is a logout in all), the login throttle and the content
# version that keys cached pages. "pages" holds rendered anonymous pages, per worker.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("DJANGO_CACHE_DIR", str(VAR_DIR / "cache")),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "anonymous-pages",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}
# With REDIS_URL (several app servers), "default" is Redis instead, shared by every server:
# sessions, throttle counts, the content version and report results. config/sharedcache.py
# makes a Redis outage a cache miss, not an error, and short socket timeouts (REDIS_TIMEOUT_MS)
# keep a dead Redis from holding up a request; "pages" stays per worker.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.retry import Retry

    REDIS_TIMEOUT = envint("REDIS_TIMEOUT_MS", 250) / 1000
    CACHES["default"] = {
        "BACKEND": "config.sharedcache.FailSoftRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
            # One immediate retry when a pooled connection was closed by Redis (a restart); none
            # after a timeout, so a Redis that does not answer costs REDIS_TIMEOUT_MS once.
            "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        },
    }
# Sessions live in the database, cached in "default": losing the cache logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Anonymous course and lesson pages are served from the "pages" cache for this many seconds
# (0 turns it off; off by default under `make run` so template edits show at once).
ANON_PAGE_CACHE_SECONDS = envint("DJANGO_ANON_PAGE_CACHE_SECONDS", 0 if DEBUG else 600)
# Failed logins per username and address before the login is locked, and for how long; and
# failed logins per address over all usernames before that address is locked (accounts/throttle).
LOGIN_FAILURE_LIMIT = envint("DJANGO_LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = envint("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", 100)
LOGIN_LOCKOUT_SECONDS = envint("DJANGO_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Per hour: sign-ups from one client address (a class behind one school address signs up
# together), password-reset requests from one client address, and reset messages sent to one
# e-mail address (accounts/views.py).
SIGNUP_RATE_LIMIT = envint("DJANGO_SIGNUP_RATE_LIMIT", 60)
PASSWORD_RESET_ADDRESS_LIMIT = envint("DJANGO_PASSWORD_RESET_ADDRESS_LIMIT", 20)
PASSWORD_RESET_EMAIL_LIMIT = envint("DJANGO_PASSWORD_RESET_EMAIL_LIMIT", 3)

# The largest course file or question bank import_course reads (authoring/sourcefiles.py).
COURSE_FILE_MAX_BYTES = envint("DJANGO_COURSE_FILE_MAX_BYTES", 2 * 1024 * 1024)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The signed-in user is loaded from a short-lived shared cache (accounts/backends.py); Django's
# own backend stays listed so sessions it started remain valid.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.CachedModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "courses:catalogue"
LOGOUT_REDIRECT_URL = "courses:catalogue"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
# English only: no translation machinery, as Django advises for a site in one language (its
# per-call language lookups ran under every number, {% url %} and reverse()). Formats still
# come from LANGUAGE_CODE's locale.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "config.staticstorage.ImmutableManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = envbool("WHITENOISE_USE_FINDERS", DEBUG)

# Email (Django 6.1 MAILERS): the console by default; SMTP when EMAIL_HOST is set.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": envint("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", True),
                "timeout": envint("EMAIL_TIMEOUT", 10),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "courses@localhost")

# /.well-known/security.txt (RFC 9116): where to report a vulnerability (a mailto: or https:
# URI; without it the file is not served), and until when the file is valid (an ISO 8601
# date-time; by default 180 days after the server started, so each deployment renews it).
SECURITY_CONTACT = os.environ.get("DJANGO_SECURITY_CONTACT", "")
if SECURITY_CONTACT and not SECURITY_CONTACT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(
        f"DJANGO_SECURITY_CONTACT must be a mailto: or https:// URI, not {SECURITY_CONTACT!r}"
    )
SECURITY_TXT_EXPIRES = os.environ.get("DJANGO_SECURITY_TXT_EXPIRES", "")
if SECURITY_TXT_EXPIRES:
    from datetime import datetime

    try:
        datetime.fromisoformat(SECURITY_TXT_EXPIRES)
    except ValueError:
        raise ImproperlyConfigured(
            "DJANGO_SECURITY_TXT_EXPIRES must be an ISO 8601 date or date-time such as "
            f"2027-06-30, not {SECURITY_TXT_EXPIRES!r}"
        ) from None

# Security. A strict Content-Security-Policy: scripts and styles only as files from 'self', no
# inline code, so no nonce is needed and a cached page stays valid.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a reverse proxy that sets X-Forwarded-Proto and appends the client's address to
# X-Forwarded-For (the login throttle then reads the last address in that header).
BEHIND_PROXY = envbool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", False)
# Asking browsers to preload HSTS is for the owner of the whole domain to decide (opt in with
# DJANGO_HSTS_PRELOAD=true), so `check --deploy` need not warn that it is off.
# X-Frame-Options is set by config.middleware.ResponseHeadersMiddleware, which Django's check
# for its own clickjacking middleware (W002) cannot see.
SILENCED_SYSTEM_CHECKS = ["security.W021", "security.W002"]
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The benchmark's baseline view (/bench/baseline) exists only when BENCH is on (make bench).
BENCH = envbool("BENCH", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # Django's own records reach the console once, through the root handler (its default
    # debug-only console handler printed runserver's lines twice under make run).
    "loggers": {"django": {"handlers": [], "level": "INFO"}},
}
