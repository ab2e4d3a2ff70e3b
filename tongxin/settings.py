"""The one settings module of tongxin, driven by environment variables.

Embedded default (no variables set): SQLite in WAL mode, tasks run in-process,
files on local disk, DEBUG on. Production sets TONGXIN_ENV=production and the
variables listed in docs/deployment.md; missing secrets then stop start-up.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from tongxin.env import ConfigError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_str("TONGXIN_ENV", "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ConfigError(f"TONGXIN_ENV must be development, test or production, got {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ConfigError("SECRET_KEY must be at least 50 characters in production")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-" + "x" * 50)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS is required in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Key for encrypting petitioners' identities at rest (Fernet, urlsafe base64, 32 bytes).
FIELD_ENCRYPTION_KEYS = env_list(
    "FIELD_ENCRYPTION_KEYS",
    [] if PRODUCTION else ["Q2hhbmdlTWUtZGV2LW9ubHkta2V5LTMyLWJ5dGVzISE="],
)
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ConfigError("FIELD_ENCRYPTION_KEYS is required in production")

INSTALLED_APPS = [
    "accounts.admin_apps.AccountsAdminConfig",  # django.contrib.admin behind two factors
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "core",
    "orgs",
    "audit",
    "accounts",
    "petitions",
    "insights",
    "ledger",
    "triage",
    "engagement",
    "ops",
    "party",
    "publicity",
    "carbon",
]

MIDDLEWARE = [
    "ops.middleware.RequestContextMiddleware",  # request id, access log, latency metric, replica flag
    "django.middleware.security.SecurityMiddleware",
    "audit.middleware.AuditOriginMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "core.middleware.RejectNulMiddleware",  # PostgreSQL cannot store NUL: 400/422 before any view
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tongxin.urls"
WSGI_APPLICATION = "tongxin.wsgi.application"

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
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------
DATA_DIR = Path(env_str("TONGXIN_DATA_DIR", str(BASE_DIR / "var")))
_default_sqlite = f"sqlite:///{DATA_DIR / 'tongxin.sqlite3'}"
if not PRODUCTION:
    (DATA_DIR / "static").mkdir(parents=True, exist_ok=True)  # also WhiteNoise's STATIC_ROOT
DATABASE_URL = env_str("DATABASE_URL") if PRODUCTION else env_str("DATABASE_URL", _default_sqlite)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
                                              conn_health_checks=True)}
# A streaming standby for the KPI pages' reads (ops/routers.py); tests mirror it onto default.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
                                                 conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ops.routers.ReplicaRouter"]
REPLICA_READ_PATHS = env_list("REPLICA_READ_PATHS", ["/insights/", "/api/v1/insights/"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write
        # lock at BEGIN so two transitions on one petition serialise instead of failing late.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = ["orgs.auth.EmployeeNumberOrPhoneBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout by username and address (accounts/lockout.py; docs/accounts.md). Seconds.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_LIMIT_PER_USER = env_int("LOGIN_FAILURE_LIMIT_PER_USER", 20, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60, minimum=60)
LOGIN_LOCKOUT_COOLDOWN = env_int("LOGIN_LOCKOUT_COOLDOWN", 15 * 60, minimum=60)
LOGIN_ATTEMPT_RETENTION_DAYS = env_int("LOGIN_ATTEMPT_RETENTION_DAYS", 30, minimum=1)
# TOTP for staff (any role but 职工, or is_staff/is_superuser): mandatory in production.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", PRODUCTION)
# Logged out after this many seconds without a request (accounts.middleware).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
# Reverse proxies in front of tongxin that append to X-Forwarded-For (core/net.py client_ip).
API_TRUSTED_PROXIES = env_int("API_TRUSTED_PROXIES", 0, minimum=0)

# --- i18n / time ------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env_str("S3_BUCKET", "-") != "-":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "region_name": env_str("S3_REGION", "us-east-1"),
            "default_acl": None,
            "querystring_auth": True,
        },
    }
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- cache, background work -------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without Redis the same task functions run in-process (embedded default).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A worker killed mid-task: its message goes back to the queue (the tasks are idempotent).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An unacknowledged message of a dead worker node is delivered again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=10)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # our LOGGING (JSON, request id) stays in force
CELERY_TIMEZONE = TIME_ZONE
# Notifications go through the transactional outbox when a broker is used (ops/outbox.py).
OPS_OUTBOX = env_bool("OPS_OUTBOX", bool(REDIS_URL))
# A published message not done after this long is published again (lost with a dead worker).
OPS_OUTBOX_REPUBLISH_SECONDS = env_int("OPS_OUTBOX_REPUBLISH_SECONDS", 600, minimum=30)
# Bearer token of the Prometheus scraper for /ops/metrics (empty: administrators only).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# --- audit log and personal data (docs/security.md) ---------------------------
# Audit rows are kept at least six months (网络安全法第二十一条): below 180 days start-up stops.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 190)
if AUDIT_RETENTION_DAYS < 180:
    raise ConfigError(f"AUDIT_RETENTION_DAYS must be ≥ 180 (网络安全法: six months), got {AUDIT_RETENTION_DAYS}")
# The chain heads are appended daily to a file outside the database; archives of purged rows.
AUDIT_HEAD_EXPORT_DIR = Path(env_str("AUDIT_HEAD_EXPORT_DIR", str(DATA_DIR / "audit-heads")))
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(DATA_DIR / "audit-archive")))
# Petitioners' identities are deleted this long after the matter ended (PIPL 第十九条, 第四十七条).
PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 5 * 365 + 1, minimum=180)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 1800, minimum=60)
CELERY_BEAT_SCHEDULE = {
    # Reminders, supervision and accountability: idempotent, safe on two nodes at once.
    "petitions-sweep-deadlines": {
        "task": "petitions.tasks.sweep_deadlines",
        "schedule": crontab(minute="*/15"),
    },
    "audit-export-head": {
        "task": "audit.tasks.export_audit_head",
        "schedule": crontab(hour=0, minute=15),
        "kwargs": {"once_per_day": True},
    },
    # Outbox messages whose publication failed (broker down at commit) or was lost with a worker.
    "ops-flush-outbox": {"task": "ops.tasks.flush_outbox", "schedule": 60.0},
    "ops-prune-task-runs": {"task": "ops.tasks.prune_task_runs", "schedule": crontab(hour=3, minute=40)},
    # Background jobs whose worker died mid-job (no heartbeat for JOB_STALE_SECONDS): queued again
    # (idempotent kinds) or failed with a message on the progress page (core/jobs.py).
    "core-reclaim-stale-jobs": {"task": "core.tasks.reclaim_stale_jobs", "schedule": 300.0},
    # The KPI rollup of closed months, recounted from the events (insights/rollup.py); pages stay exact
    # without it, only slower for the months changed since the last build.
    "insights-refresh-kpi-rollup": {"task": "insights.tasks.refresh_kpi_rollup", "schedule": crontab(minute="7,37")},
    # Monthly ability tests of petition staff (专业能力测试常态化); assigning twice adds nothing.
    "engagement-assign-monthly-tests": {
        "task": "engagement.tasks.assign_monthly_tests",
        "schedule": crontab(day_of_month=1, hour=7, minute=0),
    },
    # Party: organizational life still due before its period ends, to the branch secretaries;
    # one notice per branch × period × kind × recipient however often it runs.
    "party-send-life-reminders": {"task": "party.tasks.send_life_reminders", "schedule": crontab(hour=8, minute=5)},
    # Party dashboard: the member tally rebuilt (figures stay exact in between, see party/tally.py).
    "party-refresh-member-tally": {"task": "party.tasks.refresh_member_tally", "schedule": crontab(minute="*/10")},
}

# --- notifications ----------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tongxin@localhost")
SMS_BACKEND = env_str("SMS_BACKEND", "petitions.sms.LocmemSmsBackend")

# --- security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Everything is served by the platform itself (DESIGN §1: no CDN), so 'self' is enough; no inline
# script or style anywhere (templates load static/js and static/css files; tests/security checks).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's icons in CSS are data: SVGs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SILENCED_SYSTEM_CHECKS: list[str] = []

# JSON lines with the request id in production (ops/logs.py); LOG_FORMAT=plain for reading by eye.
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ConfigError(f"LOG_FORMAT must be json or plain, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "ops.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's loggers through the one handler above (its defaults would print without the
        # request id: django.server has a handler of its own, django a DEBUG-only console).
        "django": {"level": "INFO", "handlers": [], "propagate": True},
        "django.server": {"level": "INFO", "handlers": [], "propagate": True},
        "django.db.backends": {"level": "WARNING"}, "celery.app.trace": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
        # One line per request (method, route, status, duration_ms): on in production.
        "tongxin.access": {"level": "INFO" if env_bool("ACCESS_LOG", PRODUCTION) else "WARNING"},
    },
}

# Triage: the learned second opinion on high risk (docs/triage.md). Empty = the shipped model's
# cross-validated threshold; "off" = phrase rules only; a number in (0, 1] = that threshold.
TRIAGE_RISK_MODEL_THRESHOLD = env_str("TRIAGE_RISK_MODEL_THRESHOLD", "")
