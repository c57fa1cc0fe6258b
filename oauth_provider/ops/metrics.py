"""Prometheus metrics, from the package's signals and from a timing middleware.

Collected while `prometheus-client <https://github.com/prometheus/client_python>`_ is
installed (the ``metrics`` extra) and ``METRICS`` is on; nothing is imported or
registered otherwise. ``MetricsMiddleware`` times every request by endpoint and counts
the OAuth error codes answered; :func:`metrics` serves the text format for a scraper
(keep it off the public internet: see docs/deployment.rst).

**Labels never carry secrets, token values or unbounded input.** Every label value comes
from a closed list (grant types, client types, error codes of RFC 6749 and RFC 6750,
rate-limit subjects) or from the site's own URL patterns (the endpoint, a URL name,
never the requested path); anything else is counted as ``"other"``. Client ids are not
labels: clients are registered by anyone the site lets register them, and one series per
client is for the audit trail (docs/signals.rst), not for a time-series database.

Several processes (gunicorn workers) each count on their own; set
``PROMETHEUS_MULTIPROC_DIR`` as prometheus-client's documentation says, and :func:`metrics`
adds up the processes' files.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.http import require_safe
from oauth2_provider.compat import login_not_required

from ..core import signals
from ..core.errors import ERRORS_BY_CODE, EXTRA_DESCRIPTIONS
from ..core.grant_types import GrantType
from ..settings import provider_settings

__all__ = ["MetricsMiddleware", "connect", "metrics", "prometheus_available"]

log = logging.getLogger("oauth_provider")

ERROR_CODES = frozenset(ERRORS_BY_CODE) | frozenset(EXTRA_DESCRIPTIONS)
GRANT_TYPES = frozenset(GrantType.values) | {"implicit"}
CLIENT_TYPES = frozenset({"confidential", "public"})
RATE_LIMITED_ENDPOINTS = frozenset({"token", "authorize", "revoke", "introspect", "lockout"})
SUBJECTS = frozenset({"ip", "client", "user"})
#: Latency buckets, in seconds: a token request takes milliseconds, a password grant's
#: PBKDF2 a good part of a second.
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
#: The largest response body read for its ``error`` code.
LARGEST_ERROR_BODY = 4096
UNMATCHED = "unmatched"


@functools.cache
def prometheus_available() -> bool:
    """Whether prometheus-client is installed."""
    return importlib.util.find_spec("prometheus_client") is not None


def _bounded(value: Any, allowed: frozenset[str]) -> str:
    return value if isinstance(value, str) and value in allowed else "other"


class _Metrics:
    """The package's metrics, registered once per process in prometheus-client's registry."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.tokens_issued = Counter(
            "oauth_provider_tokens_issued",
            "Tokens issued, by grant and client type.",
            ["grant_type", "client_type"],
        )
        self.tokens_revoked = Counter(
            "oauth_provider_tokens_revoked", "Tokens revoked (RFC 7009, operators, reuse)."
        )
        self.reuse_detected = Counter(
            "oauth_provider_reuse_detected",
            "Spent refresh tokens or authorization codes presented again (RFC 9700 §4.14, §4.5).",
            ["kind"],
        )
        self.rate_limited = Counter(
            "oauth_provider_rate_limited",
            "Requests refused by a rate limit or a lockout.",
            ["endpoint", "subject"],
        )
        self.lockouts = Counter(
            "oauth_provider_lockouts",
            "Lockouts that refused a request, counted once per lockout.",
            ["subject"],
        )
        self.guessing_suspected = Counter(
            "oauth_provider_guessing_suspected",
            "Failed authentications of one client id or username reached the limit across addresses.",
            ["subject"],
        )
        self.consent_changes = Counter(
            "oauth_provider_consent_changes", "Consents given or revoked.", ["change"]
        )
        self.client_changes = Counter(
            "oauth_provider_client_changes", "Clients created, secrets rotated, clients disabled.", ["change"]
        )
        self.errors = Counter(
            "oauth_provider_errors",
            "OAuth error codes answered (RFC 6749 §5.2, RFC 6750 §3.1).",
            ["endpoint", "error"],
        )
        self.request_duration = Histogram(
            "oauth_provider_request_duration_seconds",
            "Time to answer a request, by endpoint (URL name).",
            ["endpoint"],
            buckets=BUCKETS,
        )


_metrics: _Metrics | None = None
_creating = threading.Lock()


def _get() -> _Metrics | None:
    """The metrics, while they are collected; None otherwise. Registered once, however many
    threads ask first at the same moment (a second registration would raise)."""
    global _metrics
    if not provider_settings.METRICS or not prometheus_available():
        return None
    if _metrics is None:
        with _creating:
            if _metrics is None:
                _metrics = _Metrics()
    return _metrics


def _never_failing(receiver: Callable[..., None]) -> Callable[..., None]:
    """A receiver whose failure is logged: counting must never fail the request it counts."""

    @functools.wraps(receiver)
    def receive(*args: Any, **kwargs: Any) -> None:
        try:
            receiver(*args, **kwargs)
        except Exception as exc:
            log.error("metrics not recorded (%s)", type(exc).__name__)

    return receive


# -- from the signals -----------------------------------------------------------------------------


def _token_issued(sender: Any, grant_type: Any = None, client_type: Any = None, **kwargs: Any) -> None:
    if (found := _get()) is not None:
        found.tokens_issued.labels(
            _bounded(grant_type, GRANT_TYPES), _bounded(client_type, CLIENT_TYPES)
        ).inc()


