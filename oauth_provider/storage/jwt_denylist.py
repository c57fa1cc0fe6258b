"""The denylist of revoked JWT access tokens (docs/jwt.rst): their ``jti`` in a cache the
authorization server shares with resource servers (``JWT_DENYLIST_CACHE_ALIAS``).

Revocation (``storage/revocation.py``) adds the ``jti`` of every live JWT it ends, each
kept until that token expires (plus the resource servers' leeway); a resource server
with the denylist on refuses a token whose ``jti`` is there. No models: a resource
server without this package's tables reads it too.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from datetime import datetime

from django.core.cache import caches

from ..settings import provider_settings

__all__ = ["KEY_PREFIX", "DenylistUnavailable", "deny", "enabled", "is_denied"]

log = logging.getLogger("oauth_provider")

KEY_PREFIX = "oauth_provider:jwt-denylist:"

#: Kept beyond a token's exp, for resource servers that accept it a little late (their leeway).
EXTRA_SECONDS = 120


class DenylistUnavailable(Exception):
    """The denylist's cache could not be read."""


def enabled() -> bool:
    return bool(provider_settings.JWT_DENYLIST_CACHE_ALIAS)


def _cache():
    return caches[provider_settings.JWT_DENYLIST_CACHE_ALIAS]


def deny(tokens: Iterable[tuple[str, datetime]]) -> int:
    """Add each ``(jti, expires)`` not yet expired; returns how many were added. A cache
    outage is logged, not raised: the revocation in the database stands, and the tokens
    stay usable at resource servers until they expire (JWT_ACCESS_TOKEN_EXPIRE_SECONDS)."""
    if not enabled():
        return 0
    now = time.time()
    entries: dict[int, dict[str, int]] = {}
    for jti, expires in tokens:
        remaining = math.ceil(expires.timestamp() - now)
        if not jti or remaining <= -EXTRA_SECONDS:
            continue
        entries.setdefault(max(remaining, 0) + EXTRA_SECONDS, {})[KEY_PREFIX + jti] = 1
    added = 0
    try:
        cache = _cache()
        for timeout, keys in entries.items():
            cache.set_many(keys, timeout)
            added += len(keys)
    except Exception:
        log.error("JWT denylist unavailable: revoked JWT access tokens stay usable until they expire")
    return added


def is_denied(jti: str) -> bool:
    """Whether ``jti`` was revoked; raises :class:`DenylistUnavailable` when the cache
    cannot answer (the caller fails closed)."""
    try:
        return _cache().get(KEY_PREFIX + jti) is not None
    except Exception as exc:
        raise DenylistUnavailable() from exc
