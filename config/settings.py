"""Settings for the workshop registration site.

Everything that differs between a developer machine, CI and production is read
from the environment (see README.md and .env.example). The embedded defaults
need no server: SQLite, a filesystem Celery broker and emails written to files.
"""

import datetime
from pathlib import Path

from celery.schedules import crontab
from csp import constants as csp_values
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from environs import Env
from marshmallow.validate import URL, OneOf, Range

# Strict: a malformed value (DEBUG=maybe, EMAIL_BATCH_SIZE=ten) stops start-up with an error naming the
# variable, instead of silently falling back to a default. Lists are comma-separated.
env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env.path("VAR_DIR", BASE_DIR / "var")

DEBUG = env.bool("DEBUG", True)
SECRET_KEY = env.str("SECRET_KEY", "dev-only-insecure-key" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [], subcast=str.strip)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [], subcast=str.strip)
# The public base URL, used for links in emails (no request is at hand in a worker). `make run` sets it from
# PORT for every process it starts; production sets it explicitly.
SITE_URL = env.str(
    "SITE_URL", "http://127.0.0.1:8000", validate=URL(require_tld=False, schemes={"http", "https"})
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "workshops",
    "registrations",
    "notifications",
    "csp",
    "axes",
    "django_ratelimit",
    "import_export",  # the municipal contacts' CSV/XLSX import with preview (registrations/admin/contacts.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # {% load site_static %} in any template: see config/static_tags.py.
            "libraries": {"site_static": "config.static_tags"},
        },
    },
]

DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL",
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env.int("DB_CONN_MAX_AGE", 60, validate=Range(min=0)),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameter binding lets psycopg 3 prepare the statements a process repeats (the
    # registration path runs the same dozen): PostgreSQL stops planning them on every request.
    # Turn off (DB_SERVER_SIDE_BINDING=0) behind a transaction-pooling PgBouncer older than 1.21.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env.bool("DB_SERVER_SIDE_BINDING", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Bokmål first; Nynorsk and English through the language switch (never from Accept-Language, see
# config/middleware.py).
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("nn", _("Norwegian Nynorsk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# How dates read in each language («onsdag 10. mars 2021 kl. 09.00»): config/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Uploaded material goes through Django's storage API only (FileField.open, .size; never a local .path), so
# it can live outside the web host. Setting AWS_STORAGE_BUCKET_NAME switches it to an S3-compatible bucket
# (AWS, MinIO, a Norwegian provider through AWS_S3_ENDPOINT_URL), which every web and worker process shares.
# Unset: files in MEDIA_ROOT, which suits one machine (or a shared volume).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Empty means the provider's default (AWS), and boto3's own credential chain (an instance role).
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", "") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", "") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", "") or None,
            # Private files: no ACL of our own (the bucket's, which must not be public), and any URL the
            # storage makes is signed and expires. The site never links to one: notifications/views.py streams
            # each file to a participant with a valid personal link.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Sessions in the database (Django's backend, stated because it matters): any web process on any machine
# reads the session another one wrote, e.g. a delegation opened through its secret link. config/sessions.py
# only drops the redundant existence check before a new session's INSERT.
SESSION_ENGINE = "config.sessions"
# The contacts import (django-import-export) keeps the uploaded file between its preview and the confirm,
# which may reach another web process or machine: in the shared cache (Redis in production), where it also
# expires by itself (a day), rather than in this host's temporary folder.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email -------------------------------------------------------------------
# EMAIL_URL like smtp://user:pass@host:587/?tls=True; without it, every message is written as one .eml
# file to var/sent-mail/ so a developer can open it in a mail client.
if env.str("EMAIL_URL", ""):
    vars().update(env.dj_email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "notifications.backends.EmlFileBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "sent-mail")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 20, validate=Range(min=1))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Kulturskolerådet <verksted@kulturskoleradet.no>")
EMAIL_REPLY_TO = env.list("EMAIL_REPLY_TO", ["post@kulturskoleradet.no"], subcast=str.strip)
# The organisers' address: told two days ahead about scheduled mailings nobody has approved yet.
ORGANISERS_EMAIL = env.str("ORGANISERS_EMAIL", EMAIL_REPLY_TO[0] if EMAIL_REPLY_TO else "")
SERVER_EMAIL = env.str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# How many deliveries one task sends over one SMTP connection.
EMAIL_BATCH_SIZE = env.int("EMAIL_BATCH_SIZE", 100, validate=Range(min=1))
# Material files up to this size are attached; larger ones are sent as links.
EMAIL_MAX_ATTACHMENT_BYTES = env.int("EMAIL_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024, validate=Range(min=0))

# --- Celery --------------------------------------------------------------------
# Empty counts as unset (as EMAIL_URL and REDIS_URL): a compose file's `${CELERY_BROKER_URL:-}` gives "".
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", "") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    # The filesystem transport fails on a missing folder; make them so any process can queue.
    for _folder in ("out", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "control_folder": str(_broker_dir / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Fail fast when Redis is down: the outbox row is already committed and the periodic sweep queues
        # it again later. One retry, at once: kombu's default waits 2 s before it, which held every
        # registration (and the web worker serving it) for 2 s during an outage, 1.5 a second on 3 workers.
        "max_retries": 1,
        "interval_start": 0,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
        "visibility_timeout": 3600,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# How often beat runs the mailing scheduler and the sweep (seconds).
NOTIFICATIONS_TICK_SECONDS = env.int("NOTIFICATIONS_TICK_SECONDS", 60, validate=Range(min=1))
CELERY_BEAT_SCHEDULE = {
    # Scheduled mailings whose time has come get their deliveries (and late additions their catch-up).
    "notifications-release-due-mailings": {
        "task": "notifications.tasks.release_due_mailings",
        "schedule": NOTIFICATIONS_TICK_SECONDS,
    },
    # The organisers hear about scheduled mailings due within two days that nobody has approved.
    "notifications-remind-approvals": {
        "task": "notifications.tasks.remind_approvals",
        "schedule": NOTIFICATIONS_TICK_SECONDS,
    },
    # Deliveries never queued (broker down at commit) or left by a dead worker are queued again.
    "notifications-sweep-deliveries": {
        "task": "notifications.tasks.sweep_deliveries",
        "schedule": NOTIFICATIONS_TICK_SECONDS,
    },
    # Lost-link requests whose task never reached the broker (down at the time) are handled.
    "registrations-sweep-link-requests": {
        "task": "registrations.tasks.sweep_link_requests",
        "schedule": NOTIFICATIONS_TICK_SECONDS,
    },
    # Workshops past their retention period are anonymised (README.md, "Privacy"). Daily, at night.
    "registrations-anonymise-past-workshops": {
        "task": "registrations.tasks.anonymise_past_workshops",
        "schedule": crontab(hour=3, minute=17),
    },
    # Expired sessions (and the delegations they had opened) are deleted, as `clearsessions` would. Daily.
    "registrations-clear-expired-sessions": {
        "task": "registrations.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=37),
    },
}

# --- Privacy ----------------------------------------------------------------------------------
# A new workshop keeps personal data this many months after its last session, then it is anonymised.
DEFAULT_RETENTION_MONTHS = env.int("DEFAULT_RETENTION_MONTHS", 12, validate=Range(min=1, max=120))
# Where the privacy notice sends questions and requests about personal data.
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", EMAIL_REPLY_TO[0] if EMAIL_REPLY_TO else "")

# --- Abuse resistance and security headers ------------------------------------------------
# Kept together so it can be ported as one block. See README.md, "Security settings".
# The whole request body of a form (files excluded: the admin's material upload is multipart, and its file
# is governed by FILE_UPLOAD_* instead). The public form is a few kilobytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024, validate=Range(min=1024))
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", 400, validate=Range(min=10))

# The cache holds the rate-limit counters: Redis, shared by every process, when REDIS_URL (or CACHE_URL)
# is set; otherwise this process's memory, which is fine for one development server only.
CACHE_URL = env.str("CACHE_URL", "") or env.str("REDIS_URL", "")
if CACHE_URL:
    # config/cache.py: Django's Redis backend, reusing its redis-py client (one per pool, not per operation).
    CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Behind this many reverse proxies, each appending to X-Forwarded-For, the client is the address the
# outermost one saw. 0: use the connection's address and ignore the header (a client can forge it).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, validate=Range(min=0))
# Rate limits (django-ratelimit), counted per client address in the cache: "30/m" is 30 a minute.
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", True)
RATELIMIT_REGISTRATION = env.str("RATELIMIT_REGISTRATION", "30/m")
# The lost-link and «we did not register» pages: per client address, and per municipality from anywhere.
RATELIMIT_LOST_LINK = env.str("RATELIMIT_LOST_LINK", "20/h")
RATELIMIT_LOST_LINK_PER_MUNICIPALITY = env.str("RATELIMIT_LOST_LINK_PER_MUNICIPALITY", "5/h")
RATELIMIT_IP_META_KEY = "config.client_ip.client_ip"
# Without a trustworthy cache (Redis down) the registration form stays open rather than closed.
RATELIMIT_FAIL_OPEN = True
# The registration form is refused if sent sooner than this after it was shown (bots are fast).
REGISTRATION_MIN_FILL_SECONDS = env.int("REGISTRATION_MIN_FILL_SECONDS", 3, validate=Range(min=0))
# Each process keeps a published workshop (sessions, questions) this many seconds for the public pages;
# a change made in another process shows within this time (workshops/cache.py). 0: read it every time.
WORKSHOP_CACHE_SECONDS = env.int("WORKSHOP_CACHE_SECONDS", 5, validate=Range(min=0))

# Admin login: django-axes locks a username from one address out after repeated failures.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 10, validate=Range(min=1))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", 30, validate=Range(min=1)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# No banner on every start-up (it would also be the last line of every command and test run).
AXES_VERBOSE = False
AXES_RESET_ON_SUCCESS = True
# The lock lasts AXES_COOLOFF_MINUTES from the last counted failure, as the lock-out page says; tries during
# the lock are refused without starting the clock again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
# Never write typed passwords to the attempt log.
AXES_SENSITIVE_PARAMETERS = ["password"]

# Content-Security-Policy (django-csp 4): our own host only, no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_values.SELF],
        "script-src": [csp_values.SELF],
        "style-src": [csp_values.SELF],
        # Bootstrap draws the select arrow and check marks as data: SVG images.
        "img-src": [csp_values.SELF, "data:"],
        "font-src": [csp_values.SELF],
        "connect-src": [csp_values.SELF],
        "form-action": [csp_values.SELF],
        "frame-ancestors": [csp_values.NONE],
        "base-uri": [csp_values.NONE],
        "object-src": [csp_values.NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A refused form explains itself in the site's layout and offers the form again (config/views.py).
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# In production every request is HTTPS: redirect plain HTTP, and tell browsers for a year (HSTS). Turn the
# redirect off (SECURE_SSL_REDIRECT=0) only behind a proxy that already redirects.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers and container health checks ask over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, validate=Range(min=0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", False)
if not DEBUG:
    # The proxy in front terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit lists only third-party Redis backends; Django's own RedisCache increments
    # atomically (Redis INCR), which is all the counters need.
    "django_ratelimit.W001",
]
if not SECURE_HSTS_PRELOAD:
    # Preloading is a decision for the owner of the whole domain, hard to undo: off unless chosen.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if DEBUG and not CACHE_URL:
    # One development server is one process: its memory is the whole cache. Production sets REDIS_URL,
    # and without it this check stops the start-up there.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

LOG_LEVEL = env.str("LOG_LEVEL", "INFO", validate=OneOf(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]))
# Every handler masks the secret half of self-service links (config/logging.py), including the development
# server's request lines (the "django.server" logger, redefined here with the filter).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "config.logging.MaskSecretLinks"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_secrets"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["mask_secrets"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own default handlers for these would print request paths unmasked.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
