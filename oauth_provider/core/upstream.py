"""The names of Django, Django REST framework, django-oauth-toolkit and oauthlib that
are not public API but that the package relies on, each wrapped once here; the Django
ORM internals the hand-written token store compiles its statements with stay inside
that one module, ``oauth_provider/storage/sql.py``.

``tests/test_upstream_contract.py`` checks each of them against the installed
versions, so that an upstream change fails there, naming what moved, instead of
somewhere deep in a request.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

__all__ = ["django_request", "redis_client"]


def django_request(request: Any) -> HttpRequest:
    """The Django ``HttpRequest`` of a DRF ``Request`` (DRF keeps it as ``_request`` and
    documents no public name for it); a Django request is returned as it is."""
    return getattr(request, "_request", request)


def redis_client(cache: Any) -> Any | None:
    """The ``redis.Redis`` client behind Django's own ``RedisCache`` (which keeps it, with its
    connection pool, on ``_cache.get_client()``), or ``None`` for any other cache."""
    from django.core.cache.backends.redis import RedisCache

    if not isinstance(cache, RedisCache):
        return None
    return cache._cache.get_client(write=True)
