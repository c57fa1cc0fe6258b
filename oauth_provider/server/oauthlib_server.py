"""The oauthlib servers, with the PKCE rules oauthlib leaves to its users (RFC 7636, RFC 9700 §2.1.1)
and RFC 6749 §3.1's rule for empty parameters: :class:`Server` for OAuth 2.0, and
:class:`OpenIDServer` while OpenID Connect is on."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from oauthlib.common import Request
from oauthlib.oauth2 import Server as OAuthlibServer
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.openid import Server as OAuthlibOpenIDServer

from ..core import pkce
from ..core.grant_types import GrantType
from ..settings import provider_settings
from .resource_indicators import attach_resource_checks

__all__ = [
    "OpenIDServer",
    "Server",
    "check_pkce_challenge",
    "check_pkce_downgrade",
    "without_device_grant_unless_on",
    "without_empty_parameters",
]


def _non_empty(encoded: str) -> str:
    """``encoded`` without its empty parameters; unchanged, byte for byte, when it has none."""
    pairs = parse_qsl(encoded, keep_blank_values=True)
    if all(value for _, value in pairs):
        return encoded
    return urlencode([(name, value) for name, value in pairs if value])


def without_empty_parameters(uri: str, body: Any) -> tuple[str, Any]:
    """RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were
    omitted from the request." So ``scope=`` asks for the default scopes (§3.3) instead of
    being an invalid scope, and ``code_challenge=`` is no PKCE rather than a malformed one."""
    parts = urlsplit(uri)
    if parts.query:
        uri = urlunsplit(parts._replace(query=_non_empty(parts.query)))
    if isinstance(body, str) and body:
        body = _non_empty(body)
    return uri, body


def _omitting_empty_parameters(name: str, default_method: str) -> Any:
    """oauthlib's endpoint method ``name``, called with :func:`without_empty_parameters`."""

    def endpoint(
        self: Any,
        uri: str,
        http_method: str = default_method,
        body: Any = None,
        headers: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        uri, body = without_empty_parameters(uri, body)
        upstream = getattr(super(OmitEmptyParameters, self), name)
        return upstream(uri, http_method, body, headers, *args, **kwargs)

    endpoint.__name__ = endpoint.__qualname__ = name
    return endpoint


class OmitEmptyParameters:
    """Applies :func:`without_empty_parameters` at every endpoint oauthlib serves for us."""

    validate_authorization_request = _omitting_empty_parameters("validate_authorization_request", "GET")
    create_authorization_response = _omitting_empty_parameters("create_authorization_response", "GET")
    create_token_response = _omitting_empty_parameters("create_token_response", "POST")
    create_revocation_response = _omitting_empty_parameters("create_revocation_response", "POST")
    create_introspect_response = _omitting_empty_parameters("create_introspect_response", "POST")


def check_pkce_challenge(request: Request) -> dict[str, Any]:
    """Authorization request: S256 only (unless plain is allowed) and a well-formed challenge."""
    problem = pkce.challenge_problem(
        request.code_challenge,
        request.code_challenge_method,
        plain_allowed=bool(provider_settings.PKCE_PLAIN_ALLOWED),
    )
    if problem:
        raise errors.InvalidRequestError(description=problem, request=request)
    return {}


def check_pkce_downgrade(request: Request) -> None:
    """Token request: a code_verifier for a code issued without a challenge is a downgrade."""
    grant = getattr(request, "grant", None)
    if grant is None:
        return
    problem = pkce.downgrade_problem(request.code_verifier, bool(grant.code_challenge))
    if problem:
        raise errors.InvalidGrantError(description=problem, request=request)


def without_device_grant_unless_on(server: Any) -> None:
    """The device grant (RFC 8628) answers at the token endpoint only while ``GRANT_TYPES``
    lists it (servers are built again when the settings change); otherwise a request for it
    is ``unsupported_grant_type`` before any client authentication. ``grant_types`` is the
    token endpoint's own table of grants. Token exchange (RFC 8693), which oauthlib does
    not have, is added to it the same way."""
    if GrantType.DEVICE_CODE.value not in provider_settings.GRANT_TYPES:
        server.grant_types.pop(GrantType.DEVICE_CODE.value, None)
    if GrantType.TOKEN_EXCHANGE.value in provider_settings.GRANT_TYPES:
        from .token_exchange import TokenExchangeGrant

        server.grant_types[GrantType.TOKEN_EXCHANGE.value] = TokenExchangeGrant(
            server.auth_grant.request_validator
        )


class Server(OmitEmptyParameters, OAuthlibServer):
    """oauthlib's all-grants server plus the PKCE checks above."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        without_device_grant_unless_on(self)
        self.auth_grant.custom_validators.post_auth.append(check_pkce_challenge)
        self.auth_grant.custom_validators.post_token.append(check_pkce_downgrade)
        attach_resource_checks(self)


class OpenIDServer(OmitEmptyParameters, OAuthlibOpenIDServer):
    """oauthlib's OpenID Connect server plus the PKCE checks above.

    An authorization request with ``openid`` goes to a grant object of its own
    (``openid_connect_auth``, with its own OAuth 2.0 grant inside), so the PKCE checks are
    attached to both. Only the Bearer token type is kept at the resource endpoints:
    oauthlib's ``JWT`` type would take any token that looks like a JWT, an ID token
    included, as an access token (an ID token is for the client, never a credential:
    OpenID Connect Core §2).
    """

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        without_device_grant_unless_on(self)
        for grant in (self.auth_grant, self.openid_connect_auth):
            grant.custom_validators.post_auth.append(check_pkce_challenge)
            grant.custom_validators.post_token.append(check_pkce_downgrade)
        attach_resource_checks(self)
        self._tokens.pop("JWT", None)
