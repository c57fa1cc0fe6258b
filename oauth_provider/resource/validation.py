"""Validating a bearer token and its scopes: locally, or through the authorization
server's introspection endpoint when ``INTROSPECTION_URL`` is set."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest

from ..core import dpop
from ..core.bearer import presented_token
from ..core.errors import (
    InsufficientScope,
    InvalidDPoPProof,
    InvalidToken,
    OAuthError,
    ResourceInvalidDPoPProof,
)
from ..settings import provider_settings
from .local import validate_locally
from .remote import introspect_remotely
from .tokens import AccessTokenInfo

__all__ = ["authenticate_request", "check_scopes", "validate_access_token"]


def validate_access_token(value: str, *, use_cache: bool = True) -> AccessTokenInfo:
    """The access token ``value``, validated; raises :class:`~oauth_provider.core.errors.InvalidToken`
    (or ``AuthorizationServerUnavailable`` in remote mode).

    Locally, a token validated in the last ``ACCESS_TOKEN_CACHE_SECONDS`` is checked
    again without a query, unless ``use_cache`` is false.
    """
    if provider_settings.INTROSPECTION_URL:
        return introspect_remotely(value)
    return validate_locally(value, use_cache=use_cache)


def check_scopes(info: AccessTokenInfo, required: Iterable[str]) -> None:
    """Raise :class:`~oauth_provider.core.errors.InsufficientScope` unless the token
    carries every required scope."""
    required = list(required)
    if not info.has_scopes(required):
        raise InsufficientScope(required)


def authenticate_request(request: HttpRequest, *, use_cache: bool = True) -> AccessTokenInfo | None:
    """The access token a request presents, validated; ``None`` when it presents none.

    ``Authorization: Bearer`` as RFC 6750 says, except that a DPoP-bound token is refused
    that way (RFC 9449 §7.1: it would be a stolen token used without its key). With
    ``DPOP_ENABLED``, ``Authorization: DPoP`` and a ``DPoP`` proof for this method, this URL
    and this token (``ath``), unused before and signed with the key the token is bound to
    (RFC 9449 §4.3, §7.1). Errors are raised with their challenge's scheme.
    """
    presented = presented_token(request)
    if presented is None:
        return None
    scheme, value = presented
    if scheme == "dpop":
        try:
            return _dpop_bound(request, value, use_cache)
        except OAuthError as refused:
            refused.dpop = True
            raise
    info = validate_access_token(value, use_cache=use_cache)
    if info.jkt:
        downgrade = InvalidToken(
            "This access token is bound to a DPoP key: send it as 'Authorization: DPoP' with a "
            "DPoP proof (RFC 9449 §7.1)."
        )
        downgrade.dpop = True
        raise downgrade
    return info


def _dpop_bound(request: HttpRequest, value: str, use_cache: bool) -> AccessTokenInfo:
    header = dpop.proof_header(request.META)
    if header is None:
        raise ResourceInvalidDPoPProof("A DPoP access token needs a DPoP proof header (RFC 9449 §7.1).")
    try:
        proof = dpop.verify_proof(
            header,
            method=request.method or "GET",
            url=request.build_absolute_uri(request.path),
            access_token=value,
        )
    except InvalidDPoPProof as exc:
        raise ResourceInvalidDPoPProof(exc.description) from exc
    if not dpop.remember_jti(proof, "resource_server"):
        raise ResourceInvalidDPoPProof("This DPoP proof was used before (RFC 9449 §11.1).")
    info = validate_access_token(value, use_cache=use_cache)
    if info.jkt != proof.jkt:
        raise InvalidToken("The access token is not bound to the DPoP proof's key (RFC 9449 §7.1).")
    return info