def _token_revoked(sender: Any, tokens_revoked: Any = 0, **kwargs: Any) -> None:
    if (found := _get()) is not None and isinstance(tokens_revoked, int) and tokens_revoked > 0:
        found.tokens_revoked.inc(tokens_revoked)


def _reused(kind: str) -> Callable[..., None]:
    def receive(sender: Any, tokens_revoked: Any = 0, **kwargs: Any) -> None:
        if (found := _get()) is not None:
            found.reuse_detected.labels(kind).inc()
            _token_revoked(sender, tokens_revoked)

    return receive


def _rate_limit_hit(
    sender: Any, endpoint: Any = None, subject_kind: Any = None, first_in_window: Any = False, **kwargs: Any
) -> None:
    if (found := _get()) is None:
        return
    subject = _bounded(subject_kind, SUBJECTS)
    found.rate_limited.labels(_bounded(endpoint, RATE_LIMITED_ENDPOINTS), subject).inc()
    if endpoint == "lockout" and first_in_window:
        found.lockouts.labels(subject).inc()


def _guessing_suspected(sender: Any, subject_kind: Any = None, **kwargs: Any) -> None:
    if (found := _get()) is not None:
        found.guessing_suspected.labels(_bounded(subject_kind, SUBJECTS)).inc()


def _change(family: str, change: str) -> Callable[..., None]:
    def receive(sender: Any, **kwargs: Any) -> None:
        if (found := _get()) is not None:
            getattr(found, family).labels(change).inc()

    return receive


_SOURCES: dict[str, tuple[Any, Callable[..., None]]] = {
    "token_issued": (signals.token_issued, _token_issued),
    "token_revoked": (signals.token_revoked, _token_revoked),
    "refresh_token_reused": (signals.refresh_token_reused, _reused("refresh_token")),
    "authorization_code_reused": (signals.authorization_code_reused, _reused("authorization_code")),
    "rate_limit_hit": (signals.rate_limit_hit, _rate_limit_hit),
    "guessing_suspected": (signals.guessing_suspected, _guessing_suspected),
    "consent_given": (signals.consent_given, _change("consent_changes", "given")),
    "consent_revoked": (signals.consent_revoked, _change("consent_changes", "revoked")),
    "client_created": (signals.client_created, _change("client_changes", "created")),
    "client_secret_rotated": (signals.client_secret_rotated, _change("client_changes", "secret_rotated")),
    "client_disabled": (signals.client_disabled, _change("client_changes", "disabled")),
}
_RECEIVERS = {name: (signal, _never_failing(receiver)) for name, (signal, receiver) in _SOURCES.items()}


def connect() -> None:
    """Connect the receivers, where prometheus-client is installed (from the app config)."""
    if not prometheus_available():
        return
    for name, (signal, receiver) in _RECEIVERS.items():
        signal.connect(receiver, dispatch_uid=f"oauth_provider.metrics.{name}")


# -- from the requests ----------------------------------------------------------------------------


def endpoint_of(request: HttpRequest) -> str:
    """The endpoint label: the URL pattern's name (``oauth_provider:token``), the view's
    path for a pattern without one, or ``"unmatched"``; never the requested path."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else UNMATCHED


def error_of(endpoint: str, response: HttpResponse) -> str | None:
    """The OAuth error code a response answers, if any: ``error`` in a JSON body, in a
    ``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3), or in the authorization
    endpoint's redirect (RFC 6749 §4.1.2.1); codes outside the RFCs' lists are "other"."""
    if response.status_code in (301, 302, 303, 307) and endpoint == "oauth_provider:authorize":
        parts = urlsplit(response.get("Location", ""))
        errors = parse_qs(parts.query).get("error") or parse_qs(parts.fragment).get("error")
        return _bounded(errors[0], ERROR_CODES) if errors else None
    if response.status_code < 400:
        return None
    challenge = response.get("WWW-Authenticate", "")
    if 'error="' in challenge:
        return _bounded(challenge.split('error="', 1)[1].split('"', 1)[0], ERROR_CODES)
    if (
        not getattr(response, "streaming", False)
        and response.get("Content-Type", "").startswith("application/json")
        and len(response.content) <= LARGEST_ERROR_BODY
    ):
        try:
            code = json.loads(response.content).get("error")
        except (ValueError, AttributeError):
            return None
        return _bounded(code, ERROR_CODES) if code is not None else None
    return None


@_never_failing
def _observe(request: HttpRequest, response: HttpResponse, seconds: float) -> None:
    found = _get()
    if found is None:
        return
    endpoint = endpoint_of(request)
    found.request_duration.labels(endpoint).observe(seconds)
    error = error_of(endpoint, response)
    if error is not None:
        found.errors.labels(endpoint, error).inc()


class MetricsMiddleware:
    """Times each request by endpoint and counts the OAuth errors answered. Put it first in
    ``MIDDLEWARE``, so that the time includes the other middleware. Sync and async: under
    ASGI it adds no switch between the two."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[..., Any]) -> None:
        if not provider_settings.METRICS or not prometheus_available():
            raise MiddlewareNotUsed()
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        start = time.perf_counter()
        response = self.get_response(request)
        _observe(request, response, time.perf_counter() - start)
        return response

    async def __acall__(self, request: HttpRequest) -> Any:
        start = time.perf_counter()
        response = await self.get_response(request)
        _observe(request, response, time.perf_counter() - start)
        return response


@login_not_required
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus' text format; 404 while they are not collected. Every
    process's, added up, where ``PROMETHEUS_MULTIPROC_DIR`` is set."""
    if _get() is None:
        return HttpResponseNotFound()
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    registry: Any = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
