"""Settings for the test suite. ``TEST_DATABASE=postgres`` runs it on PostgreSQL."""

import os
from pathlib import Path
from typing import Any

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/accounts/login/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "oauth2_provider",
    "oauth_provider",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # A login page for the browser tests; the package itself ships none.
        "DIRS": [Path(__file__).resolve().parent / "templates"],
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

# The live server of the browser tests serves the admin's CSS from here.
STATIC_URL = "/static/"

if os.environ.get("TEST_DATABASE") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "test",
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "TEST": {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_oauth_provider")},
        }
    }
    if os.environ.get("TEST_PREPARED_STATEMENTS"):
        # Django's switch for psycopg's prepared statements (off by default); 0 prepares
        # a statement the first time it runs.
        DATABASES["default"]["OPTIONS"] = {"prepare_threshold": 0}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# Fast hashing for users; client secrets use oauth_provider's own keyed hash.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

OAUTH_PROVIDER: dict[str, Any] = {
    "SCOPES": {
        "read": "Read your data",
        "write": "Change your data",
        "bookings:read": "See your bookings",
    },
    # The suite tests every grant, the legacy ones too; a site opts in to them the same way.
    "GRANT_TYPES": ["authorization_code", "refresh_token", "client_credentials", "password", "implicit"],
}
# TEST_TOKEN_STORE=orm runs the suite on the ORM token store (make test-postgres runs it once).
if os.environ.get("TEST_TOKEN_STORE"):
    OAUTH_PROVIDER["TOKEN_STORE"] = os.environ["TEST_TOKEN_STORE"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth_provider.resource.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}
