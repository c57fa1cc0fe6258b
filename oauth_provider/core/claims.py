"""OpenID Connect claims: which scope releases which standard claim, and subject identifiers.

Plain functions over plain values. The site supplies the claim values (the
``OIDC_CLAIMS`` hook); these functions decide which of them a client sees.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "OPENID_SCOPE",
    "SCOPE_CLAIMS",
    "claims_for_scopes",
    "pairwise_subject",
    "sector_identifier",
    "supported_claims",
]

OPENID_SCOPE = "openid"

#: OpenID Connect Core §5.4: the standard claims each scope value asks for.
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "profile": (
        "name",
        "family_name",
        "given_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "updated_at",
    ),
    "email": ("email", "email_verified"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
}

# Claims the server sets itself; a claims hook cannot replace them.
_RESERVED = frozenset(
    {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "c_hash", "jti"}
)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def claims_for_scopes(values: Mapping[str, Any], scopes: Iterable[str]) -> dict[str, Any]:
    """The claims of ``values`` that ``scopes`` release (OpenID Connect Core §5.4), without
    empty ones (§5.3.2: a claim with no value is omitted, not sent as null or "")."""
    granted = set(scopes)
    released = {name for scope, names in SCOPE_CLAIMS.items() if scope in granted for name in names}
    return {
        name: value
        for name, value in values.items()
        if name in released and name not in _RESERVED and not _empty(value)
    }


def supported_claims(scopes: Iterable[str]) -> list[str]:
    """``claims_supported`` for discovery: ``sub`` and the standard claims of ``scopes``."""
    names = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "c_hash"]
    for scope in scopes:
        names.extend(SCOPE_CLAIMS.get(scope, ()))
    return list(dict.fromkeys(names))


def sector_identifier(configured: str, redirect_uris: Iterable[str]) -> str | None:
    """The host pairwise subjects are computed for (OpenID Connect Core §8.1): the one set
    by an operator, else the single host of the client's redirect URIs; ``None`` when
    they have several hosts and none was set."""
    if configured:
        return configured.lower()
    hosts = set()
    for uri in redirect_uris:
        try:
            host = urlsplit(uri).hostname
        except ValueError:
            host = None
        if host:
            hosts.add(host.lower())
    return hosts.pop() if len(hosts) == 1 else None


def pairwise_subject(key: str | bytes, sector: str, local_subject: str) -> str:
    """A pairwise subject identifier (OpenID Connect Core §8.1): the same for one user at
    every client of one sector, unrelated across sectors, and not reversible without ``key``."""
    secret = key.encode("utf-8") if isinstance(key, str) else key
    digest = hmac.new(secret, f"{sector}|{local_subject}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
