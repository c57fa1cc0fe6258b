"""``require_scopes`` for DRF and plain Django views, and a mixin for class-based views.

    @require_scopes("bookings:read")
    def get(self, request): ...           # APIView method, ViewSet action, @api_view function

    @require_scopes("bookings:read")
    def bookings(request): ...            # plain Django view: authenticates the token itself

    @require_scopes("bookings:read")
    async def bookings(request): ...      # async view: the token is checked in a thread (ASGI)

Errors follow RFC 6750 §3: 401 ``invalid_token`` (no ``error`` when no token was
sent), 403 ``insufficient_scope`` with ``scope``, 400 ``invalid_request``; each with
its ``WWW-Authenticate: Bearer`` challenge and a DRF-style ``{"detail": ...}`` body.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.request import Request

from ..core.errors import InsufficientScope, MissingToken, OAuthError
from .authentication import as_drf_exception
from .bearer import challenge_for
from .tokens import AccessTokenInfo
from .validation import SITE_AUDIENCE, Audience, authenticate_request, check_scopes, resource_metadata_for

__all__ = ["ScopeRequiredMixin", "bearer_error_response", "require_scopes", "token_for_request"]


def bearer_error_response(error: OAuthError, audience: Audience = SITE_AUDIENCE) -> HttpResponse:
    """A DRF-style ``{"detail": ...}`` body with the RFC 6750 challenge (and RFC 9728's
    ``resource_metadata`` when an audience is expected)."""
    response = JsonResponse({"detail": error.description}, status=error.status_code)
    challenge = challenge_for(error, resource_metadata_for(audience))
    if challenge is not None:
        response["WWW-Authenticate"] = challenge
    response["Cache-Control"] = "no-store"
    return response


def token_for_request(
    request: HttpRequest, scopes: list[str], audience: Audience = SITE_AUDIENCE
) -> AccessTokenInfo:
    """Authenticate a plain Django request's access token (bearer, or DPoP-bound with its
    proof), its audience (RFC 8707) and ``scopes``; raises an
    :class:`~oauth_provider.core.errors.OAuthError` with an RFC 6750 code."""
    info = authenticate_request(request, audience=audience)
    if info is None:
        raise MissingToken()
    check_scopes(info, scopes)
    request.user = info.user
    request.oauth_token = info  # type: ignore[attr-defined]
    return info


def _request_in(args: tuple[Any, ...]) -> Any:
    for arg in args[:2]:
        if isinstance(arg, (Request, HttpRequest)):
            return arg
    raise TypeError("require_scopes must decorate a view function or a view method taking a request.")


def require_scopes(
    *scopes: str, audience: Audience = SITE_AUDIENCE
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a bearer token carrying every scope in ``scopes``, issued for ``audience``
    (left out: ``RESOURCE_SERVER_AUDIENCE``; ``None``: any). On a DRF view the audience is
    the authentication class's."""
    required = list(scopes)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request = _request_in(args)
            if isinstance(request, Request):
                token = request.auth if isinstance(request.auth, AccessTokenInfo) else None
                if token is None:
                    raise exceptions.NotAuthenticated()
                if not token.has_scopes(required):
                    raise as_drf_exception(InsufficientScope(required))
                return view(*args, **kwargs)
            try:
                token_for_request(request, required, audience)
            except OAuthError as error:
                return bearer_error_response(error, audience)
            return view(*args, **kwargs)

        @functools.wraps(view)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            # An async view runs in the event loop, where the ORM may not: the token is
            # checked in a thread, as Django runs a sync view.
            request = _request_in(args)
            try:
                await sync_to_async(token_for_request)(request, required, audience)
            except OAuthError as error:
                return bearer_error_response(error, audience)
            return await view(*args, **kwargs)

        if iscoroutinefunction(view):
            wrapper = async_wrapper
        wrapper.required_scopes = required  # type: ignore[attr-defined]
        # A bearer token is not sent by browsers on their own, so CSRF does not apply.
        wrapper.csrf_exempt = True  # type: ignore[attr-defined]
        return wrapper

    return decorator


class ScopeRequiredMixin:
    """For Django class-based views: ``required_scopes`` (or ``required_scopes_by_method``)."""

    required_scopes: list[str] = []
    required_scopes_by_method: dict[str, list[str]] = {}
    #: The resource identifier tokens must have been issued for (RFC 8707); left as it is,
    #: ``RESOURCE_SERVER_AUDIENCE``; ``None`` accepts any audience.
    audience: Audience = SITE_AUDIENCE

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        view.csrf_exempt = True  # bearer tokens are not sent by browsers on their own
        return view

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        scopes = list(self.required_scopes_by_method.get(request.method or "GET", self.required_scopes))
        if getattr(self, "view_is_async", False):
            return self._async_dispatch(request, scopes, *args, **kwargs)
        try:
            token_for_request(request, scopes, self.audience)
        except OAuthError as error:
            return bearer_error_response(error, self.audience)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    async def _async_dispatch(
        self, request: HttpRequest, scopes: list[str], *args: Any, **kwargs: Any
    ) -> Any:
        """An async view's handlers run in the event loop: the token is checked in a thread."""
        try:
            await sync_to_async(token_for_request)(request, scopes, self.audience)
        except OAuthError as error:
            return bearer_error_response(error, self.audience)
        return await super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
