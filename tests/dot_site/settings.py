"""django-oauth-toolkit alone, its own models and defaults. ``DOT_SITE_DATABASE`` is a SQLite
file, or ``postgres:<name>`` for a PostgreSQL database."""

import os

SECRET_KEY = "dot-site-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.dot_site.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

_database = os.environ["DOT_SITE_DATABASE"]
if _database.startswith("postgres:"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _database.removeprefix("postgres:"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _database}}

# Users' passwords with a fast hasher; client secrets with django-oauth-toolkit's default,
# PBKDF2 (its CLIENT_SECRET_HASHER names the first of PASSWORD_HASHERS).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read scope", "write": "Write scope"},
    # Long enough for the test to carry a code in flight across the import.
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
}
