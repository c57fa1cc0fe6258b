"""DRF permission classes for bearer tokens. They compose with ``&``, ``|`` and ``~``.

A missing or invalid token is DRF's 401 (with the ``Bearer`` challenge from
:class:`~oauth_provider.authentication.BearerTokenAuthentication`). A valid token
without the needed scope raises ``insufficient_scope`` (403, RFC 6750 §3.1), which
ends the check even inside ``|``; use :class:`IsAuthenticatedOrTokenHasScope` for the
common "session or scoped token" case.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from ..core.errors import InsufficientScope
from ..settings import provider_settings
from .authentication import as_drf_exception
from .tokens import AccessTokenInfo

__all__ = [
    "IsAuthenticatedOrTokenHasScope",
    "TokenHasMethodScope",
    "TokenHasResourceOwner",
    "TokenHasScope",
    "TokenIsClientOnly",
    "required_scopes_of",
]


def required_scopes_of(view: Any, method: str) -> list[str]:
    """Scopes a view asks for: ``required_scopes_by_method[method]``, else ``required_scopes``."""
    by_method = getattr(view, "required_scopes_by_method", None) or {}
    if method in by_method:
        return list(by_method[method])
    return list(getattr(view, "required_scopes", None) or [])


def method_scopes_of(view: Any, method: str) -> list[str]:
    """Read scopes for safe methods, write scopes otherwise (view attributes or settings)."""
    if method in SAFE_METHODS:
        return list(getattr(view, "read_scopes", None) or provider_settings.READ_SCOPES)
    return list(getattr(view, "write_scopes", None) or provider_settings.WRITE_SCOPES)


def token_of(request: Request) -> AccessTokenInfo | None:
    return request.auth if isinstance(request.auth, AccessTokenInfo) else None


def check_token_scopes(request: Request, required: list[str]) -> bool:
    """False without a token (DRF answers 401); raises 403 insufficient_scope when short."""
    token = token_of(request)
    if token is None:
        return False
    if not token.has_scopes(required):
        raise as_drf_exception(InsufficientScope(required))
    return True


class TokenHasScope(BasePermission):
    """The token carries every scope in the view's ``required_scopes``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return check_token_scopes(request, required_scopes_of(view, request.method or "GET"))


class TokenHasMethodScope(BasePermission):
    """Safe methods need ``read_scopes``, others ``write_scopes`` (defaults: READ_SCOPES, WRITE_SCOPES)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return check_token_scopes(request, method_scopes_of(view, request.method or "GET"))


class IsAuthenticatedOrTokenHasScope(BasePermission):
    """A session-authenticated user, or a token with the view's ``required_scopes``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if token_of(request) is None:
            return bool(request.user and request.user.is_authenticated)
        return check_token_scopes(request, required_scopes_of(view, request.method or "GET"))


class TokenHasResourceOwner(BasePermission):
    """The token was issued for a resource owner (not by the client credentials grant)."""

    message = "This endpoint needs a token issued for a user, not a client credentials token."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = token_of(request)
        return token is not None and not token.is_client_token


class TokenIsClientOnly(BasePermission):
    """The token came from the client credentials grant: a service acting for itself."""

    message = "This endpoint needs a client credentials token."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = token_of(request)
        return token is not None and token.is_client_token
