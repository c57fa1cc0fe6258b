"""Validating a bearer token, its audience and its scopes: locally, or through the
authorization server's introspection endpoint when ``INTROSPECTION_URL`` is set."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.errors import InsufficientScope, InvalidToken
from ..core.resources import protected_resource_metadata_url
from ..settings import provider_settings
from .local import validate_locally
from .remote import introspect_remotely
from .tokens import AccessTokenInfo

__all__ = [
    "check_audience",
    "check_scopes",
    "expected_audience",
    "resource_metadata_for",
    "validate_access_token",
]

#: ``audience=`` left out: ``RESOURCE_SERVER_AUDIENCE`` applies.
SITE_AUDIENCE = ""


def expected_audience(audience: str | None = SITE_AUDIENCE) -> str | None:
    """The audience a token must name: ``audience``, or ``RESOURCE_SERVER_AUDIENCE`` when it
    is left out; ``None`` means any."""
    if audience == SITE_AUDIENCE:
        return provider_settings.RESOURCE_SERVER_AUDIENCE or None
    return audience


def resource_metadata_for(audience: str | None = SITE_AUDIENCE) -> str | None:
    """The protected resource metadata URL (RFC 9728 §3.1) of the expected audience, for the
    ``resource_metadata`` of 401 challenges; ``None`` when no audience is expected."""
    expected = expected_audience(audience)
    return protected_resource_metadata_url(expected) if expected else None


def check_audience(info: AccessTokenInfo, audience: str | None) -> None:
    """Raise :class:`~oauth_provider.core.errors.InvalidToken` unless the token was issued
    for ``audience`` (RFC 8707 §2; the MCP authorization spec requires the check)."""
    if audience is None or audience in info.audience:
        return
    if not info.audience:
        raise InvalidToken(f"The access token names no resource; ask for one with resource={audience}.")
    raise InvalidToken(f"The access token was issued for another resource, not {audience}.")


def validate_access_token(
    value: str, *, use_cache: bool = True, audience: str | None = SITE_AUDIENCE
) -> AccessTokenInfo:
    """The access token ``value``, validated; raises :class:`~oauth_provider.core.errors.InvalidToken`
    (or ``AuthorizationServerUnavailable`` in remote mode).

    ``audience``: the resource identifier the token must have been issued for (RFC 8707);
    left out, ``RESOURCE_SERVER_AUDIENCE``; ``None``, any. Locally, a token validated in the
    last ``ACCESS_TOKEN_CACHE_SECONDS`` is checked again without a query, unless
    ``use_cache`` is false.
    """
    if provider_settings.INTROSPECTION_URL:
        info = introspect_remotely(value)
    else:
        info = validate_locally(value, use_cache=use_cache)
    check_audience(info, expected_audience(audience))
    return info


def check_scopes(info: AccessTokenInfo, required: Iterable[str]) -> None:
    """Raise :class:`~oauth_provider.core.errors.InsufficientScope` unless the token
    carries every required scope."""
    required = list(required)
    if not info.has_scopes(required):
        raise InsufficientScope(required)
