"""The partner travel app: an OAuth 2.0 client of the hotel site, run as its own process.

    python manage.py runserver 127.0.0.1:8001 --settings=partner.settings

It has its own SQLite file (``partner.sqlite3`` here, or ``PARTNER_DATABASE_NAME``) for
sessions, where it keeps the tokens and the flow trace. Local use only: DEBUG is on and the
secret key is public.
"""

import os
from pathlib import Path

from demo import credentials

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "partner-demo-only-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = ["django.contrib.sessions", "partner"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "partner.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PARTNER_DATABASE_NAME", BASE_DIR / "partner.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

# The hotel site runs on the same host: browsers share cookies across ports, so this
# site names its own.
SESSION_COOKIE_NAME = "partner_sessionid"
CSRF_COOKIE_NAME = "partner_csrftoken"

# The authorization server (and resource server) this client talks to, and its
# registrations there. A real client reads its secrets from its own configuration.
AUTHORIZATION_SERVER = credentials.AS_URL
API_URL = f"{credentials.AS_URL}/api"
OAUTH_CLIENTS = {
    name: {
        "client_id": name,
        "client_secret": fields.get("client_secret"),
        "redirect_uri": (fields.get("redirect_uri") or [None])[0],
        # Signing in with OpenID Connect comes back to a redirect URI of its own.
        "signin_redirect_uri": next(
            (uri for uri in fields.get("redirect_uri", []) if "/signin/" in uri), None
        ),
        "post_logout_redirect_uri": (fields.get("post_logout_redirect_uri") or [None])[0],
        "scopes": fields["scope"],
    }
    for name, fields in credentials.CLIENTS.items()
}
SCOPES = credentials.SCOPES
SIGN_IN_SCOPES = credentials.SIGN_IN_SCOPES
