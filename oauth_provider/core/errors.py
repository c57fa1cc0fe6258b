"""OAuth error classes, one hierarchy: each knows its RFC ``error`` code, HTTP status and
default description.

The authorization server's endpoints answer with :meth:`OAuthError.as_response` (a
JSON body, RFC 6749 §5.2); the authorization endpoint either redirects with ``error``
and ``state`` or, when the client or redirect URI cannot be trusted, renders an error
page. Resource servers raise the RFC 6750 §3.1 errors (:class:`InvalidToken`,
:class:`InsufficientScope`, :class:`InvalidRequest`) and answer them with a
``WWW-Authenticate: Bearer`` challenge (``oauth_provider.resource.bearer``). Views never
build error dicts by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar

from django.http import HttpResponse

__all__ = [
    "AccessDenied",
    "AuthorizationServerUnavailable",
    "InsufficientScope",
    "InvalidToken",
    "MissingToken",
    "InvalidClient",
    "InvalidClientMetadata",
    "InvalidRedirectUri",
    "InvalidSoftwareStatement",
    "InvalidTarget",
    "InvalidDPoPProof",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidRequestUri",
    "InvalidScope",
    "OAuthError",
    "ResourceInvalidDPoPProof",
    "ServerError",
    "TemporarilyUnavailable",
    "TooManyRequests",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
    "UnsupportedTokenType",
    "UseDPoPNonce",
    "default_description",
    "json_response",
    "no_store_response",
]


class OAuthError(Exception):
    """Base class: ``error`` code, HTTP ``status_code`` and a human ``description``."""

    error: ClassVar[str] = "invalid_request"
    status_code: ClassVar[int] = 400
    description: str = "The request is invalid."
    #: Answered with a ``DPoP`` challenge rather than a ``Bearer`` one (RFC 9449 §7.1): the
    #: request used the DPoP scheme, or its token is DPoP-bound.
    dpop: bool = False

    def __init__(self, description: str | None = None, headers: dict[str, str] | None = None) -> None:
        if description:
            self.description = description
        self.headers = headers or {}
        super().__init__(f"{self.error}: {self.description}")

    def as_dict(self) -> dict[str, str]:
        """The JSON body of an error response (RFC 6749 §5.2)."""
        return {"error": self.error, "error_description": self.description}

    def as_response(self) -> HttpResponse:
        """The error as a JSON response that is never cached."""
        return json_response(self.as_dict(), self.status_code, self.headers)


class InvalidRequest(OAuthError):
    error = "invalid_request"
    description = "The request is missing a required parameter, repeats a parameter, or is malformed."


class InvalidClient(OAuthError):
    error = "invalid_client"
    status_code = 401
    description = "Client authentication failed: unknown client, wrong secret or no credentials."


class InvalidGrant(OAuthError):
    error = "invalid_grant"
    description = (
        "The authorization grant or refresh token is invalid, expired, revoked "
        "or was issued to another client."
    )


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"
    description = "This client is not registered for this grant type or response type."


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"
    description = "The grant type is not supported by this server."


class InvalidScope(OAuthError):
    error = "invalid_scope"
    description = "The requested scope is invalid, unknown, or exceeds what this client or grant allows."


class InvalidRequestUri(OAuthError):
    """RFC 9126 §4 (the code is RFC 9101's): the request_uri is unknown, expired, spent or
    another client's."""

    error = "invalid_request_uri"
    description = "The request_uri is unknown, expired, already used, or was pushed by another client."


class InvalidDPoPProof(OAuthError):
    """RFC 9449 §5 and §7.1: the DPoP proof is missing, malformed, or does not hold. 400 at
    the token endpoint; a resource server answers 401 (``status_code`` set by the caller)."""

    error = "invalid_dpop_proof"
    description = "The DPoP proof is invalid."


class ResourceInvalidDPoPProof(InvalidDPoPProof):
    """:class:`InvalidDPoPProof` at a resource server: 401 with a ``DPoP`` challenge (RFC 9449 §7.1)."""

    status_code = 401


class UseDPoPNonce(OAuthError):
    """RFC 9449 §8 and §9: the server requires a nonce it issues in the ``DPoP-Nonce`` header."""

    error = "use_dpop_nonce"
    description = "Send a DPoP proof with the nonce in the DPoP-Nonce header (RFC 9449 §8)."


class AccessDenied(OAuthError):
    error = "access_denied"
    status_code = 403
    description = "The resource owner denied the request."


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"
    description = "The response type is not supported by this server."


class UnsupportedTokenType(OAuthError):
    error = "unsupported_token_type"
    description = "This server cannot revoke tokens of that type."


class ServerError(OAuthError):
    error = "server_error"
    status_code = 500
    description = "The authorization server met an unexpected condition."


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    status_code = 503
    description = "The authorization server is temporarily unable to handle the request; try again later."


class TooManyRequests(OAuthError):
    """A rate limit or lockout; RFC 6749 has no code for it, and this one tells clients to retry."""

    error = "temporarily_unavailable"
    status_code = 429
    description = "Too many requests; retry later."

    def __init__(self, description: str | None = None, retry_after: int = 1) -> None:
        super().__init__(description, headers={"Retry-After": str(max(1, retry_after))})


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: the access token is expired, revoked, malformed or otherwise invalid."""

    error = "invalid_token"
    status_code = 401
    description = "The access token is invalid, expired or revoked."


class MissingToken(InvalidToken):
    """No access token was sent. RFC 6750 §3.1: the challenge then carries no error code."""

    description = "Authentication credentials were not provided: send a bearer access token."


class InsufficientScope(OAuthError):
    """RFC 6750 §3.1: the token lacks a scope the resource requires."""

    error = "insufficient_scope"
    status_code = 403
    description = "The access token lacks a scope this resource requires."

    def __init__(self, required: Iterable[str]) -> None:
        self.required = sorted(set(required))
        super().__init__(f"The access token lacks a required scope: {' '.join(self.required)}.")


class InvalidTarget(OAuthError):
    """RFC 8707 §2: a requested resource is invalid, unknown or not for this client."""

    error = "invalid_target"
    description = "The requested resource is invalid, unknown, or not available to this client."


class InvalidRedirectUri(OAuthError):
    """RFC 7591 §3.2.2: a redirect URI the server does not accept."""

    error = "invalid_redirect_uri"
    description = "A redirect URI is not allowed."


class InvalidClientMetadata(OAuthError):
    """RFC 7591 §3.2.2: a client metadata value the server does not accept."""

    error = "invalid_client_metadata"
    description = "A client metadata value is invalid or not allowed."


class InvalidSoftwareStatement(OAuthError):
    """RFC 7591 §3.2.2: software statements are not accepted here."""

    error = "invalid_software_statement"
    description = "The software statement is invalid."


class AuthorizationServerUnavailable(TemporarilyUnavailable):
    """A resource server could not ask the authorization server about a token; the token
    is treated as unknown, never as valid."""

    description = "The authorization server could not be reached to check the access token."


ERRORS_BY_CODE: dict[str, type[OAuthError]] = {
    cls.error: cls
    for cls in (
        InvalidRequest,
        InvalidClient,
        InvalidGrant,
        UnauthorizedClient,
        UnsupportedGrantType,
        InvalidScope,
        AccessDenied,
        UnsupportedResponseType,
        UnsupportedTokenType,
        ServerError,
        TemporarilyUnavailable,
        InvalidToken,
        InsufficientScope,
        InvalidTarget,
        InvalidRedirectUri,
        InvalidClientMetadata,
        InvalidSoftwareStatement,
    )
}
# Codes oauthlib uses beyond RFC 6749's and RFC 6750's lists.
EXTRA_DESCRIPTIONS = {
    "consent_required": "The resource owner has not approved this client for these scopes.",
    "login_required": "The resource owner is not logged in.",
    # RFC 8628 §3.5, the device grant's polling answers.
    "authorization_pending": "The owner has not yet approved or denied this device; poll again later.",
    "slow_down": "Polling too fast: wait 5 seconds more between requests from now on.",
    "expired_token": "The device code has expired; start a new device authorization.",
}


def default_description(error: str) -> str:
    """The description to use when a lower layer gave none."""
    if error in ERRORS_BY_CODE:
        return ERRORS_BY_CODE[error].description
    return EXTRA_DESCRIPTIONS.get(error, "The request failed.")


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_response(
    data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    """A JSON response that is never cached (RFC 6749 §5.1)."""
    return no_store_response(json.dumps(data), status, headers)


def no_store_response(content: str, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    """A response with JSON ``content`` that is never cached (RFC 6749 §5.1)."""
    response = HttpResponse(content, status=status, content_type="application/json")
    for name, value in {**NO_STORE, **(headers or {})}.items():
        response[name] = value
    return response
