"""Resource indicators (RFC 8707) and protected resource metadata paths (RFC 9728):
plain functions over plain values.

A client names the resource servers a token is for with ``resource`` (repeatable) on the
authorization and token requests. The site lists the resources it issues tokens for in
``OAUTH_PROVIDER["RESOURCES"]``; a client may be narrowed to some of them
(``Application.allowed_resources``). Anything else is ``invalid_target``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from ..settings import provider_settings

__all__ = [
    "WELL_KNOWN_PROTECTED_RESOURCE",
    "join_resources",
    "parse_resources",
    "protected_resource_metadata_url",
    "resource_uri_problem",
    "resources_problem",
    "site_resources",
    "widened_resources",
]

WELL_KNOWN_PROTECTED_RESOURCE = "/.well-known/oauth-protected-resource"


def parse_resources(value: str | Iterable[str] | None) -> list[str]:
    """A stored (space-separated) or requested list of resources, in order, without repeats."""
    items = value.split(" ") if isinstance(value, str) else list(value or [])
    seen: dict[str, None] = {}
    for item in items:
        if item:
            seen.setdefault(item, None)
    return list(seen)


def join_resources(resources: Iterable[str]) -> str:
    """The stored form: space-separated (a URI never holds a space)."""
    return " ".join(parse_resources(list(resources)))


def resource_uri_problem(value: str) -> str | None:
    """RFC 8707 §2: an absolute URI without a fragment; ``None`` when ``value`` is one."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - an out-of-range port raises here
    except ValueError:
        return f"The resource {value[:100]!r} is not a valid URI."
    if not parts.scheme or not parts.netloc:
        return f"The resource {value[:100]!r} must be an absolute URI (RFC 8707 §2)."
    if parts.fragment or "#" in value:
        return f"The resource {value[:100]!r} must not have a fragment (RFC 8707 §2)."
    if any(character.isspace() for character in value):
        return f"The resource {value[:100]!r} must not hold white space."
    return None


def site_resources() -> list[str]:
    """``OAUTH_PROVIDER["RESOURCES"]``: the resources this server issues tokens for."""
    return parse_resources(provider_settings.RESOURCES)


def resources_problem(requested: list[str], client_resources: list[str]) -> str | None:
    """Why ``requested`` cannot be granted to a client allowed ``client_resources`` (empty:
    every site resource), or ``None``. RFC 8707 §2: ``invalid_target`` for each of these."""
    known = site_resources()
    allowed = [resource for resource in client_resources if resource in known] if client_resources else known
    for resource in requested:
        problem = resource_uri_problem(resource)
        if problem:
            return problem
        if resource not in known:
            return f"The resource {resource[:100]!r} is not served by this authorization server."
        if resource not in allowed:
            return f"This client may not request tokens for the resource {resource[:100]!r}."
    return None


def widened_resources(requested: list[str], granted: list[str]) -> list[str]:
    """The requested resources the grant did not cover (RFC 8707 §2.2: a token request may
    only narrow what the authorization request or the refresh token's grant named)."""
    return [resource for resource in requested if resource not in granted]


def protected_resource_metadata_url(resource: str) -> str:
    """RFC 9728 §3.1: the metadata URL of ``resource``, the well-known path inserted
    between its host and its path (``https://a.example/mcp`` ->
    ``https://a.example/.well-known/oauth-protected-resource/mcp``)."""
    parts = urlsplit(resource)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, WELL_KNOWN_PROTECTED_RESOURCE + path, parts.query, ""))
