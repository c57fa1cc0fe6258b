"""Validating a bearer token and its scopes: a JWT access token by its signature when
``RESOURCE_SERVER_JWT`` is on (``jwt.py``); any other token locally, or through the
authorization server's introspection endpoint when ``INTROSPECTION_URL`` is set."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.errors import InsufficientScope
from ..core.jwt_access_tokens import looks_like_jwt
from ..settings import provider_settings
from .jwt import verify_jwt_access_token
from .local import validate_locally
from .remote import introspect_remotely
from .tokens import AccessTokenInfo

__all__ = ["check_scopes", "validate_access_token"]


def validate_access_token(
    value: str, *, use_cache: bool = True, audience: str | Iterable[str] | None = None
) -> AccessTokenInfo:
    """The access token ``value``, validated; raises :class:`~oauth_provider.core.errors.InvalidToken`
    (or ``AuthorizationServerUnavailable`` in remote mode).

    With ``RESOURCE_SERVER_JWT`` on, a JWT is verified by its signature, and must name
    ``audience`` (one URI or several; default ``RESOURCE_SERVER_AUDIENCE``) in its ``aud``.
    Locally, a token validated in the last ``ACCESS_TOKEN_CACHE_SECONDS`` is checked
    again without a query, unless ``use_cache`` is false.
    """
    if provider_settings.RESOURCE_SERVER_JWT and looks_like_jwt(value):
        # Never looked up as well: a JWT that fails here is refused (RFC 9068 §4).
        return verify_jwt_access_token(value, audience=audience)
    if provider_settings.INTROSPECTION_URL:
        return introspect_remotely(value)
    return validate_locally(value, use_cache=use_cache)


def check_scopes(info: AccessTokenInfo, required: Iterable[str]) -> None:
    """Raise :class:`~oauth_provider.core.errors.InsufficientScope` unless the token
    carries every required scope."""
    required = list(required)
    if not info.has_scopes(required):
        raise InsufficientScope(required)
