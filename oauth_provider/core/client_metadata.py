"""Client metadata (RFC 7591 §2): the policy a self-registered client must meet, as plain
functions over plain values. Dynamic registration (RFC 7591, RFC 7592) and client ID
metadata documents both read a client's metadata through :func:`parse_client_metadata`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import InvalidClientMetadata, InvalidRedirectUri
from .grant_types import GrantType
from .redirect_uris import redirect_uri_error
from .scopes import parse_scope

__all__ = ["ClientMetadata", "MetadataPolicy", "parse_client_metadata"]

#: RFC 7591 §2 token endpoint authentication methods, and the client type each means.
AUTH_METHODS = {"none": "public", "client_secret_basic": "confidential", "client_secret_post": "confidential"}
#: RFC 7591 §2.1: the response type each grant type goes with.
RESPONSE_TYPE_OF: dict[str, str] = {GrantType.AUTHORIZATION_CODE: "code", GrantType.IMPLICIT: "token"}
MAX_REDIRECT_URIS = 10
MAX_TEXT_LENGTH = 255


@dataclass(frozen=True)
class MetadataPolicy:
    """What the site lets a self-registered client have."""

    grant_types: tuple[str, ...]
    #: ``None``: every scope in ``known``.
    scopes: tuple[str, ...] | None
    known_scopes: tuple[str, ...]
    confidential_allowed: bool
    allowed_redirect_uri_schemes: tuple[str, ...] = ("https",)
    allow_http_loopback: bool = True


@dataclass
class ClientMetadata:
    """A client's validated metadata, and the values registered for it."""

    client_type: str
    token_endpoint_auth_method: str
    grant_types: list[str]
    response_types: list[str]
    redirect_uris: list[str]
    scope: list[str]
    client_name: str = ""
    client_uri: str = ""
    logo_uri: str = ""

    def application_fields(self) -> dict[str, Any]:
        """The ``Application`` fields this metadata sets."""
        return {
            "name": self.client_name[:MAX_TEXT_LENGTH],
            "client_type": self.client_type,
            "grant_types": " ".join(self.grant_types),
            "redirect_uris": " ".join(self.redirect_uris),
            "allowed_scopes": " ".join(self.scope),
            "homepage_url": self.client_uri,
            "logo_url": self.logo_uri,
        }

    def as_response(self) -> dict[str, Any]:
        """The registered metadata (RFC 7591 §3.2.1), without credentials."""
        data: dict[str, Any] = {
            "redirect_uris": self.redirect_uris,
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "grant_types": self.grant_types,
            "response_types": self.response_types,
            "scope": " ".join(self.scope),
        }
        for name in ("client_name", "client_uri", "logo_uri"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


def _strings(data: dict[str, Any], name: str, default: list[str]) -> list[str]:
    value = data.get(name, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidClientMetadata(f"{name} must be an array of strings (RFC 7591 §2).")
    return list(dict.fromkeys(value))


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH or "\x00" in value:
        raise InvalidClientMetadata(f"{name} must be a string of at most {MAX_TEXT_LENGTH} characters.")
    return value


def _web_url(data: dict[str, Any], name: str) -> str:
    value = _text(data, name)
    if not value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise InvalidClientMetadata(f"{name} must be an https URL.")
    return value


def _redirect_uris(data: dict[str, Any], policy: MetadataPolicy, needed: bool) -> list[str]:
    uris = _strings(data, "redirect_uris", [])
    if needed and not uris:
        raise InvalidRedirectUri("redirect_uris is required for the authorization code and implicit grants.")
    if len(uris) > MAX_REDIRECT_URIS:
        raise InvalidRedirectUri(f"Register at most {MAX_REDIRECT_URIS} redirect URIs.")
    for uri in uris:
        # https, or http on a loopback address for native apps (RFC 8252 §7.3).
        problem = redirect_uri_error(uri, policy.allowed_redirect_uri_schemes, policy.allow_http_loopback)
        if problem:
            raise InvalidRedirectUri(problem)
    return uris


def _grant_types(data: dict[str, Any], policy: MetadataPolicy, client_type: str) -> list[str]:
    grant_types = _strings(data, "grant_types", [GrantType.AUTHORIZATION_CODE])
    if not grant_types:
        raise InvalidClientMetadata("grant_types must name at least one grant type.")
    for grant_type in grant_types:
        if grant_type not in policy.grant_types:
            raise InvalidClientMetadata(
                f"The grant type {grant_type[:60]!r} is not open to registered clients; allowed: "
                f"{', '.join(policy.grant_types)}."
            )
    if client_type == "public" and GrantType.CLIENT_CREDENTIALS in grant_types:
        raise InvalidClientMetadata(
            "A public client (token_endpoint_auth_method none) cannot use client_credentials."
        )
    if GrantType.REFRESH_TOKEN in grant_types and not set(grant_types) - {GrantType.REFRESH_TOKEN}:
        raise InvalidClientMetadata("refresh_token needs a grant that issues refresh tokens.")
    return grant_types


def _response_types(data: dict[str, Any], grant_types: list[str]) -> list[str]:
    expected = [RESPONSE_TYPE_OF[g] for g in grant_types if g in RESPONSE_TYPE_OF]
    response_types = _strings(data, "response_types", ["code"] if "code" in expected else expected)
    if sorted(response_types) != sorted(expected):
        # RFC 7591 §2.1: the two lists must agree.
        raise InvalidClientMetadata(
            f"response_types {response_types} do not match grant_types {grant_types} (RFC 7591 §2.1)."
        )
    return response_types


def _scope(data: dict[str, Any], policy: MetadataPolicy) -> list[str]:
    allowed = list(policy.scopes) if policy.scopes is not None else list(policy.known_scopes)
    value = data.get("scope")
    if value is None:
        return allowed if policy.scopes is not None else []
    if not isinstance(value, str):
        raise InvalidClientMetadata("scope must be a space-separated string (RFC 7591 §2).")
    requested = parse_scope(value)
    refused = [scope for scope in requested if scope not in allowed]
    if refused:
        raise InvalidClientMetadata(
            f"The scope {refused[0][:60]!r} is not open to registered clients; allowed: {' '.join(allowed)}."
        )
    return requested


def parse_client_metadata(data: Any, policy: MetadataPolicy, *, public_only: bool = False) -> ClientMetadata:
    """Validate RFC 7591 client metadata against ``policy``; raises
    :class:`~oauth_provider.core.errors.InvalidRedirectUri` or
    :class:`~oauth_provider.core.errors.InvalidClientMetadata`."""
    if not isinstance(data, dict):
        raise InvalidClientMetadata("The client metadata must be a JSON object.")
    # RFC 7591 §2: the default is client_secret_basic; where only public clients may register,
    # the server substitutes "none" (§3.2.1 lets it), and says so in its answer.
    public = public_only or not policy.confidential_allowed
    method = data.get("token_endpoint_auth_method", "none" if public else "client_secret_basic")
    if method not in AUTH_METHODS:
        raise InvalidClientMetadata(
            f"token_endpoint_auth_method must be one of: {', '.join(AUTH_METHODS)}."
            if isinstance(method, str)
            else "token_endpoint_auth_method must be a string."
        )
    client_type = AUTH_METHODS[method]
    if client_type == "confidential" and (public_only or not policy.confidential_allowed):
        raise InvalidClientMetadata(
            "Only public clients (token_endpoint_auth_method none) may register here; "
            "use PKCE instead of a secret."
        )
    grant_types = _grant_types(data, policy, client_type)
    response_types = _response_types(data, grant_types)
    needs_redirect = bool({GrantType.AUTHORIZATION_CODE, GrantType.IMPLICIT} & set(grant_types))
    return ClientMetadata(
        client_type=client_type,
        token_endpoint_auth_method=method,
        grant_types=grant_types,
        response_types=response_types,
        redirect_uris=_redirect_uris(data, policy, needs_redirect),
        scope=_scope(data, policy),
        client_name=_text(data, "client_name"),
        client_uri=_web_url(data, "client_uri"),
        logo_uri=_web_url(data, "logo_uri"),
    )
