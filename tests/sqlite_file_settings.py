"""The test site on a SQLite file with the settings docs/installation.rst recommends, served
by a server of its own (tests/test_sqlite_concurrency.py). ``SQLITE_FILE`` names the file."""

import os

import django

from .settings import *  # noqa: F403

OPTIONS: dict = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "timeout": 20}
if django.VERSION >= (5, 1):
    OPTIONS["transaction_mode"] = "IMMEDIATE"

DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["SQLITE_FILE"], "OPTIONS": OPTIONS}
}
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
