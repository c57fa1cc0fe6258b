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

__all__ = ["django_request", "forget_oauthlib_servers", "redis_client"]


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


def forget_oauthlib_servers() -> None:
    """Drop the oauthlib server each django-oauth-toolkit view class built on first use (it
    keeps it as ``_oauthlib_core`` on the class, see ``OAuthLibMixin.get_oauthlib_core``), so
    that the next request builds one from the settings in force: the server class differs
    with ``OIDC_ENABLED``. Nothing to do before the views are imported."""
    import sys

    module = sys.modules.get("oauth2_provider.views.mixins")
    if module is None:
        return
    pending = [module.OAuthLibMixin]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "_oauthlib_core" in vars(cls):
            delattr(cls, "_oauthlib_core")
