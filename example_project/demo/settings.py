"""The authorization server and hotel API of the demo. Local use only: DEBUG is on and the
secret key is public.

SQLite by default (``db.sqlite3`` here, or the file ``DEMO_DATABASE_NAME`` names);
``DEMO_DATABASE=postgres`` uses PostgreSQL: database ``DEMO_DATABASE_NAME`` (default
``oauth_provider_demo``) on ``PGHOST``, ``PGPORT`` as ``PGUSER`` (libpq reads ``PGPASSWORD``).
"""

import os
from pathlib import Path

import django

from demo import credentials

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "demo-only-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "oauth2_provider",
    "oauth_provider",
    "hotels",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "demo.cors.partner_cors",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo.urls"
# runserver serves this application too.
WSGI_APPLICATION = "demo.wsgi.application"

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

if os.environ.get("DEMO_DATABASE") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("DEMO_DATABASE_NAME", "oauth_provider_demo"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
        }
    }
else:
    # The settings docs/installation.rst recommends for SQLite under concurrent requests.
    # (init_command and transaction_mode need Django 5.1.)
    SQLITE_OPTIONS: dict = {"timeout": 20}
    if django.VERSION >= (5, 1):
        SQLITE_OPTIONS["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        SQLITE_OPTIONS["transaction_mode"] = "IMMEDIATE"
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DEMO_DATABASE_NAME", BASE_DIR / "db.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"

# The partner app runs on the same host, another port; browsers share cookies across
# ports, so each site names its own.
SESSION_COOKIE_NAME = "hotel_sessionid"
CSRF_COOKIE_NAME = "hotel_csrftoken"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

OAUTH_PROVIDER = {
    "SCOPES": credentials.SCOPES,
    "ISSUER": credentials.AS_URL,
    # The consent, connected apps and revoke pages in the hotel site's own look.
    "BASE_TEMPLATE": "demo/oauth_frame.html",
    # Staff scopes for staff, manager scopes for managers (hotels/policy.py).
    "RESOURCE_OWNER_SCOPES": "hotels.policy.grantable_scopes",
    # The demo shows every grant, so it turns on the two that RFC 9700 discourages (off by
    # default); only the clients registered for them (partner-cli, partner-implicit) may use them.
    # The device grant (RFC 8628, off by default) is on for the partner's TV app, and token
    # exchange (RFC 8693, off by default) for its gateway.
    "GRANT_TYPES": [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    ],
    # Pushed authorization requests (RFC 9126) and DPoP (RFC 9449), both off by default:
    # clients may use them here; none is made to (docs/par.rst, docs/dpop.rst).
    "PUSHED_AUTHORIZATION_REQUESTS": True,
    "DPOP_ENABLED": True,
    # "Sign in with Hotel Booking" on the partner app (docs/oidc.rst). seed_demo creates the
    # first signing key; the demo users' names and email addresses are the claims.
    "OIDC_ENABLED": True,
    # The MCP endpoint (hotels/mcp_server.py) is a resource of its own: MCP clients name it in
    # `resource` (RFC 8707) and register themselves, by dynamic registration (RFC 7591) or a
    # client ID metadata document, as public clients that may only read bookings.
    "RESOURCES": [credentials.MCP_URL],
    "DYNAMIC_REGISTRATION": "open",
    "REGISTRATION_SCOPES": credentials.MCP_SCOPES,
    "REGISTRATION_CONFIDENTIAL_CLIENTS": False,
    "CLIENT_ID_METADATA_DOCUMENTS": True,
    # Local demo only: lets a client metadata document be served from this machine.
    "CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES": DEBUG,
}
# The demo's hotel site runs as one process, so its per-process cache catches every replayed
# DPoP proof (the fleet settings put the cache on Redis).
SILENCED_SYSTEM_CHECKS = ["oauth_provider.W032"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["oauth_provider.resource.BearerTokenAuthentication"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The browsable API would need a session; the demo API takes bearer tokens only.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Hotel booking API (oauth_provider demo)",
    "DESCRIPTION": "Hotels and rooms are public; bookings, hotel management and reports need "
    "an OAuth 2.0 access token with the scopes each operation lists.",
    "VERSION": "1.0",
}

# The denylist of revoked JWT access tokens (docs/jwt.rst), shared with resource servers
# in Redis, when DEMO_JWT_DENYLIST_REDIS_URL names one (the tests' separate resource server).
if os.environ.get("DEMO_JWT_DENYLIST_REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "jwt_denylist": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DEMO_JWT_DENYLIST_REDIS_URL"],
            "KEY_PREFIX": os.environ.get("DEMO_JWT_DENYLIST_KEY_PREFIX", ""),
        },
    }
    OAUTH_PROVIDER["JWT_DENYLIST_CACHE_ALIAS"] = "jwt_denylist"
