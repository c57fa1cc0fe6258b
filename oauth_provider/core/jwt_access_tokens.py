"""JWT access tokens (RFC 9068): the rules both sides share, over plain values.

The authorization server builds the claims here and signs them with its signing keys;
a resource server reads a verified token's claims back here. No request, no ORM, no
settings: see ``server/jwt_access_tokens.py`` and ``resource/jwt.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "REQUIRED_CLAIMS",
    "VerifiedClaims",
    "access_token_claims",
    "audience_error",
    "looks_like_jwt",
    "read_claims",
]

#: RFC 9068 §2.1: the ``typ`` header of a JWT access token (``application/at+jwt``).
ACCESS_TOKEN_TYPE = "at+jwt"

#: RFC 9068 §2.2: the claims every JWT access token carries.
REQUIRED_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")


def looks_like_jwt(value: str) -> bool:
    """Whether a bearer value has the shape of a compact JWS (three segments); opaque
    tokens of this package are base64url and have no dot."""
    return value.count(".") == 2


def audience_error(uri: str) -> str | None:
    """Why ``uri`` cannot be an audience, or ``None``: an absolute URI without a fragment,
    as RFC 8707 §2 asks of a resource indicator."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return f"{uri[:100]!r} is not a URI."
    if not parts.scheme or not (parts.netloc or parts.scheme == "urn"):
        return f"{uri[:100]!r} is not an absolute URI (RFC 8707 §2)."
    if parts.fragment or uri.endswith("#"):
        return f"{uri[:100]!r} has a fragment, which an audience may not have (RFC 8707 §2)."
    return None


def access_token_claims(
    *,
    issuer: str,
    subject: str,
    audience: Sequence[str],
    client_id: str,
    scopes: Iterable[str],
    issued_at: int,
    lifetime: int,
    jti: str,
    auth_time: int | None = None,
) -> dict[str, Any]:
    """The claims of a JWT access token (RFC 9068 §2.2). ``aud`` is a string when there is
    one audience, else an array (RFC 7519 §4.1.3). ``subject`` is the resource owner's
    identifier, or the client's for a token no owner is behind (RFC 9068 §2.2)."""
    if not audience:
        raise ValueError("A JWT access token needs an audience (RFC 9068 §2.2).")
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": subject,
        "aud": audience[0] if len(audience) == 1 else list(audience),
        "exp": issued_at + lifetime,
        "iat": issued_at,
        "jti": jti,
        "client_id": client_id,
        "scope": " ".join(scopes),
    }
    if auth_time is not None:
        claims["auth_time"] = int(auth_time)
    return claims


@dataclass(frozen=True)
class VerifiedClaims:
    """What a resource server reads from a verified JWT access token."""

    subject: str
    client_id: str
    scopes: frozenset[str]
    expires: float
    jti: str
    audience: tuple[str, ...]
    #: No resource owner is behind the token: ``sub`` is the client's id (RFC 9068 §2.2).
    is_client_token: bool


def read_claims(claims: Mapping[str, Any]) -> VerifiedClaims:
    """The claims of a verified token, with their RFC 9068 §2.2 types checked; raises
    ``ValueError`` naming the first claim that is missing or of the wrong type."""
    for name in ("sub", "client_id", "jti", "iss"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise ValueError(f"The {name} claim is missing or not a string.")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise ValueError("The scope claim is not a string.")
    aud = claims.get("aud")
    audience = tuple(aud) if isinstance(aud, list) else (aud,)
    if not audience or not all(isinstance(value, str) for value in audience):
        raise ValueError("The aud claim is missing or not a string or array of strings.")
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise ValueError("The exp claim is missing or not a number.")
    return VerifiedClaims(
        subject=claims["sub"],
        client_id=claims["client_id"],
        scopes=frozenset(scope.split()),
        expires=float(exp),
        jti=claims["jti"],
        audience=audience,
        is_client_token=claims["sub"] == claims["client_id"],
    )
