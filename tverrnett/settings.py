"""Tverrnett settings, read from the environment.

Fail closed: DEBUG is off unless set, and outside debug a missing SECRET_KEY
stops the start. See README.md for the variables.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tverrnett.env import env_bool, env_int, env_ip_networks, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = BASE_DIR / "tverrnett"

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only ever used with DEBUG on, on a developer's own machine.
    SECRET_KEY = "insecure-development-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The reverse proxies whose X-Request-ID header is taken (addresses or networks). Empty:
# every request gets an id made here, so a client cannot choose its own audit id.
TRUSTED_PROXY_IPS = env_ip_networks("TRUSTED_PROXY_IPS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
    "tverrnett.core",
    "tverrnett.audit",
    "tverrnett.access",
    "tverrnett.geography",
    "tverrnett.agencies",
    "tverrnett.accounts",
    "tverrnett.useradmin",
    "tverrnett.networks",
    "tverrnett.events",
    "tverrnett.announcements",
    "tverrnett.guidance",
    "tverrnett.cases",
    "tverrnett.consent",
    "tverrnett.measures",
    "tverrnett.conversations",
    "tverrnett.exitwork",
    "tverrnett.plans",
    "tverrnett.ownaccess",
    "tverrnett.records",
    "tverrnett.assessments",
    "tverrnett.documents",
    "tverrnett.notices",
    "tverrnett.meetings",
    "tverrnett.duplicates",
    "tverrnett.logreview",
    "tverrnett.filestore",
]

MIDDLEWARE = [
    # First: every response carries the request id (the HTTPS redirect and static files
    # too, for the access log), and the client's address is the proxy's X-Real-IP from here on.
    "tverrnett.audit.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Counts requests by view name for /metrics (after WhiteNoise: static files are not).
    "tverrnett.core.metrics.RequestMetricsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Saves the session at most once a minute to slide the idle timeout (issue 22).
    "tverrnett.accounts.sessions.SessionTouchMiddleware",
    "tverrnett.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, loading the user with the acting membership (one query).
    "tverrnett.accounts.middleware.VerifiedUserMiddleware",
    # After authentication: a logged-in user's own language wins over the cookie.
    "tverrnett.accounts.language.UserLanguageMiddleware",
    "tverrnett.accounts.middleware.CurrentAgencyMiddleware",
    # Inside the agency middleware: a read entry names the agency acted for.
    "tverrnett.audit.middleware.DeferredReadMiddleware",
    "tverrnett.core.middleware.NoStoreWhenLoggedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body; after CSP, so the 413 page is the usual layout.
    "tverrnett.core.middleware.RequestBodyLimitMiddleware",
    # Reads the form, so after the body cap; its 400 page is the usual layout too.
    "tverrnett.core.middleware.RefuseNulMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tverrnett.access.middleware.DenyByDefaultMiddleware",
    # Last, as django-axes asks: it turns a lockout into our lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tverrnett.urls"
WSGI_APPLICATION = "tverrnett.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tverrnett.cases.context_processors.case_work",
                "tverrnett.logreview.context_processors.log_review",
                "tverrnett.records.context_processors.records",
                "tverrnett.accounts.context_processors.session_timeout",
            ],
        },
    },
]

# Database: the embedded SQLite file unless DATABASE_URL names PostgreSQL.
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tverrnett.sqlite3'}"),
        # Persistent connections (issue 22): a new connection per request cost more
        # than the page's queries. 0 closes after each request (e.g. behind PgBouncer
        # in transaction mode); the health check drops a broken one before it is used.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at the start of its transaction, so
        # two writers queue instead of one failing halfway (the audit chain relies on it).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# The audit log's key lives outside the database (docs/security.md, "Audit log").
# Development generates one under DATA_DIR; production must name a file it cannot
# write and the database administrator cannot read.
AUDIT_KEY_GENERATE = env_bool("AUDIT_KEY_GENERATE", DEBUG)
AUDIT_KEY_FILE = env_str("AUDIT_KEY_FILE") or ""
if not AUDIT_KEY_FILE:
    if not AUDIT_KEY_GENERATE:
        raise ImproperlyConfigured("AUDIT_KEY_FILE must be set when DEBUG is off.")
    AUDIT_KEY_FILE = str(DATA_DIR / "audit.key")
# National identity numbers are encrypted in the database with a key kept outside it
# (docs/security.md, "Encryption at rest"); the same rules as the audit key.
IDENTITY_KEY_GENERATE = env_bool("IDENTITY_KEY_GENERATE", DEBUG)
IDENTITY_KEY_FILE = env_str("IDENTITY_KEY_FILE") or ""
if not IDENTITY_KEY_FILE:
    if not IDENTITY_KEY_GENERATE:
        raise ImproperlyConfigured("IDENTITY_KEY_FILE must be set when DEBUG is off.")
    IDENTITY_KEY_FILE = str(DATA_DIR / "identity.key")
# Where `anchor_audit` appends the newest seal's hash, one file per day; ship it to
# another machine (docs/security.md). AUDIT_ANCHOR_SYSLOG also sends each anchor to syslog.
AUDIT_ANCHOR_DIR = env_str("AUDIT_ANCHOR_DIR", str(DATA_DIR / "audit-anchors"))
AUDIT_ANCHOR_SYSLOG = env_bool("AUDIT_ANCHOR_SYSLOG", False)

# The records lifecycle (tverrnett/records, issue 20). Archival packages are written
# under RECORDS_ARCHIVE_DIR and kept until the archive's receipt is recorded; the
# tombstone ledger (one JSON line per deleted case) lives outside the database too, so
# a restore from an older backup deletes those cases again (`reapply_tombstones`).
# Keep both on storage that is backed up apart from the database.
RECORDS_ARCHIVE_DIR = env_str("RECORDS_ARCHIVE_DIR", str(DATA_DIR / "archive-packages"))
RECORDS_TOMBSTONE_LEDGER = env_str(
    "RECORDS_TOMBSTONE_LEDGER", str(DATA_DIR / "records" / "tombstones.jsonl")
)
# The key that encrypts backups (`backup_data`, `restore_data`; docs/operations.md). Only
# those commands read it, so the application starts without it; it is never generated
# on first use (a backup must not be encrypted with a key nobody knew to keep), and it
# must live outside everything the backup holds. Production names it; development
# defaults to a file under DATA_DIR made with `manage.py backup_key --create`.
BACKUP_KEY_FILE = env_str("BACKUP_KEY_FILE") or (str(DATA_DIR / "backup.key") if DEBUG else "")
# Days before a case is due that it appears on the records officer's preview list.
RECORDS_PREVIEW_DAYS = env_int("RECORDS_PREVIEW_DAYS", 30, minimum=1)
# How many audit entry ids a process draws at once on PostgreSQL (audit.services).
AUDIT_ID_BLOCK = env_int("AUDIT_ID_BLOCK", 16, minimum=1)
# The most entries one seal covers; the worker seals every minute.
AUDIT_SEAL_BATCH = env_int("AUDIT_SEAL_BATCH", 50_000, minimum=1)
# PostgreSQL only: the role the application connects as in production (docs/security.md,
# "Database roles"). When set, `migrate` (run as the owner of the tables) grants it what the
# application needs and no more: no UPDATE, DELETE or TRUNCATE on the append-only tables.
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "") or ""
if DATABASE_APP_ROLE and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", DATABASE_APP_ROLE):
    raise ImproperlyConfigured(
        "DATABASE_APP_ROLE must be a lower-case PostgreSQL role name "
        f"(letters, digits, underscores), not {DATABASE_APP_ROLE!r}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out user is refused even with the right password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# GET /metrics for Prometheus (tverrnett.core.metrics): a file holding the bearer token.
# Unset, the endpoint answers 404 as if it did not exist.
METRICS_TOKEN_FILE = env_str("METRICS_TOKEN_FILE", "") or ""

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"

# How people log in (README, "Configuration"): "password" (password + TOTP, the
# default for development and the demo), "oidc_employee" (Ansattporten) and
# "oidc_citizen" (ID-porten). A deployment without "password" hides the password form.
LOGIN_METHODS = env_list("LOGIN_METHODS", ["password"])
_KNOWN_LOGIN_METHODS = {"password", "oidc_employee", "oidc_citizen"}
if not LOGIN_METHODS or set(LOGIN_METHODS) - _KNOWN_LOGIN_METHODS:
    raise ImproperlyConfigured(
        f"LOGIN_METHODS must be a comma-separated choice of {sorted(_KNOWN_LOGIN_METHODS)}, "
        f"not {LOGIN_METHODS!r}"
    )


def _oidc_client(prefix, default_acr):
    """One OIDC client's settings (tverrnett.accounts.oidc) from OIDC_<prefix>_*."""
    config = {
        "discovery_url": env_str(f"OIDC_{prefix}_DISCOVERY_URL") or "",
        "client_id": env_str(f"OIDC_{prefix}_CLIENT_ID") or "",
        "client_secret": env_str(f"OIDC_{prefix}_CLIENT_SECRET") or "",
        "scope": env_str(f"OIDC_{prefix}_SCOPE") or "openid",
        # The acr levels accepted in the ID token, lowest first; the first is requested.
        "acr_values": env_list(f"OIDC_{prefix}_ACR_VALUES", default_acr),
        # How we authenticate at the token endpoint: a client secret, or a JWT signed
        # with our private key (Digdir's recommendation for production; the key id is
        # the one registered with the public key in Digdir's self-service).
        "client_auth": env_str(f"OIDC_{prefix}_CLIENT_AUTH") or "client_secret_post",
        "private_key_file": env_str(f"OIDC_{prefix}_PRIVATE_KEY_FILE") or "",
        "key_id": env_str(f"OIDC_{prefix}_KEY_ID") or "",
    }
    if config["client_auth"] not in ("client_secret_post", "private_key_jwt"):
        raise ImproperlyConfigured(
            f"OIDC_{prefix}_CLIENT_AUTH must be client_secret_post or private_key_jwt"
        )
    credentials = (
        ("private_key_file", "key_id")
        if config["client_auth"] == "private_key_jwt"
        else ("client_secret",)
    )
    missing = [key for key in ("discovery_url", "client_id", *credentials) if not config[key]]
    if missing:
        raise ImproperlyConfigured(
            f"OIDC_{prefix}_DISCOVERY_URL, _CLIENT_ID and _CLIENT_SECRET (or, with "
            f"private_key_jwt, _PRIVATE_KEY_FILE and _KEY_ID) must be set when "
            f"LOGIN_METHODS has the matching OIDC login (missing: {missing})"
        )
    if not config["discovery_url"].startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ImproperlyConfigured(f"OIDC_{prefix}_DISCOVERY_URL must be an https:// URL")
    if not config["acr_values"]:
        raise ImproperlyConfigured(f"OIDC_{prefix}_ACR_VALUES must name at least one level")
    return config


