"""Settings both bench sites share, so that only the OAuth layer differs between them.

Production-like: DEBUG off, no request logging (Django logs nothing per request with
DEBUG off; gunicorn runs without an access log), persistent database connections, and
Django's Redis cache as the default cache. ``BENCH_DATABASE`` picks the database:
``sqlite`` (a file under ``bench/var/``) or ``postgres`` (``PGHOST``, ``PGPORT``,
``PGUSER``; default ``postgres@127.0.0.1:5432``). ``BENCH_REDIS_URL`` names the Redis
database (default ``redis://127.0.0.1:6379/7``), which the driver empties before a run.
"""

import os
from pathlib import Path

import django

BENCH_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BENCH_VAR_DIR", BENCH_DIR / "var"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# `django-admin startproject`'s apps and middleware; each site adds its OAuth apps.
BASE_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

STATIC_URL = "static/"

# Django's default password hasher (PBKDF2) stays: the password grant pays for it on
# both sites, as it would in production.


def database(name: str) -> dict:
    """The default database of a site called ``name`` (``oauth_provider`` or ``dot``)."""
    if os.environ.get("BENCH_DATABASE", "sqlite") == "postgres":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": f"bench_{name}",
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "CONN_MAX_AGE": 600,
            # Django leaves psycopg's prepared statements off, for transaction-mode
            # connection poolers; the bench has none. This package then prepares the
            # statements of its hot paths (docs/installation.rst). Django binds every
            # other query, all of django-oauth-toolkit's, on the client, and psycopg
            # prepares none of those.
            "OPTIONS": {"prepare_threshold": 5},
        }
    # WAL lets readers run beside the one writer; IMMEDIATE transactions take the write
    # lock up front, so two workers wait for each other instead of failing "database is locked".
    options: dict = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
    if django.VERSION >= (5, 1):
        options["transaction_mode"] = "IMMEDIATE"
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / f"{name}.sqlite3",
        "OPTIONS": options,
        "CONN_MAX_AGE": 600,
    }


def redis_cache(key_prefix: str) -> dict:
    """The default cache of a site, in Redis; ``key_prefix`` keeps each site's keys apart."""
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": key_prefix,
    }
