"""The bench site for oauth_provider: the package with the documented production settings,
plus bench-only lifetimes and limits.

``BENCH_TOKEN_STORE`` (``sql``, the default, or ``orm``) sets ``TOKEN_STORE``; each store
is a site of its own, with a database of its own. ``BENCH_TOKEN_CACHE_SECONDS`` (default
0, the package's default) sets ``ACCESS_TOKEN_CACHE_SECONDS``: the driver serves the same
site and database a second time with 5, as a site that opts in to the token cache.
"""

import os

from bench_common.settings import *  # noqa: F403
from bench_common.settings import BASE_APPS, database, redis_cache

TOKEN_STORE = os.environ.get("BENCH_TOKEN_STORE", "sql")

INSTALLED_APPS = [*BASE_APPS, "oauth2_provider", "oauth_provider", "provider_site"]
ROOT_URLCONF = "provider_site.urls"
# BENCH_SITE_DATABASE: another database for the same site (bench/fleet.py's).
DATABASES = {"default": database(os.environ.get("BENCH_SITE_DATABASE", f"oauth_provider_{TOKEN_STORE}"))}
CACHES = {"default": redis_cache(f"oauth_provider_{TOKEN_STORE}")}

# Bench only: authorization codes are seeded before the run and must outlive it.
BENCH_AUTHORIZATION_CODE_EXPIRE_SECONDS = 3600

OAUTH_PROVIDER = {
    "SCOPES": {"read": "Read your data", "write": "Change your data"},
    "ISSUER": "https://auth.example.com",
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": BENCH_AUTHORIZATION_CODE_EXPIRE_SECONDS,
    "TOKEN_STORE": TOKEN_STORE,
    # The password scenario needs the grant, which a new site leaves out (RFC 9700 §2.4).
    "GRANT_TYPES": ["authorization_code", "refresh_token", "client_credentials", "password"],
    "ACCESS_TOKEN_CACHE_SECONDS": int(os.environ.get("BENCH_TOKEN_CACHE_SECONDS", "0")),
    # JWT access tokens (the protected_get_jwt scenario) are verified by their signature, with
    # this site's own keys; an opaque token is looked up as before.
    "RESOURCE_SERVER_JWT": True,
    # As the settings reference advises for production: the counters in Redis, shared by
    # every worker, instead of each process's memory.
    "RATE_LIMIT_CACHE_ALIAS": "default",
    # One address and one client send every request: the default limits would refuse
    # the load. Limits this high keep the limiter's work, its Redis round trips, in the
    # measurement.
    "RATE_LIMITS": {
        "token": "1000000/minute",
        "authorize": "1000000/minute",
        "revoke": "1000000/minute",
        "introspect": "1000000/minute",
    },
}