# The OIDC logins this deployment offers, by kind ("employee", "citizen").
OIDC_CLIENTS = {}
if "oidc_employee" in LOGIN_METHODS:
    # Ansattporten names its levels "substantial" and "high" (its protocol page).
    OIDC_CLIENTS["employee"] = _oidc_client("EMPLOYEE", ["substantial", "high"])
if "oidc_citizen" in LOGIN_METHODS:
    # ID-porten: "idporten-loa-substantial" and "idporten-loa-high"; a person's own
    # access to their plan needs the high level (issue 19, item 6).
    OIDC_CLIENTS["citizen"] = _oidc_client("CITIZEN", ["idporten-loa-high"])
# Seconds of clock difference tolerated when checking the ID token's exp and iat.
OIDC_CLOCK_LEEWAY_SECONDS = env_int("OIDC_CLOCK_LEEWAY_SECONDS", 30)
# Seconds a started OIDC login (state, nonce, PKCE verifier in the session) stays valid.
OIDC_LOGIN_SECONDS = env_int("OIDC_LOGIN_SECONDS", 600, minimum=30)

# Sessions end after this much idle time. A request slides the expiry by saving the
# session only when its last save is SESSION_TOUCH_SECONDS old (a minute), not on
# every request (tverrnett.accounts.sessions): the session may end up to that much early.
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = env_int("SESSION_TOUCH_SECONDS", 60, minimum=1)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Concern cases: anonymous discussions are deleted this many days after they
# were registered; break-glass access lasts this many minutes (L43).
ANONYMOUS_DISCUSSION_RETENTION_DAYS = env_int("ANONYMOUS_DISCUSSION_RETENTION_DAYS", 90, minimum=1)
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 60, minimum=1)
# A removal (team member, own-network resource, plan goal or measure) can be undone by
# the user who made it for this many minutes (issue 21 item 10).
UNDO_MINUTES = env_int("UNDO_MINUTES", 10, minimum=1)
# Consent (L14, L16): the coordinator is warned this many days before a consent ends.
CONSENT_EXPIRY_WARNING_DAYS = env_int("CONSENT_EXPIRY_WARNING_DAYS", 30, minimum=1)
# Special categories (L34): a manager grants a user the right to read items tagged
# GDPR Art. 9 or 10 for at most this many days at a time (reviewed at least yearly).
SPECIAL_CATEGORY_PERMISSION_MAX_DAYS = env_int(
    "SPECIAL_CATEGORY_PERMISSION_MAX_DAYS", 365, minimum=1
)
# The ages at which a child's say grows (barneloven § 31–33, pasient- og
# brukerrettighetsloven § 4-3): heard from 7, great weight from 12, decides on
# education and organisations from 15, consents to health care from 16.
CONSENT_AGE_THRESHOLDS = {
    "heard": env_int("CONSENT_AGE_HEARD", 7, minimum=1),
    "great_weight": env_int("CONSENT_AGE_GREAT_WEIGHT", 12, minimum=1),
    "own_decisions": env_int("CONSENT_AGE_OWN_DECISIONS", 15, minimum=1),
    "health_consent": env_int("CONSENT_AGE_HEALTH_CONSENT", 16, minimum=1),
}
# Days the sending agency has to complete the review or inform the person (L06, L07).
DISCLOSURE_FOLLOW_UP_DAYS = env_int("DISCLOSURE_FOLLOW_UP_DAYS", 14, minimum=1)
# Individual plans: the coordinator's task comes this many days before a revision date.
PLAN_REVISION_REMINDER_DAYS = env_int("PLAN_REVISION_REMINDER_DAYS", 14, minimum=1)
# The task inbox: the worker reminds of a task this many days before its deadline (and
# again on the day). A working habit, not a legal rule.
TASK_REMINDER_DAYS = env_int("TASK_REMINDER_DAYS", 2, minimum=1)
# Exit work (L29): follow-up reviews this many months after an exit case closes.
EXIT_FOLLOW_UP_MONTHS = tuple(
    sorted({int(months) for months in env_list("EXIT_FOLLOW_UP_MONTHS", ["6", "12"])})
)
# Assessment instruments (X8): files published besides the shipped ones, e.g. by RVTS;
# `manage.py load_instruments` reads both (docs/assessment-instruments.md).
INSTRUMENTS_DIR = env_str("INSTRUMENTS_DIR", "") or ""
# Concern cases (L27): a registered case waits at most this many days for its first
# decision; after that the worker reminds the coordinator and the case is flagged.
FIRST_DECISION_DAYS = env_int("FIRST_DECISION_DAYS", 14, minimum=1)
# Log review by each agency's privacy and security officer (L45; tverrnett.logreview,
# docs/architecture.md "Log review"). Times are Europe/Oslo (TIME_ZONE).
LOG_REVIEW = {
    # Working hours: a read from WORK_START_HOUR up to (not including) WORK_END_HOUR on
    # a working day (0 = Monday) is inside them; anything else is flagged.
    "WORK_START_HOUR": env_int("LOG_REVIEW_WORK_START_HOUR", 7),
    "WORK_END_HOUR": env_int("LOG_REVIEW_WORK_END_HOUR", 17, minimum=1),
    "WORK_DAYS": (0, 1, 2, 3, 4),
    # Many cases in a short time: this many different cases read by one user within
    # this many minutes flags every read in that window (1440 minutes: per day).
    "MANY_CASES": env_int("LOG_REVIEW_MANY_CASES", 10, minimum=2),
    "MANY_CASES_MINUTES": env_int("LOG_REVIEW_MANY_CASES_MINUTES", 60, minimum=1),
    # The page looks back this many days unless the officer picks a period, and never
    # over more than MAX_PERIOD_DAYS at once (the log is never scanned whole).
    "DEFAULT_PERIOD_DAYS": env_int("LOG_REVIEW_DEFAULT_PERIOD_DAYS", 30, minimum=1),
    "MAX_PERIOD_DAYS": env_int("LOG_REVIEW_MAX_PERIOD_DAYS", 92, minimum=1),
    # Ordinary (not flagged) reads drawn for review each month, per agency.
    "SAMPLE_SIZE": env_int("LOG_REVIEW_SAMPLE_SIZE", 10, minimum=1),
    # Flagged items per page.
    "PER_PAGE": 50,
}
# E-mail (notices and reminders say only "something is waiting", with a link to SITE_URL).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000") or "http://127.0.0.1:8000"
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# For the file backend (the browser tests' server): one file per e-mail sent.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", "") or None
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tverrnett <ikke-svar@tverrnett.example>")
# The version of the confidentiality declaration voluntary organisations accept (L49).
CONFIDENTIALITY_DECLARATION_VERSION = "2026-11"

