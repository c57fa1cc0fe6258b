"""The bench site for oauth_provider: the package as documented, plus bench-only lifetimes."""

from bench_common.settings import *  # noqa: F403
from bench_common.settings import BASE_APPS, database

INSTALLED_APPS = [*BASE_APPS, "oauth2_provider", "oauth_provider", "provider_site"]
ROOT_URLCONF = "provider_site.urls"
DATABASES = {"default": database("oauth_provider")}

# Bench only: authorization codes are seeded before the run and must outlive it.
BENCH_AUTHORIZATION_CODE_EXPIRE_SECONDS = 3600

OAUTH_PROVIDER = {
    "SCOPES": {"read": "Read your data", "write": "Change your data"},
    "ISSUER": "https://auth.example.com",
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": BENCH_AUTHORIZATION_CODE_EXPIRE_SECONDS,
    # Each worker keeps a validated access token for up to 5 s (off by default): the
    # protected_get scenario measures it, protected_get_uncached the default.
    "ACCESS_TOKEN_CACHE_SECONDS": 5,
    # One address and one client send every request: the default limits would refuse
    # the load. Limits this high keep the limiter's work in the measurement.
    "RATE_LIMITS": {
        "token": "1000000/minute",
        "authorize": "1000000/minute",
        "revoke": "1000000/minute",
        "introspect": "1000000/minute",
    },
}
