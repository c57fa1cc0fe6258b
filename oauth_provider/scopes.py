"""Scope policy (RFC 6749 §3.3): plain functions, plus django-oauth-toolkit's scopes backend.

A client may ask only for scopes it was registered for (``Application.allowed_scopes``);
an empty allowed list means every scope in ``OAUTH_PROVIDER["SCOPES"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from oauth2_provider.scopes import BaseScopes

from .settings import provider_settings

__all__ = [
    "ApplicationScopes",
    "allowed_scopes",
    "default_scopes",
    "invalid_scope_tokens",
    "parse_scope",
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


class ApplicationScopes(BaseScopes):
    """django-oauth-toolkit scopes backend that honours each client's allowed scopes."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(provider_settings.SCOPES)

    def get_available_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any):
        registered = application.allowed_scope_list if application is not None else []
        return allowed_scopes(provider_settings.SCOPES, registered)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any):
        return default_scopes(
            provider_settings.DEFAULT_SCOPES, self.get_available_scopes(application, request)
        )