# How long a user may take between the password and the second factor.
MFA_PENDING_SECONDS = env_int("MFA_PENDING_SECONDS", 300, minimum=30)
# How long an invitation link works (issue 19). A resent invitation gets a new link.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7, minimum=1)

# A network member row not confirmed as still right for this long is flagged on
# the network health page. Issue 3 (N5) asks for confirmation every 12 months.
NETWORK_MEMBER_CONFIRMATION_DAYS = env_int("NETWORK_MEMBER_CONFIRMATION_DAYS", 365, minimum=1)

# Lockout after repeated failed logins (django-axes). A wrong second factor
# counts as a failed login too.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
# Per username, as the lockout protects an account: a guesser rotating IP
# addresses must not get five more tries from each. axes.W006 asks for the IP
# address as well, which would let one office's shared address lock everyone out.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tverrnett.accounts.views.lockout_response"
AXES_VERBOSE = False
# django-axes, like the audit log, reads the client's address from REMOTE_ADDR alone (its
# default). Behind a reverse proxy named in TRUSTED_PROXY_IPS, RequestIdMiddleware puts
# the proxy's X-Real-IP there (deploy/nginx/tverrnett.conf); nobody else can choose it.

OTP_TOTP_ISSUER = "Tverrnett"

# Security headers. HTTPS is assumed outside debug; a TLS-terminating proxy
# must set X-Forwarded-Proto.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Strict CSP: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Internationalisation: Norwegian bokmål first, English through the switch.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("nn", _("Norwegian Nynorsk")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
# Our date and time formats per language (tverrnett/formats/): one style everywhere.
FORMAT_MODULE_PATH = ["tverrnett.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# Django's cache (issue 22, item 6): shared by every application server, so nothing
# cached on one server can be stale on another (docs/architecture.md, "Caches"). The
# database's table comes with `migrate` (filestore.CacheEntry); CACHE_REDIS_URL
# (redis://…) uses Redis instead, which needs the `redis` package installed.
CACHE_REDIS_URL = env_str("CACHE_REDIS_URL", "") or ""
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL}
        if CACHE_REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tverrnett_cache",
        }
    )
}

