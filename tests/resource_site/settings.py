"""Settings of the separate resource server, read from the environment the test sets:

``RESOURCE_SITE_ISSUER``, ``RESOURCE_SITE_JWKS_URL``, ``RESOURCE_SITE_AUDIENCE`` (its own URL),
``RESOURCE_SITE_DATABASE`` (``postgres`` or a SQLite file), ``RESOURCE_SITE_DATABASE_NAME``,
and ``RESOURCE_SITE_REDIS_URL`` with ``RESOURCE_SITE_REDIS_PREFIX`` for the denylist.

Its database is empty: no migration of any app is run there, this package's included.
"""

import os

import django

SECRET_KEY = "resource-site-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "tests.resource_site.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "oauth2_provider",
    "oauth_provider",
]
MIDDLEWARE = ["tests.resource_site.urls.count_queries", "django.middleware.common.CommonMiddleware"]

if os.environ.get("RESOURCE_SITE_DATABASE") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["RESOURCE_SITE_DATABASE_NAME"],
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["RESOURCE_SITE_DATABASE_NAME"],
            # What docs/installation.rst recommends (check W008), though nothing is written here.
            "OPTIONS": {"timeout": 20},
        }
    }

if DATABASES["default"]["ENGINE"].endswith("sqlite3") and django.VERSION >= (5, 1):
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

OAUTH_PROVIDER = {
    "SCOPES": {"bookings:read": "See your hotel bookings", "reports:read": "Read the reports"},
    "RESOURCE_SERVER_JWT": True,
    "RESOURCE_SERVER_JWT_ISSUER": os.environ["RESOURCE_SITE_ISSUER"],
    "RESOURCE_SERVER_JWKS_URL": os.environ["RESOURCE_SITE_JWKS_URL"],
    "RESOURCE_SERVER_AUDIENCE": [os.environ["RESOURCE_SITE_AUDIENCE"]],
}

if os.environ.get("RESOURCE_SITE_REDIS_URL"):
    CACHES["jwt_denylist"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["RESOURCE_SITE_REDIS_URL"],
        "KEY_PREFIX": os.environ.get("RESOURCE_SITE_REDIS_PREFIX", ""),
    }
    OAUTH_PROVIDER["JWT_DENYLIST_CACHE_ALIAS"] = "jwt_denylist"

REST_FRAMEWORK = {"UNAUTHENTICATED_USER": None}
