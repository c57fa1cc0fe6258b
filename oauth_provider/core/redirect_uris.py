"""Redirect URI rules: what a client may register and what a request may use.

Plain functions over strings, no request and no ORM. RFC 9700 §4.1.3 requires exact
string matching; the one exception is the port of a loopback redirect URI, which a
native app picks at run time (RFC 8252 §7.3). The origins a browser client may call
the token endpoint from (CORS) follow the same scheme rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from ..settings import provider_settings

__all__ = [
    "LOOPBACK_HOSTS",
    "is_loopback",
    "origin_error",
    "redirect_uri_error",
    "redirect_schemes",
    "redirect_uri_matches",
    "response_parameters",
    "with_response_parameter",
]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_REDIRECT_URI_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}


def _split(uri: str) -> SplitResult | None:
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port or IPv6 literal
    except ValueError:
        return None
    return parts


def is_loopback(uri: str) -> bool:
    """True for an ``http`` URI on a loopback host."""
    parts = _split(uri)
    return parts is not None and parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def has_forbidden_characters(uri: str) -> bool:
    """White space, control characters or characters RFC 3986 never allows unencoded."""
    return any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch in '<>"\\^`{|}' for ch in uri)


def redirect_uri_error(uri: str, allowed_schemes: Iterable[str], allow_http_loopback: bool) -> str | None:
    """Why ``uri`` may not be registered as a redirect URI, or ``None`` if it may."""
    if not uri or len(uri) > MAX_REDIRECT_URI_LENGTH:
        return f"Redirect URIs must be between 1 and {MAX_REDIRECT_URI_LENGTH} characters."
    if has_forbidden_characters(uri):
        return f"{uri!r} contains characters that are not allowed in a URI."
    parts = _split(uri)
    if parts is None or not parts.scheme:
        return f"{uri!r} is not an absolute URI."
    if parts.fragment or "#" in uri:
        return f"{uri!r} has a fragment; RFC 6749 §3.1.2 forbids fragments in redirect URIs."
    if "*" in uri:
        return f"{uri!r} has a wildcard; redirect URIs are matched exactly (RFC 9700 §4.1.3)."
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return f"{uri!r} has user information, which could disguise the real host."
    scheme = parts.scheme.lower()
    if scheme == "http":
        if not allow_http_loopback:
            return f"{uri!r} uses http; only https is allowed."
        if not is_loopback(uri):
            return (
                f"{uri!r} uses http on a non-loopback host; use https "
                "(http is allowed on 127.0.0.1, [::1] and localhost only)."
            )
        return None
    if scheme not in {s.lower() for s in allowed_schemes}:
        return f"{uri!r} uses the scheme {scheme!r}, which is not in ALLOWED_REDIRECT_URI_SCHEMES."
    if scheme in ("https", "http") and not parts.hostname:
        return f"{uri!r} has no host."
    return None


def origin_error(origin: str, allow_http_loopback: bool) -> str | None:
    """Why ``origin`` may not be registered as an allowed origin, or ``None`` if it may.

    An origin is what a browser sends in the ``Origin`` header (RFC 6454 §6.1):
    ``https://host`` or ``https://host:port``, with nothing after it. ``http`` is
    allowed only on a loopback host, as for redirect URIs.
    """
    example = "for example 'https://app.example.com'"
    if not origin or len(origin) > MAX_REDIRECT_URI_LENGTH or has_forbidden_characters(origin):
        return f"{origin!r} is not an origin; write scheme://host[:port], {example}."
    parts = _split(origin)
    if parts is None or not parts.scheme or not parts.netloc:
        return f"{origin!r} is not an origin; write scheme://host[:port], {example}."
    if "*" in origin:
        return f"{origin!r} has a wildcard; list each origin in full."
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return f"{origin!r} has user information; an origin is scheme://host[:port] only."
    if parts.path or parts.query or parts.fragment or "?" in origin or "#" in origin:
        bare = f"{parts.scheme}://{parts.netloc}"
        return (
            f"{origin!r} has a path, query or fragment; an origin is scheme://host[:port] "
            f"only, here {bare!r}."
        )
    scheme = parts.scheme
    if scheme == "http":
        if not allow_http_loopback:
            return f"{origin!r} uses http; only https origins are allowed."
        if not is_loopback(origin):
            return (
                f"{origin!r} uses http on a non-loopback host; use https "
                "(http is allowed on 127.0.0.1, [::1] and localhost only)."
            )
    elif scheme != "https":
        return f"{origin!r} uses the scheme {scheme!r}; an allowed origin must use https."
    if not parts.hostname:
        return f"{origin!r} has no host."
    if origin != origin.lower():
        # Browsers send the scheme and host in lower case, and origins are compared exactly.
        return f"{origin!r} has capital letters; browsers send {origin.lower()!r}."
    if parts.port == DEFAULT_PORTS[scheme]:
        # Browsers leave the default port out of the Origin header (RFC 6454 §6.2).
        without_port = f"{scheme}://{parts.netloc.rsplit(':', 1)[0]}"
        return f"{origin!r} names the default port; browsers send {without_port!r}."
    return None


def redirect_uri_matches(requested: str, registered: Iterable[str]) -> bool:
    """True if ``requested`` equals one of ``registered`` exactly (loopback port excepted)."""
    registered = list(registered)
    if requested in registered:
        return True
    if not is_loopback(requested) or "#" in requested or has_forbidden_characters(requested):
        return False
    asked = _split(requested)
    assert asked is not None
    for candidate in registered:
        if not is_loopback(candidate):
            continue
        known = _split(candidate)
        assert known is not None
        if (
            known.hostname == asked.hostname
            and known.path == asked.path
            and known.query == asked.query
            and not asked.fragment
            and asked.username is None
        ):
            return True
    return False


def redirect_schemes() -> list[str]:
    """Schemes an authorization response may be sent to (``http`` only for loopback URIs)."""
    schemes = list(provider_settings.ALLOWED_REDIRECT_URI_SCHEMES)
    if provider_settings.ALLOW_HTTP_LOOPBACK_REDIRECT_URIS:
        schemes.append("http")
    return schemes


def response_parameters(uri: str) -> dict[str, str]:
    """The parameters of an authorization response: the fragment's if it has one, else the query's."""
    parts = urlsplit(uri)
    return dict(parse_qsl(parts.fragment or parts.query, keep_blank_values=True))


def with_response_parameter(uri: str, name: str, value: str) -> str:
    """``uri`` with ``name=value`` added to its fragment (implicit responses) or query,
    replacing any earlier value (RFC 9207 §2 wants exactly one ``iss``)."""
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    fragment = [(k, v) for k, v in parse_qsl(parts.fragment, keep_blank_values=True) if k != name]
    if parts.fragment:
        fragment.append((name, value))
    else:
        query.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=urlencode(fragment)))