# Uploaded files (issue 22, item 6): "database" keeps them in the database
# (tverrnett.filestore), shared by every application server and carried by the
# database's backup; "filesystem" keeps them under MEDIA_ROOT, for one server only
# (docs/architecture.md, "Running several application servers").
FILE_STORAGE = env_str("FILE_STORAGE", "database")
_FILE_STORAGES = {
    "database": "tverrnett.filestore.storage.DatabaseStorage",
    "filesystem": "django.core.files.storage.FileSystemStorage",
}
if FILE_STORAGE not in _FILE_STORAGES:
    raise ImproperlyConfigured(
        f"FILE_STORAGE must be one of {', '.join(_FILE_STORAGES)}, not {FILE_STORAGE!r}"
    )
STORAGES = {
    "default": {"BACKEND": _FILE_STORAGES[FILE_STORAGE]},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Collected static files are public and nginx (another user) serves them: readable by
# all, unlike uploaded files (FILE_UPLOAD_PERMISSIONS below would apply to them too).
STORAGES["staticfiles"]["OPTIONS"] = {
    "file_permissions_mode": 0o644,
    "directory_permissions_mode": 0o755,
}
# Serve from the finders when nothing was collected (make run, browser tests).
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

# Uploaded files on disk (FILE_STORAGE=filesystem; with "database" only files not yet
# moved are here). There is deliberately no MEDIA_URL route: files are stored under
# random names and served only through views that check access
# (events.views.material_download). Keep MEDIA_ROOT outside STATIC_ROOT.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Largest event material file (20 MB unless set).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
# Largest request body (issue 18, item 6): a little above the upload limit, for the
# form fields and the multipart envelope around a file. A larger body is refused with
# 413 before it is read (core.middleware.RequestBodyLimitMiddleware).
REQUEST_MAX_BODY_BYTES = env_int(
    "REQUEST_MAX_BODY_BYTES", UPLOAD_MAX_BYTES + 1024 * 1024, minimum=1024
)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# LOG_FORMAT=json: one JSON object per line with the request id (tverrnett.core.logs;
# docs/operations.md, "Monitoring"); "plain" (the default) for development.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tverrnett.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"()": "tverrnett.core.logs.PlainFormatter"},
        "json": {"()": "tverrnett.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # axes logs usernames and IPs on every attempt; the audit log has them already.
        "axes": {"level": "WARNING"},
        # WeasyPrint reports every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "tverrnett.core.views.csrf_failure"
