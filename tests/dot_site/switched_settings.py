"""The same site after following docs/switching.rst: oauth_provider added after
django-oauth-toolkit, OAUTH2_PROVIDER translated to OAUTH_PROVIDER, the URLs changed.
Same database (DOT_SITE_DATABASE)."""

import django

from tests.dot_site.settings import *  # noqa: F403
from tests.dot_site.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "oauth_provider"]
ROOT_URLCONF = "tests.dot_site.switched_urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
del OAUTH2_PROVIDER  # noqa: F821
if DATABASES["default"]["ENGINE"].endswith("sqlite3") and django.VERSION >= (5, 1):  # noqa: F405
    # docs/installation.rst, SQLite: concurrent requests queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": 20,
    }
OAUTH_PROVIDER = {
    "SCOPES": {"read": "Read scope", "write": "Write scope"},
    # django-oauth-toolkit's default lifetime, kept for the site's clients.
    "ACCESS_TOKEN_EXPIRE_SECONDS": 36000,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
}
