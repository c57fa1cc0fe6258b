"""Rate limits for the token, authorization, revocation and introspection endpoints.

DRF's throttling shape (a cache key per subject, a counting window, ``wait()`` for
``Retry-After``) on Django's cache framework, checked before any hashing or database
query. Two kinds of limit:

* **request rates** per client id and per client IP (``RATE_LIMITS``);
* **failure lockouts** for failed client authentications (per client id and IP) and
  failed password-grant logins (per username and IP): after ``FAILED_ATTEMPTS_LIMIT``
  failures in ``FAILED_ATTEMPTS_WINDOW_SECONDS`` the subject is locked out, for a
  time that doubles with each lockout in a row (escalating back-off).

When the cache is down the limiter lets requests through (``RATE_LIMIT_FAIL_OPEN``,
the default) or refuses them with 503.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpRequest

from ..core import signals
from ..core.hashing import hash_token
from ..settings import provider_settings

__all__ = ["CacheUnavailable", "Limited", "check_rate", "is_locked_out", "parse_rate", "record_failure"]

log = logging.getLogger("oauth_provider")
PREFIX = "oauth_provider:throttle:"
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class CacheUnavailable(Exception):
    """The rate-limit cache failed and RATE_LIMIT_FAIL_OPEN is off."""


@dataclass(frozen=True)
class Limited:
    """A refused request: why, and how long until it may try again."""

    reason: str
    retry_after: int


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/minute"`` -> ``(30, 60)``; the period is s, m, h or d (or a word starting so)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[0].lower()]


def _cache():
    return caches[provider_settings.RATE_LIMIT_CACHE_ALIAS]


@functools.lru_cache(maxsize=1024)  # a request asks for its address's and client's keys again
def _subject(kind: str, value: str) -> str:
    # Hash so client ids and usernames of any length or alphabet make valid, private keys.
    return PREFIX + kind + ":" + hash_token(value)[:32]


def _guard(operation, default):
    try:
        return operation()
    except Exception as exc:
        if provider_settings.RATE_LIMIT_FAIL_OPEN:
            log.error("rate limit cache unavailable (%s); allowing the request", type(exc).__name__)
            return default
        raise CacheUnavailable() from exc


def _count(key: str, window: int) -> int:
    """Count a hit in the window that started at the first hit; returns the count so far.

    A window anchored at the first hit, unlike a clock-aligned one, cannot be straddled
    to get twice the allowance.
    """
    cache = _cache()
    # Counting in an open window is the common case: one operation, not add() then incr().
    try:
        return cache.incr(key)
    except ValueError:  # no window open for this subject
        pass
    if cache.add(key, 1, window):
        cache.set(key + ":start", time.time(), window)
        return 1
    try:
        return cache.incr(key)  # another request opened the window meanwhile
    except ValueError:  # and it ended already
        cache.set(key, 1, window)
        cache.set(key + ":start", time.time(), window)
        return 1


def _seconds_left(key: str, window: int) -> int:
    """Seconds until the window counted under ``key`` ends (read only once over the limit)."""
    now = time.time()
    start = _cache().get(key + ":start") or now
    return max(1, int(start + window - now) + 1)


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind proxies, set NUM_PROXIES to trust X-Forwarded-For (as DRF does)."""
    proxies = int(provider_settings.NUM_PROXIES)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def check_rate(endpoint: str, request: HttpRequest, client_id: str | None) -> Limited | None:
    """Count this request against the endpoint's rate, per IP and per client id."""
    rate = provider_settings.RATE_LIMITS.get(endpoint)
    if not rate:
        return None
    limit, window = parse_rate(rate)
    subjects = [("ip", client_ip(request))] + ([("client", client_id)] if client_id else [])
    for kind, value in subjects:
        key = _subject(f"{endpoint}:{kind}", value)
        count = _guard(lambda k=key: _count(k, window), 0)
        if count > limit:
            left = _guard(lambda k=key: _seconds_left(k, window), window)
            signals.rate_limit_hit.send(
                sender=Limited, endpoint=endpoint, subject_kind=kind, first_in_window=count == limit + 1
            )
            return Limited(
                f"Too many {endpoint} requests from this {'address' if kind == 'ip' else 'client'}.", left
            )
    return None


def _lock_key(kind: str, value: str) -> str:
    return _subject(f"lock:{kind}", value)


def is_locked_out(subjects: list[tuple[str, str]]) -> Limited | None:
    """A lockout in force for any of ``subjects`` (kind, value)."""
    now = time.time()
    kinds = {_lock_key(kind, value): kind for kind, value in subjects}
    # One round trip for every subject: a lockout is rare, the question is asked every time.
    found = _guard(lambda: _cache().get_many(list(kinds)), {}) if kinds else {}
    for key, kind in kinds.items():
        until = found.get(key)
        if until and until > now:
            left = int(until - now) + 1
            # One marker per lockout (its end time names it): true for its first refusal only.
            marker = f"{key}:refused:{until}"
            first = _guard(lambda m=marker, t=left: _cache().add(m, 1, t), True)
            signals.rate_limit_hit.send(
                sender=Limited, endpoint="lockout", subject_kind=kind, first_in_window=bool(first)
            )
            return Limited("Too many failed attempts; wait before trying again.", left)
    return None


def record_failure(subjects: list[tuple[str, str]]) -> None:
    """Count a failed attempt; past the limit, lock the subject out with escalating back-off."""
    limit = int(provider_settings.FAILED_ATTEMPTS_LIMIT)
    window = int(provider_settings.FAILED_ATTEMPTS_WINDOW_SECONDS)
    for kind, value in subjects:
        if not value:
            continue

        def fail(kind: str = kind, value: str = value) -> None:
            count = _count(_subject(f"fail:{kind}", value), window)
            if count < limit:
                return
            cache = _cache()
            strikes_key = _subject(f"strikes:{kind}", value)
            cache.add(strikes_key, 0, 24 * 3600)
            strikes = cache.incr(strikes_key)
            lockout = min(window * 2 ** (strikes - 1), 24 * 3600)
            cache.set(_lock_key(kind, value), time.time() + lockout, lockout)
            log.warning("lockout after repeated failures", extra={"subject_kind": kind, "seconds": lockout})

        _guard(fail, None)
