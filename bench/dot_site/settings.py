"""The reference site: django-oauth-toolkit as its tutorial sets it up, defaults unchanged."""

from bench_common.settings import *  # noqa: F403
from bench_common.settings import BASE_APPS, database, redis_cache

INSTALLED_APPS = [*BASE_APPS, "oauth2_provider", "dot_site"]
ROOT_URLCONF = "dot_site.urls"
DATABASES = {"default": database("dot")}
# The same cache as the other site; django-oauth-toolkit's requests do not use it.
CACHES = {"default": redis_cache("dot")}

# Bench only: authorization codes are seeded before the run and must outlive it.
BENCH_AUTHORIZATION_CODE_EXPIRE_SECONDS = 3600

OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read scope", "write": "Write scope"},
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": BENCH_AUTHORIZATION_CODE_EXPIRE_SECONDS,
}
