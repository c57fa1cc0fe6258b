"""A health endpoint for load balancers and orchestrators: can this server answer requests?

``GET`` answers ``200 {"status": "ok"}`` or ``503 {"status": "unavailable"}`` and
nothing else: no reason, no version, no host names. It checks the database the tokens
live in (``SELECT 1``) and, where the endpoints cannot work without it
(``RATE_LIMIT_FAIL_OPEN`` off), the rate-limit cache. With ``RATE_LIMIT_FAIL_OPEN`` on,
the default, a cache failure is logged but the server stays healthy: it still serves
every request, without rate limits, and a balancer that took every server out because
the shared cache is down would turn a degraded service into an outage.

Cheap, and no amplifier: each process checks at most once per
:data:`CHECK_INTERVAL_SECONDS` and answers every other request from that result, so a
flood of health requests costs the database and the cache nothing more. It is not rate
limited, so a balancer polling it often is never refused. Mount it where the balancer
asks (docs/deployment.rst)::

    from oauth_provider.ops.health import health

    urlpatterns = [path("health/", health), ...]
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache import caches
from django.db import connections, router
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from oauth2_provider.compat import login_not_required
from oauth2_provider.models import get_access_token_model

from ..settings import provider_settings

__all__ = ["CHECK_INTERVAL_SECONDS", "forget", "health", "is_healthy"]

log = logging.getLogger("oauth_provider")

#: How long a process reuses its last answer, in seconds.
CHECK_INTERVAL_SECONDS = 1.0

_lock = threading.Lock()
_last: dict[str, Any] = {"at": float("-inf"), "healthy": False}


def _database_answers() -> bool:
    connection = connections[router.db_for_write(get_access_token_model())]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        log.error("health check: database unavailable (%s)", type(exc).__name__)
        return False
    return True


def _cache_answers() -> bool:
    try:
        caches[provider_settings.RATE_LIMIT_CACHE_ALIAS].get("oauth_provider:health")
    except Exception as exc:
        log.error("health check: rate-limit cache unavailable (%s)", type(exc).__name__)
        return False
    return True


def _check() -> bool:
    database = _database_answers()
    cache = _cache_answers()
    return database and (cache or bool(provider_settings.RATE_LIMIT_FAIL_OPEN))


def is_healthy() -> bool:
    """Whether this server can answer requests: the last answer if it is recent enough, or
    a new check. While one thread checks, the others take the last answer."""
    now = time.monotonic()
    if now - _last["at"] < CHECK_INTERVAL_SECONDS or not _lock.acquire(blocking=False):
        return bool(_last["healthy"])
    try:
        healthy = _check()
        _last.update(at=time.monotonic(), healthy=healthy)
        return healthy
    finally:
        _lock.release()


def forget() -> None:
    """Drop the last answer, so that the next request checks again (for tests)."""
    _last.update(at=float("-inf"), healthy=False)


@login_not_required
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """``200 {"status": "ok"}`` or ``503 {"status": "unavailable"}``; ``GET`` and ``HEAD`` only."""
    healthy = is_healthy()
    response = JsonResponse({"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
