"""A minimal Django project around django-helpdesk 2.6.1, for the comparison benchmark only.

Runs in its own virtual environment (bench/helpdesk/run.py makes it); the database comes from
HELPDESK_DATABASE_URL (sqlite:///path or postgres://user@host:port/name). Settings are the
package's defaults except: no pinax teams (not installed), only staff offered as ticket owners
(the assignee picker would otherwise list all 20,000 people), DEBUG off, e-mail to the console.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "helpdesk-benchmark-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]


def _database(url: str) -> dict:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parsed.path,
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    if parsed.scheme in ("postgres", "postgresql"):
        return {"ENGINE": "django.db.backends.postgresql", "NAME": parsed.path.lstrip("/"),
                "USER": parsed.username or "", "PASSWORD": parsed.password or "",
                "HOST": parsed.hostname or "", "PORT": str(parsed.port or ""), "CONN_MAX_AGE": 60}
    raise ValueError(f"unsupported database URL {url!r}")


DATABASES = {"default": _database(os.environ.get("HELPDESK_DATABASE_URL", f"sqlite:///{BASE_DIR / 'helpdesk.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "hdproject.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = str(BASE_DIR / "media")
LOGIN_URL = "helpdesk:login"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_STAFF_ONLY_TICKET_OWNERS = True
