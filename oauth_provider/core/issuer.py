"""The issuer identifier (RFC 8414 §2, RFC 9207): the ``ISSUER`` setting, or the site's root URL.

RFC 8414 §2: the issuer is a URL with the ``https`` scheme and no query or fragment;
clients compare it as a string, with the ``iss`` of authorization responses (RFC 9207)
and the ``issuer`` of the metadata document. With ``ISSUER`` set, every URL the server
publishes is built on it, never on a request's ``Host`` header.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from django.http import HttpRequest
from django.urls import reverse

from ..settings import provider_settings

__all__ = ["absolute_url", "configured_issuer", "issuer", "issuer_problem", "normalized_issuer"]

METADATA_PATH = "/.well-known/oauth-authorization-server"
DEFAULT_PORTS = {"http": 80, "https": 443}


def _split(value: str) -> SplitResult | None:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    return parts


def issuer_problem(value: str) -> str | None:
    """Why ``value`` cannot be an issuer identifier (RFC 8414 §2), or ``None``."""
    parts = _split(value)
    if parts is None or parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return f"{value!r} is not an absolute http(s) URL."
    if parts.query or "?" in value:
        return f"{value!r} has a query; RFC 8414 §2 forbids one in the issuer."
    if parts.fragment or "#" in value:
        return f"{value!r} has a fragment; RFC 8414 §2 forbids one in the issuer."
    if parts.username is not None or parts.password is not None:
        return f"{value!r} has user information; an issuer is scheme://host[:port][/path]."
    return None


def normalized_issuer(value: str) -> str:
    """``value`` as clients will compare it: scheme and host in lower case, no default
    port, no trailing slash."""
    parts = _split(value)
    if parts is None or not parts.hostname:
        return value.rstrip("/")
    scheme = parts.scheme.lower()
    host = parts.hostname  # already lower case
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port and parts.port != DEFAULT_PORTS.get(scheme) else ""
    return f"{scheme}://{host}{port}{parts.path}".rstrip("/")


def configured_issuer() -> str | None:
    """The ``ISSUER`` setting, normalized; ``None`` when the site has not set one."""
    value = provider_settings.ISSUER
    return normalized_issuer(str(value)) if value else None


def issuer(request: HttpRequest) -> str:
    """The issuer: the ISSUER setting, or this site's root URL as the request reached it."""
    configured = configured_issuer()
    if configured:
        return configured
    metadata = request.build_absolute_uri(reverse("oauth_provider:metadata"))
    return metadata.partition(METADATA_PATH)[0]


def absolute_url(request: HttpRequest, path: str) -> str:
    """``path`` (from ``reverse()``) as an absolute URL: on the issuer's scheme and host
    when ``ISSUER`` is set, else on the request's."""
    configured = configured_issuer()
    if configured:
        parts = urlsplit(configured)
        return f"{parts.scheme}://{parts.netloc}{path}"
    return request.build_absolute_uri(path)
