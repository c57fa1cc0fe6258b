"""Validating a bearer token, its audience and its scopes: a JWT access token by its
signature when ``RESOURCE_SERVER_JWT`` is on (``jwt.py``); any other token locally, or
through the authorization server's introspection endpoint when ``INTROSPECTION_URL`` is set."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from ..core import dpop
from ..core.bearer import presented_token
from ..core.errors import (
    InsufficientScope,
    InvalidToken,
    OAuthError,
)
from ..core.jwt_access_tokens import looks_like_jwt
from ..core.resources import protected_resource_metadata_url
from ..settings import provider_settings
from .audience import SITE_AUDIENCE, Audience, expected_audience
from .jwt import verify_jwt_access_token
from .local import validate_locally
from .remote import introspect_remotely
from .tokens import AccessTokenInfo

__all__ = [
    "Audience",
    "authenticate_request",
    "check_audience",
    "check_scopes",
    "expected_audience",
    "resource_metadata_for",
    "validate_access_token",
]


def resource_metadata_for(audience: Audience = SITE_AUDIENCE) -> str | None:
    """The protected resource metadata URL (RFC 9728 §3.1) of the expected audience, for the
    ``resource_metadata`` of 401 challenges; ``None`` when no audience is expected."""
    expected = expected_audience(audience)
    return protected_resource_metadata_url(expected[0]) if expected else None


def check_audience(info: AccessTokenInfo, audience: list[str] | None) -> None:
    """Raise :class:`~oauth_provider.core.errors.InvalidToken` unless the token was issued
    for one of ``audience`` (RFC 8707 §2; the MCP authorization spec requires the check)."""
    if audience is None or any(value in info.audience for value in audience):
        return
    wanted = " ".join(audience)
    if not info.audience:
        raise InvalidToken(f"The access token names no resource; ask for one with resource={wanted}.")
    raise InvalidToken(f"The access token was issued for another resource, not {wanted}.")


def validate_access_token(
    value: str, *, use_cache: bool = True, audience: Audience = SITE_AUDIENCE
) -> AccessTokenInfo:
    """The access token ``value``, validated; raises :class:`~oauth_provider.core.errors.InvalidToken`
    (or ``AuthorizationServerUnavailable`` in remote mode).

    ``audience``: the resource identifier(s) the token must have been issued for (RFC 8707);
    left out, ``RESOURCE_SERVER_AUDIENCE``; ``None``, any. A JWT access token always names
    an audience (RFC 9068 §4): with none expected here, it must name the issuer. Locally, a
    token validated in the last ``ACCESS_TOKEN_CACHE_SECONDS`` is checked again without a
    query, unless ``use_cache`` is false.
    """
    expected = expected_audience(audience)
    if provider_settings.RESOURCE_SERVER_JWT and looks_like_jwt(value):
        # Never looked up as well: a JWT that fails here is refused (RFC 9068 §4).
        return verify_jwt_access_token(value, audience=expected)
    if provider_settings.INTROSPECTION_URL:
        info = introspect_remotely(value)
    else:
        info = validate_locally(value, use_cache=use_cache)
    check_audience(info, expected)
    return info


def check_scopes(info: AccessTokenInfo, required: Iterable[str]) -> None:
    """Raise :class:`~oauth_provider.core.errors.InsufficientScope` unless the token
    carries every required scope."""
    required = list(required)
    if not info.has_scopes(required):
        raise InsufficientScope(required)


def authenticate_request(
    request: HttpRequest, *, use_cache: bool = True, audience: Audience = SITE_AUDIENCE
) -> AccessTokenInfo | None:
    """The access token a request presents, validated; ``None`` when it presents none.

    ``Authorization: Bearer`` as RFC 6750 says, except that a DPoP-bound token is refused
    that way (RFC 9449 §7.1: it would be a stolen token used without its key). With
    ``DPOP_ENABLED``, ``Authorization: DPoP`` and a ``DPoP`` proof for this method, this URL
    and this token (``ath``), unused before and signed with the key the token is bound to
    (RFC 9449 §4.3, §7.1). Errors are raised with their challenge's scheme. ``audience``
    as for :func:`validate_access_token`.
    """
    presented = presented_token(request)
    if presented is None:
        return None
    scheme, value = presented
    if scheme == "dpop":
        try:
            return _dpop_bound(request, value, use_cache, audience)
        except OAuthError as refused:
            refused.dpop = True
            raise
    info = validate_access_token(value, use_cache=use_cache, audience=audience)
    if info.jkt:
        downgrade = InvalidToken(
            "This access token is bound to a DPoP key: send it as 'Authorization: DPoP' with a "
            "DPoP proof (RFC 9449 §7.1)."
        )
        downgrade.dpop = True
        raise downgrade
    return info


def _dpop_bound(request: HttpRequest, value: str, use_cache: bool, audience: Audience) -> AccessTokenInfo:
    proof = dpop.verify_resource_proof(request, value, "resource_server")
    info = validate_access_token(value, use_cache=use_cache, audience=audience)
    if info.jkt != proof.jkt:
        raise InvalidToken("The access token is not bound to the DPoP proof's key (RFC 9449 §7.1).")
    return info
