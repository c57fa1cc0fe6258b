"""Rate limits and lockouts for the token, authorization, revocation and introspection endpoints.

DRF's throttling shape (a cache key per subject, a counting window, a wait for
``Retry-After``) on Django's cache framework, checked before any hashing or query.
The model (docs/security.rst, "Rate limits and lockouts"):

* **Request rates** (``RATE_LIMITS``) count every request per address, and per client
  id *and* address. A client id is public: counted alone, anyone who sends it could
  use up a client's allowance for everyone. Keyed with the address, one address
  only uses up its own.
* **Lockouts** follow failed authentications: a wrong client secret (per client id and
  address, and per address) or, for the password grant, a wrong password (per
  username and address, and per address). ``FAILED_ATTEMPTS_LIMIT`` failures in
  ``FAILED_ATTEMPTS_WINDOW_SECONDS`` lock that subject out for a time that doubles with
  each lockout in a row, up to a day. A correct secret from another address still
  works: an attacker who does not know it cannot lock the client out.
* **Across addresses**, the failures of one client id (or username) are only counted:
  at the limit, ``guessing_suspected`` is sent and logged once per window. Locking the
  client out there would hand every attacker the lockout of their choice; generated
  client secrets (256 random bits) cannot be guessed online anyway.

On Redis (Django's ``RedisCache``) the checks of one request are one round trip: a
server-side script counts the rates and reads the lockouts at once; a failure is one
more. Other caches take a few operations each. When the cache is down the limiter
lets requests through (``RATE_LIMIT_FAIL_OPEN``, the default) or answers 503.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest

from ..core import signals
from ..core.hashing import hash_token
from ..core.upstream import redis_client
from ..settings import provider_settings

__all__ = [
    "CacheUnavailable",
    "Limited",
    "Subjects",
    "check",
    "check_user_code_entry",
    "client_ip",
    "parse_rate",
    "record_client_failure",
    "record_password_failure",
    "record_user_code_failure",
]

log = logging.getLogger("oauth_provider")
PREFIX = "oauth_provider:throttle:"
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: The longest lockout, however many came before it.
MAX_LOCKOUT_SECONDS = 24 * 3600


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


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind proxies, set NUM_PROXIES to trust X-Forwarded-For (as DRF does)."""
    proxies = int(provider_settings.NUM_PROXIES)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


@functools.lru_cache(maxsize=4096)  # a request asks for its subjects' keys more than once
def _key(kind: str, *values: str) -> str:
    # Hashed, so client ids and usernames of any length or alphabet make valid, private keys.
    return PREFIX + kind + ":" + hash_token("\x00".join(values))[:32]


@dataclass(frozen=True)
class Subjects:
    """Who a request is, for the limits: its address, and the client id and username it names
    (before anything is verified)."""

    address: str
    client_id: str = ""
    #: The password grant's ``username``, or ``""``.
    username: str = ""

    def rate_keys(self, endpoint: str) -> list[tuple[str, str]]:
        """``(kind, key)`` of each request-rate counter."""
        keys = [("ip", _key(f"rate:{endpoint}:ip", self.address))]
        if self.client_id:
            keys.append(("client", _key(f"rate:{endpoint}:client", self.client_id, self.address)))
        return keys

    def lock_keys(self) -> list[tuple[str, str]]:
        """``(kind, key)`` of each lockout that would refuse this request."""
        keys = [("ip", _key("lock:ip", self.address))]
        if self.client_id:
            keys.append(("client", _key("lock:client", self.client_id, self.address)))
        if self.username:
            keys.append(("user", _key("lock:user", self.username, self.address)))
        return keys


@dataclass(frozen=True)
class _Failure:
    """One lockable subject of a failure: its counter, its run of lockouts, its lock."""

    kind: str
    count: str
    strikes: str
    lock: str


def _failures(subjects: Subjects, who: str, value: str) -> tuple[list[_Failure], str | None]:
    """The lockable subjects of a failed authentication of ``who`` (client or user) named
    ``value``, and the key that counts its failures from every address (none when the
    request named no one)."""
    pairs: list[tuple[str, tuple[str, ...]]] = [("ip", (subjects.address,))]
    if value:
        pairs.append((who, (value, subjects.address)))
    lockable = [
        _Failure(
            kind,
            _key(f"fail:{kind}", *values),
            _key(f"strikes:{kind}", *values),
            _key(f"lock:{kind}", *values),
        )
        for kind, values in pairs
    ]
    return lockable, _key(f"fail:{who}:everywhere", value) if value else None


# -- the counters, on Redis in one round trip or on any cache in a few ---------------------------

# KEYS: the rate counters, then the locks. ARGV: how many rate counters, the window (ms).
# Returns, per rate counter, its count and milliseconds left; per lock, the milliseconds
# left (<= 0: none) and whether this is its first refusal.
_CHECK = """
local rates, window = tonumber(ARGV[1]), ARGV[2]
local out = {}
for i = 1, rates do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('PEXPIRE', KEYS[i], window) end
  out[#out + 1] = count
  out[#out + 1] = redis.call('PTTL', KEYS[i])
end
for i = rates + 1, #KEYS do
  local left = redis.call('PTTL', KEYS[i])
  local first = 0
  if left > 0 and redis.call('SET', KEYS[i] .. ':refused', 1, 'NX', 'PX', left) then first = 1 end
  out[#out + 1] = left
  out[#out + 1] = first
end
return out
"""

