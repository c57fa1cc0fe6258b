"""What the token, revocation and introspection views share."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.db import DatabaseError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.compat import login_not_required
from oauth2_provider.views.mixins import OAuthLibMixin

from ...core.errors import (
    InvalidClient,
    OAuthError,
    TemporarilyUnavailable,
    TooManyRequests,
    default_description,
    json_response,
    no_store_response,
)
from .. import client_authentication, throttling
from ..request_checks import form_post_problem

__all__ = [
    "FormPostEndpoint",
    "error_response",
    "log_backing_service_error",
    "oauthlib_response",
    "peek_client_id",
]

log = logging.getLogger("oauth_provider")

BASIC_CHALLENGE = 'Basic realm="oauth", charset="UTF-8"'


def oauthlib_response(body: str, status: int, headers: dict[str, str]) -> HttpResponse:
    """Turn oauthlib's answer into ours: JSON, no-store, a description on every error, and
    ``WWW-Authenticate: Basic`` on invalid_client (RFC 6749 §5.2; Basic is our only header scheme)."""
    headers = {k: v for k, v in headers.items() if k.lower() not in ("www-authenticate", "content-type")}
    if status < 400:
        return no_store_response(body or "{}", status, headers)  # oauthlib's JSON, as it is
    data: dict[str, Any] = json.loads(body) if body else {}
    if "error" in data:
        data.setdefault("error_description", default_description(data["error"]))
        if data["error"] == "invalid_client":
            status = InvalidClient.status_code
            headers["WWW-Authenticate"] = BASIC_CHALLENGE
    return json_response(data, status, headers)


def peek_client_id(request: HttpRequest) -> str | None:
    """The client id a request names (Basic header or body), without verifying anything."""
    try:
        basic = client_authentication.parse_basic_authorization(request.META.get("HTTP_AUTHORIZATION", ""))
    except client_authentication.MalformedCredentials:
        basic = None
    return basic[0] if basic else request.POST.get("client_id")


def log_backing_service_error(request: HttpRequest, exc: Exception) -> None:
    """A database or cache failure. SQLite's "database is locked" after its busy timeout is
    contention, not a fault: a warning without a traceback (see docs/installation.rst)."""
    if isinstance(exc, OperationalError) and "locked" in str(exc):
        log.warning("database busy at %s: %s", request.path, exc)
    else:
        log.exception("backing service error at %s", request.path)


def error_response(error: OAuthError) -> HttpResponse:
    if error.status_code == 401:
        error.headers.setdefault("WWW-Authenticate", BASIC_CHALLENGE)
    return error.as_response()


class FormPostEndpoint(OAuthLibMixin, View):
    """A back-channel endpoint: form POST in, JSON out, one transaction per request."""

    #: The key of this endpoint in ``RATE_LIMITS``.
    endpoint = ""
    #: Form fields that Django's error reports hide.
    sensitive_parameters: tuple[str, ...] = ("client_secret",)

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        # Decorating the view function, not dispatch, wraps it once instead of on every request.
        view = super().as_view(**initkwargs)
        return sensitive_post_parameters(*cls.sensitive_parameters)(csrf_exempt(login_not_required(view)))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = form_post_problem(request)
        if problem is not None:
            return error_response(problem)
        subjects = self.subjects(request)
        try:
            # Rate limits and lockouts, before any hashing or query (docs/security.rst, policy item 10).
            limited = throttling.check(self.endpoint, subjects)
            if limited is not None:
                return error_response(TooManyRequests(limited.reason, limited.retry_after))
            try:
                response = self.respond(request)
            except OAuthError as error:
                response = error_response(error)
            # Every answer counts, raised or returned: a failure is a failure.
            self.count_failure(subjects, response)
            return response
        except (DatabaseError, throttling.CacheUnavailable) as exc:
            log_backing_service_error(request, exc)
            return error_response(TemporarilyUnavailable())

    def subjects(self, request: HttpRequest) -> throttling.Subjects:
        """Who the limits count this request against: its address and the client id it names."""
        return throttling.Subjects(throttling.client_ip(request), peek_client_id(request) or "")

    def count_failure(self, subjects: throttling.Subjects, response: HttpResponse) -> None:
        """Count a failed client authentication (401 ``invalid_client``) towards a lockout."""
        if response.status_code == 401:
            throttling.record_client_failure(subjects)

    def atomic(self, request: HttpRequest) -> AbstractContextManager[Any]:
        """The transaction ``handle`` runs in. An endpoint that only reads returns
        ``nullcontext()``, one that needs a transaction for part of its work
        ``transactions.deferred_atomic()``: on SQLite every transaction holds the
        database's single write lock for its whole length."""
        return transaction.atomic()

    def respond(self, request: HttpRequest) -> HttpResponse:
        """:meth:`handle` in its transaction."""
        with self.atomic(request):
            return self.handle(request)

    def handle(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError
