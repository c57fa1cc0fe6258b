"""Remote resource server mode: validate tokens through the authorization server's RFC 7662 endpoint.

Results are cached in Django's cache for at most ``INTROSPECTION_CACHE_SECONDS`` and
never beyond the token's ``exp``, so a revocation reaches this server within that
window (DOT #970 cached for hours). Inactive answers are not cached. An unreachable
or misbehaving authorization server, or an active answer whose claims have the wrong
types, is :class:`AuthorizationServerUnavailable` (a 503), never a valid token. A
token whose owner is disabled on this server is refused here too.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timezone
from typing import Any

import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches

from ..core.errors import AuthorizationServerUnavailable, InvalidToken
from ..core.hashing import hash_token
from ..core.scopes import parse_scope
from ..settings import provider_settings
from .tokens import AccessTokenInfo

__all__ = ["introspect_remotely"]

log = logging.getLogger("oauth_provider")
CACHE_PREFIX = "oauth_provider:introspection:"


def _cache():
    return caches[provider_settings.INTROSPECTION_CACHE_ALIAS]


def _cached(key: str) -> dict[str, Any] | None:
    try:
        data = _cache().get(key)
    except Exception:  # a cache outage must not take the API down; ask the server instead
        log.warning("introspection cache unavailable; asking the authorization server")
        return None
    return data if isinstance(data, dict) else None


def _remember(key: str, data: dict[str, Any], expires: datetime | None) -> None:
    ttl = int(provider_settings.INTROSPECTION_CACHE_SECONDS)
    if expires is not None:
        ttl = min(ttl, int(expires.timestamp() - time.time()))
    if ttl <= 0:
        return
    try:
        _cache().set(key, data, ttl)
    except Exception:
        log.warning("introspection cache unavailable; result not cached")


def _ask_authorization_server(value: str) -> dict[str, Any]:
    try:
        response = requests.post(
            provider_settings.INTROSPECTION_URL,
            data={"token": value, "token_type_hint": "access_token"},
            auth=(provider_settings.INTROSPECTION_CLIENT_ID, provider_settings.INTROSPECTION_CLIENT_SECRET),
            timeout=provider_settings.INTROSPECTION_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        log.error("introspection request failed: %s", type(exc).__name__)
        raise AuthorizationServerUnavailable() from exc
    if response.status_code != 200:
        log.error("introspection endpoint answered %s", response.status_code)
        raise AuthorizationServerUnavailable()
    try:
        data = response.json()
    except ValueError as exc:
        raise AuthorizationServerUnavailable() from exc
    if not isinstance(data, dict) or not isinstance(data.get("active"), bool):
        raise AuthorizationServerUnavailable()
    return data


def _malformed(claim: str) -> AuthorizationServerUnavailable:
    log.error("introspection answer has a malformed %r claim", claim)
    return AuthorizationServerUnavailable()


def _optional_str(data: dict[str, Any], claim: str) -> str | None:
    value = data.get(claim)
    if value is not None and not isinstance(value, str):
        raise _malformed(claim)
    return value


def _expiry(data: dict[str, Any]) -> datetime | None:
    """RFC 7662 §2.2 ``exp``: seconds since the epoch, a finite number, or absent."""
    exp = data.get("exp")
    if exp is None:
        return None
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise _malformed("exp")
    try:
        if not math.isfinite(exp):  # NaN or infinity; an int too large for a float raises
            raise ValueError(exp)
        return datetime.fromtimestamp(exp, tz=timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise _malformed("exp") from exc


def _audience(data: dict[str, Any]) -> frozenset[str]:
    """RFC 7662 §2.2 ``aud``: a string, or an array of strings."""
    value = data.get("aud")
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    raise _malformed("aud")


def _check_claims(data: dict[str, Any]) -> datetime | None:
    """Raise 503 unless every claim we read has its RFC 7662 §2.2 type; returns the expiry."""
    for claim in ("scope", "client_id", "username", "token_type"):
        _optional_str(data, claim)
    _audience(data)
    return _expiry(data)


def _user_for(username: str | None) -> Any:
    if not username:
        return AnonymousUser()
    User = get_user_model()
    lookup = {User.USERNAME_FIELD: username}
    user: Any
    if provider_settings.INTROSPECTION_CREATE_USERS:
        # get_or_create: two requests for a new owner at once create one user, not an error.
        user, _ = User._default_manager.get_or_create(**lookup, defaults={"password": make_password(None)})
    else:
        user = User._default_manager.filter(**lookup).first()
        if user is None:
            return AnonymousUser()
    if not user.is_active:
        # As in local validation: a token is no good once its owner is disabled here.
        raise InvalidToken("The resource owner's account is disabled.")
    return user


def introspect_remotely(value: str) -> AccessTokenInfo:
    """Validate ``value`` with the authorization server (or a cached answer)."""
    key = CACHE_PREFIX + hash_token(value)
    data = _cached(key)
    fresh = data is None
    if data is None:
        data = _ask_authorization_server(value)
    if not data.get("active"):
        raise InvalidToken("The access token is not active.")
    # Checked before caching, so a malformed answer is never remembered.
    expires = _check_claims(data)
    if fresh:
        _remember(key, data, expires)
    if (data.get("token_type") or "Bearer").lower() != "bearer":
        # e.g. a refresh token: active, but not something a resource server may accept.
        raise InvalidToken("The token is not an access token.")
    if expires is not None and expires.timestamp() <= time.time():
        raise InvalidToken("The access token has expired.")
    username = data.get("username")
    return AccessTokenInfo(
        scopes=frozenset(parse_scope(data.get("scope"))),
        client_id=data.get("client_id") or "",
        user=_user_for(username),
        expires=expires,
        subject=username or None,
        extra=data,
        audience=_audience(data),
        # RFC 9449 §6.2: the key a DPoP-bound token is bound to.
        jkt=_confirmation_key(data),
    )


def _confirmation_key(data: dict[str, Any]) -> str | None:
    confirmation = data.get("cnf")
    jkt = confirmation.get("jkt") if isinstance(confirmation, dict) else None
    return jkt if isinstance(jkt, str) and jkt else None