# KEYS: (counter, strikes, lock) per lockable subject, then perhaps the everywhere counter.
# ARGV: window (ms), limit, longest lockout (ms), how many lockable subjects. Returns the
# lockout (ms, 0 for none) of each lockable subject, then the everywhere count (0: none).
_FAIL = """
local window, limit, longest = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local lockable = tonumber(ARGV[4])
local out = {}
for i = 1, 3 * lockable, 3 do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('PEXPIRE', KEYS[i], window) end
  local lockout = 0
  if count >= limit then
    local strikes = redis.call('INCR', KEYS[i + 1])
    if strikes == 1 then redis.call('PEXPIRE', KEYS[i + 1], 86400000) end
    lockout = math.floor(math.min(window * 2 ^ (strikes - 1), longest))
    redis.call('SET', KEYS[i + 2], 1, 'PX', lockout)
    redis.call('DEL', KEYS[i])
  end
  out[#out + 1] = lockout
end
local count = 0
if #KEYS > 3 * lockable then
  count = redis.call('INCR', KEYS[#KEYS])
  if count == 1 then redis.call('PEXPIRE', KEYS[#KEYS], window) end
end
out[#out + 1] = count
return out
"""


class _Counters:
    """The counting, on any Django cache: a few operations per call."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def count(self, key: str, window: int) -> tuple[int, int]:
        """Count a hit in the window that began at the first hit; the count and ms left.

        A window anchored at the first hit, unlike a clock-aligned one, cannot be
        straddled to get twice the allowance."""
        cache = self.cache
        now = time.time()
        if cache.add(key, 1, window):
            cache.set(key + ":start", now, window)
            return 1, window * 1000
        try:
            count = cache.incr(key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(key, 1, window)
            cache.set(key + ":start", now, window)
            return 1, window * 1000
        start = cache.get(key + ":start") or now
        return count, int((start + window - now) * 1000)

    def check(self, rates: list[str], window: int, locks: list[str]) -> list[tuple[int, int]]:
        found = [self.count(key, window) for key in rates]
        until = self.cache.get_many(locks) if locks else {}
        now = time.time()
        for key in locks:
            left = int((until.get(key, 0) - now) * 1000)
            first = left > 0 and self.cache.add(f"{key}:refused:{until[key]}", 1, left // 1000 + 1)
            found.append((left, int(bool(first))))
        return found

    def fail(self, failures: list[_Failure], everywhere: str | None, window: int, limit: int) -> list[int]:
        lockouts = []
        for failure in failures:
            count, _ = self.count(failure.count, window)
            lockout = 0
            if count >= limit:
                self.cache.add(failure.strikes, 0, 86400)
                strikes = self.cache.incr(failure.strikes)
                lockout = int(min(window * 2 ** (strikes - 1), MAX_LOCKOUT_SECONDS) * 1000)
                self.cache.set(failure.lock, time.time() + lockout / 1000, lockout // 1000 or 1)
                self.cache.delete_many([failure.count, failure.count + ":start"])
            lockouts.append(lockout)
        return [*lockouts, self.count(everywhere, window)[0] if everywhere else 0]


class _RedisCounters(_Counters):
    """The counting on Redis: one server-side script per call, one round trip."""

    def __init__(self, cache: Any, client: Any) -> None:
        super().__init__(cache)
        self.check_script = client.register_script(_CHECK)
        self.fail_script = client.register_script(_FAIL)

    def check(self, rates: list[str], window: int, locks: list[str]) -> list[tuple[int, int]]:
        keys = [self.cache.make_key(key) for key in rates + locks]
        values = self.check_script(keys=keys, args=[len(rates), window * 1000])
        return list(zip(values[::2], values[1::2], strict=True))

    def fail(self, failures: list[_Failure], everywhere: str | None, window: int, limit: int) -> list[int]:
        keys = [self.cache.make_key(key) for f in failures for key in (f.count, f.strikes, f.lock)]
        if everywhere:
            keys.append(self.cache.make_key(everywhere))
        args = [window * 1000, limit, MAX_LOCKOUT_SECONDS * 1000, len(failures)]
        return list(self.fail_script(keys=keys, args=args))


_counters: dict[int, _Counters] = {}


def _counters_of_cache() -> _Counters:
    cache = caches[provider_settings.RATE_LIMIT_CACHE_ALIAS]
    counters = _counters.get(id(cache))
    if counters is None or counters.cache is not cache:
        client = redis_client(cache)
        counters = _RedisCounters(cache, client) if client is not None else _Counters(cache)
        _counters[id(cache)] = counters
    return counters


def _guard(operation: Callable[[], Any], default: Any) -> Any:
    try:
        return operation()
    except Exception as exc:
        if provider_settings.RATE_LIMIT_FAIL_OPEN:
            log.error("rate limit cache unavailable (%s); allowing the request", type(exc).__name__)
            return default
        raise CacheUnavailable() from exc


# -- what the endpoints call ----------------------------------------------------------------------


def check(endpoint: str, subjects: Subjects) -> Limited | None:
    """Count this request against the endpoint's rate and refuse it if a limit or a lockout
    says so; before any hashing or query."""
    rate = provider_settings.RATE_LIMITS.get(endpoint)
    limit, window = parse_rate(rate) if rate else (0, 1)
    rates = subjects.rate_keys(endpoint) if rate else []
    # The authorization endpoint authenticates no client: no lockout applies there.
    locks = subjects.lock_keys() if endpoint != "authorize" else []
    if not rates and not locks:
        return None
    found = _guard(
        lambda: _counters_of_cache().check([key for _, key in rates], window, [key for _, key in locks]), []
    )
    for (kind, _), (count, left) in zip(rates, found, strict=False):
        if count > limit:
            signals.rate_limit_hit.send(
                sender=Limited, endpoint=endpoint, subject_kind=kind, first_in_window=count == limit + 1
            )
            noun = "address" if kind == "ip" else "client at this address"
            return Limited(f"Too many {endpoint} requests from this {noun}.", _seconds(left))
    for (kind, _), (left, first) in zip(locks, found[len(rates) :], strict=False):
        if left > 0:
            signals.rate_limit_hit.send(
                sender=Limited, endpoint="lockout", subject_kind=kind, first_in_window=bool(first)
            )
            return Limited(
                "Too many failed attempts from this address; wait before trying again.", _seconds(left)
            )
    return None


def _seconds(milliseconds: int) -> int:
    return max(1, -(-int(milliseconds) // 1000))


def _record(subjects: Subjects, who: str, value: str) -> None:
    failures, everywhere = _failures(subjects, who, value)
    limit = int(provider_settings.FAILED_ATTEMPTS_LIMIT)
    window = int(provider_settings.FAILED_ATTEMPTS_WINDOW_SECONDS)
    results = _guard(lambda: _counters_of_cache().fail(failures, everywhere, window, limit), None)
    if results is None:
        return
    for failure, lockout in zip(failures, results, strict=False):
        if lockout:
            log.warning(
                "lockout after repeated failures",
                extra={"subject_kind": failure.kind, "seconds": _seconds(lockout)},
            )
    if results[-1] == limit:
        # Once per window: the failures of one client id or username, from every address.
        signals.guessing_suspected.send(
            sender=Limited, subject_kind=who, client_id=value if who == "client" else None, failures=limit
        )
        log.warning(
            "failures for one %s reached the limit across addresses", who, extra={"subject_kind": who}
        )


def record_client_failure(subjects: Subjects) -> None:
    """A client failed to authenticate: count it for the client at this address and for
    the address (lockouts), and for the client everywhere (an alert)."""
    _record(subjects, "client", subjects.client_id)


def record_password_failure(subjects: Subjects) -> None:
    """A password grant named a wrong password: count it for the username at this address
    and for the address (lockouts), and for the username everywhere (an alert)."""
    _record(subjects, "user", subjects.username)


# -- the device grant's verification page (RFC 8628 §5.1) ------------------------------------


def _user_code_failures(address: str, user_id: str) -> list[_Failure]:
    """Wrong user codes count per owner (whatever the address) and per address: an owner
    locks only themselves out, and one address cannot try codes under many accounts."""
    return [
        _Failure(
            kind, _key(f"fail:{kind}", value), _key(f"strikes:{kind}", value), _key(f"lock:{kind}", value)
        )
        for kind, value in (("user_code_owner", user_id), ("user_code_ip", address))
    ]


def check_user_code_entry(address: str, user_id: str) -> Limited | None:
    """Refuse a user code entry from a locked-out owner or address, before any hashing or query."""
    locks = [failure.lock for failure in _user_code_failures(address, user_id)]
    window = int(provider_settings.FAILED_ATTEMPTS_WINDOW_SECONDS)
    found = _guard(lambda: _counters_of_cache().check([], window, locks), [])
    for failure, (left, first) in zip(_user_code_failures(address, user_id), found, strict=False):
        if left > 0:
            signals.rate_limit_hit.send(
                sender=Limited,
                endpoint="device_verification",
                subject_kind=failure.kind,
                first_in_window=bool(first),
            )
            return Limited("Too many wrong codes; wait before trying again.", _seconds(left))
    return None


def record_user_code_failure(address: str, user_id: str) -> None:
    """A wrong (or spent, or expired) user code was entered: count it towards a lockout."""
    limit = int(provider_settings.DEVICE_USER_CODE_ATTEMPTS)
    window = int(provider_settings.FAILED_ATTEMPTS_WINDOW_SECONDS)
    failures = _user_code_failures(address, user_id)
    results = _guard(lambda: _counters_of_cache().fail(failures, None, window, limit), None)
    for failure, lockout in zip(failures, results or [], strict=False):
        if lockout:
            log.warning(
                "lockout after repeated wrong user codes",
                extra={"subject_kind": failure.kind, "seconds": _seconds(lockout)},
            )
