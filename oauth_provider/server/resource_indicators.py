"""Resource indicators (RFC 8707) on the authorization and token requests: oauthlib custom
validators that check ``resource`` and set ``request.resources``, the list of resource URIs
the code or token is for (its audience), before anything is issued."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from oauthlib.common import Request, urldecode
from oauthlib.oauth2.rfc6749 import errors

from ..core.grant_types import GrantType
from ..core.resources import parse_resources, resources_problem, widened_resources

__all__ = [
    "InvalidTargetError",
    "attach_resource_checks",
    "check_authorization_resources",
    "check_token_resources",
    "requested_resources",
]


class InvalidTargetError(errors.OAuth2Error):
    """RFC 8707 §2: the requested resource is invalid, unknown, or not for this client."""

    error = "invalid_target"
    status_code = 400


def requested_resources(request: Request) -> list[str]:
    """Every ``resource`` of the request, from its query and its form body (RFC 8707 §2
    lets the parameter repeat; oauthlib keeps only one)."""
    pairs: list[tuple[str, str]] = []
    query = urlsplit(request.uri).query
    if query:
        pairs += urldecode(query)
    pairs += list(request.decoded_body or [])
    return parse_resources(value for name, value in pairs if name == "resource")


def check_authorization_resources(request: Request) -> dict[str, Any]:
    """Authorization request: each resource is one the site serves and the client may use."""
    requested = requested_resources(request)
    problem = resources_problem(requested, request.client.allowed_resource_list)
    if problem:
        raise InvalidTargetError(description=problem, request=request)
    request.resources = requested
    return {"resources": requested}


def check_token_resources(request: Request) -> None:
    """Token request. With a code or a refresh token, ``resource`` may only narrow what was
    granted (RFC 8707 §2.2), and none means all of it; otherwise each is checked as on the
    authorization request. Sets ``request.resources`` before the token is created."""
    requested = requested_resources(request)
    granted: list[str] | None = None
    if request.grant_type == GrantType.AUTHORIZATION_CODE and getattr(request, "grant", None) is not None:
        granted = parse_resources(request.grant.resource)
    elif request.grant_type == GrantType.REFRESH_TOKEN:
        previous = getattr(request, "refresh_token_instance", None)
        granted = parse_resources(previous.resource) if previous is not None else []
    if granted is not None:
        widened = widened_resources(requested, granted)
        if widened:
            raise InvalidTargetError(
                description=f"The resource {widened[0][:100]!r} was not granted; a token request may "
                "only name resources of the authorization request (RFC 8707 §2.2).",
                request=request,
            )
        requested = requested or granted
    problem = resources_problem(requested, request.client.allowed_resource_list)
    if problem:
        raise InvalidTargetError(description=problem, request=request)
    request.resources = requested


#: The grants of oauthlib's servers, by attribute name, and where each one checks resources.
AUTHORIZATION_GRANTS = ("auth_grant", "implicit_grant", "openid_connect_auth", "openid_connect_implicit")
TOKEN_GRANTS = (
    "auth_grant",
    "password_grant",
    "credentials_grant",
    "refresh_grant",
    "openid_connect_auth",
    "openid_connect_refresh",
)


def attach_resource_checks(server: Any) -> None:
    """Add the checks above to every grant of an oauthlib server."""
    for name in AUTHORIZATION_GRANTS:
        grant = getattr(server, name, None)
        if grant is not None and hasattr(grant, "custom_validators"):
            grant.custom_validators.post_auth.append(check_authorization_resources)
    for name in TOKEN_GRANTS:
        grant = getattr(server, name, None)
        if grant is not None and hasattr(grant, "custom_validators"):
            grant.custom_validators.post_token.append(check_token_resources)
