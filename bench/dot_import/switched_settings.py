"""The same database after the switch: oauth_provider added after django-oauth-toolkit."""

from dot_import.dot_settings import *  # noqa: F403
from dot_import.dot_settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.sessions", "oauth_provider"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
OAUTH_PROVIDER = {"SCOPES": {"read": "Read scope", "write": "Write scope"}}
