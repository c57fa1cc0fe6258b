"""The hotel site as one of several servers behind a load balancer (docs/deployment.rst).

The demo's settings, run as in production (``DEBUG`` off, errors logged to standard
error), with what the servers of a fleet share named by the environment:

``PGHOST``, ``PGPORT``, ``PGUSER``, ``DEMO_DATABASE_NAME``
    PostgreSQL, directly or through a pooler (default ``oauth_provider_demo`` on
    ``127.0.0.1:5432`` as ``postgres``).
``DEMO_POOLER=transaction``
    The database is behind a transaction-mode pooler such as PgBouncer: Django's
    ``DISABLE_SERVER_SIDE_CURSORS``, and no persistent connections.
``DEMO_POOLER_KEEPS_PREPARED_STATEMENTS=1``
    The pooler keeps prepared statements (PgBouncer 1.21+ with ``max_prepared_statements``):
    oauth_provider's ``POOLER_KEEPS_PREPARED_STATEMENTS``.
``DEMO_DB_POOL=1``
    Django's own connection pool (psycopg's pool, Django 5.1+) instead of persistent
    connections.
``DEMO_PREPARE_THRESHOLD``
    psycopg's prepared statements (Django's ``prepare_threshold`` option).
``DEMO_CONN_MAX_AGE``
    Seconds a connection is kept between requests (default 60; 0 with a pooler or the pool).
``DEMO_REDIS_URL``, ``DEMO_CACHE_PREFIX``
    The cache every server shares: rate limits and lockouts (default
    ``redis://127.0.0.1:6379/10``).
``DEMO_NUM_PROXIES``
    Proxies in front of the servers whose ``X-Forwarded-For`` is trusted (default 1: the
    load balancer).
``DEMO_ADDR``
    The address clients use, the balancer's: the issuer and the clients' URLs follow.

The URLs add the health endpoint, the metrics and a plain Django view to the demo's
(``demo.fleet_urls``).
"""

import os

from .settings import *  # noqa: F403
from .settings import MIDDLEWARE, OAUTH_PROVIDER

DEBUG = False
ROOT_URLCONF = "demo.fleet_urls"

POOLER = os.environ.get("DEMO_POOLER", "")
POOL = os.environ.get("DEMO_DB_POOL") == "1"
OPTIONS: dict = {}
if POOL:
    OPTIONS["pool"] = {"min_size": 1, "max_size": 4}
if os.environ.get("DEMO_PREPARE_THRESHOLD"):
    OPTIONS["prepare_threshold"] = int(os.environ["DEMO_PREPARE_THRESHOLD"])

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DEMO_DATABASE_NAME", "oauth_provider_demo"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
        # Django's pool and a transaction-mode pooler each hand out connections per request.
        "CONN_MAX_AGE": 0 if POOL or POOLER else int(os.environ.get("DEMO_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": not (POOL or POOLER),
        # Django's setting for a transaction-mode pooler, which oauth_provider reads too
        # (POOLER_KEEPS_PREPARED_STATEMENTS, check oauth_provider.W012).
        "DISABLE_SERVER_SIDE_CURSORS": POOLER == "transaction",
        "OPTIONS": OPTIONS,
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("DEMO_REDIS_URL", "redis://127.0.0.1:6379/10"),
        "KEY_PREFIX": os.environ.get("DEMO_CACHE_PREFIX", "demo"),
        # A Redis that does not answer costs a request one second, not a worker's timeout.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

MIDDLEWARE = ["oauth_provider.ops.metrics.MetricsMiddleware", *MIDDLEWARE]

OAUTH_PROVIDER = {
    **OAUTH_PROVIDER,
    "NUM_PROXIES": int(os.environ.get("DEMO_NUM_PROXIES", "1")),
    "POOLER_KEEPS_PREPARED_STATEMENTS": os.environ.get("DEMO_POOLER_KEEPS_PREPARED_STATEMENTS") == "1",
}

# An http issuer is the demo's, on loopback (check oauth_provider.W007 is for real sites).
SILENCED_SYSTEM_CHECKS = ["oauth_provider.W007"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
