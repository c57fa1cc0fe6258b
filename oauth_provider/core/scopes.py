"""Scope policy (RFC 6749 §3.3): plain functions over plain values.

A client may ask only for scopes it was registered for (``Application.allowed_scopes``);
an empty allowed list means every scope in ``OAUTH_PROVIDER["SCOPES"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..settings import provider_settings

__all__ = [
    "allowed_scopes",
    "default_scopes",
    "invalid_scope_tokens",
    "known_scopes",
    "merged_scopes",
    "parse_scope",
    "refused_scopes",
]

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


def parse_scope(value: str | None) -> list[str]:
    """Split a space-delimited scope string, keeping order and dropping repeats."""
    seen: dict[str, None] = {}
    for token in (value or "").split(" "):
        if token:
            seen.setdefault(token, None)
    return list(seen)


def invalid_scope_tokens(tokens: Iterable[str]) -> list[str]:
    """Tokens that break the RFC 6749 §3.3 grammar."""
    return [token for token in tokens if not SCOPE_TOKEN.fullmatch(token)]


def allowed_scopes(known: Iterable[str], registered: Iterable[str]) -> list[str]:
    """Scopes a client may request: its registered ones that exist, or all known ones."""
    known = list(known)
    registered = list(registered)
    if not registered:
        return known
    return [scope for scope in known if scope in registered]


def default_scopes(configured: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """Scopes granted when a request names none, narrowed to what the client may have."""
    configured = list(configured)
    allowed = list(allowed)
    if "__all__" in configured:
        return allowed
    return [scope for scope in configured if scope in allowed]


def refused_scopes(requested: Iterable[str], grantable: Iterable[str] | None) -> list[str]:
    """The requested scopes outside ``grantable``, in request order; ``None`` refuses none."""
    if grantable is None:
        return []
    allowed = set(grantable)
    return [scope for scope in requested if scope not in allowed]


def merged_scopes(scopes: dict[str, str], openid_scopes: dict[str, str] | None) -> dict[str, str]:
    """``scopes`` plus the OpenID Connect scopes when they are offered; a site's own
    description of one of them wins."""
    if not openid_scopes:
        return dict(scopes)
    return {**openid_scopes, **scopes}


def known_scopes() -> dict[str, str]:
    """Every scope the server offers and its description: ``SCOPES``, plus ``OIDC_SCOPES``
    while OpenID Connect is on."""
    scopes = provider_settings.SCOPES if isinstance(provider_settings.SCOPES, dict) else {}
    openid = provider_settings.OIDC_SCOPES if provider_settings.OIDC_ENABLED else None
    return merged_scopes(scopes, openid if isinstance(openid, dict) else None)
