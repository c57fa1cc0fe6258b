"""Remote resource server mode: validate tokens through the authorization server's RFC 7662 endpoint.

Results are cached in Django's cache for at most ``INTROSPECTION_CACHE_SECONDS`` and
never beyond the token's ``exp``, so a revocation reaches this server within that
window (DOT #970 cached for hours). Inactive answers are not cached. An unreachable
or misbehaving authorization server is :class:`AuthorizationServerUnavailable`
(a 503), never a valid token.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches

from .hashing import hash_token
from .resource_server import AccessTokenInfo, AuthorizationServerUnavailable, InvalidToken
from .scopes import parse_scope
from .settings import provider_settings

__all__ = ["introspect_remotely"]

log = logging.getLogger("oauth_provider")
CACHE_PREFIX = "oauth_provider:introspection:"


def _cache():
    return caches[provider_settings.INTROSPECTION_CACHE_ALIAS]


def _cached(key: str) -> dict[str, Any] | None:
    try:
        return _cache().get(key)
    except Exception:  # a cache outage must not take the API down; ask the server instead
        log.warning("introspection cache unavailable; asking the authorization server")
        return None


def _remember(key: str, data: dict[str, Any]) -> None:
    ttl = int(provider_settings.INTROSPECTION_CACHE_SECONDS)
    exp = data.get("exp")
    if isinstance(exp, (int, float)):
        ttl = min(ttl, int(exp - time.time()))
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


def _user_for(username: str | None) -> Any:
    if not username:
        return AnonymousUser()
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None and provider_settings.INTROSPECTION_CREATE_USERS:
        user = User._default_manager.create_user(**{User.USERNAME_FIELD: username})
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if user is None or not user.is_active:
        return AnonymousUser()
    return user


def introspect_remotely(value: str) -> AccessTokenInfo:
    """Validate ``value`` with the authorization server (or a cached answer)."""
    key = CACHE_PREFIX + hash_token(value)
    data = _cached(key)
    if data is None:
        data = _ask_authorization_server(value)
        if data["active"]:
            _remember(key, data)
    if not data["active"]:
        raise InvalidToken("The access token is not active.")
    if str(data.get("token_type", "Bearer")).lower() != "bearer":
        # e.g. a refresh token: active, but not something a resource server may accept.
        raise InvalidToken("The token is not an access token.")
    exp = data.get("exp")
    expires = datetime.fromtimestamp(exp, tz=timezone.utc) if isinstance(exp, (int, float)) else None
    if expires is not None and expires.timestamp() <= time.time():
        raise InvalidToken("The access token has expired.")
    username = data.get("username")
    return AccessTokenInfo(
        scopes=frozenset(parse_scope(data.get("scope"))),
        client_id=str(data.get("client_id", "")),
        user=_user_for(username),
        expires=expires,
        subject=username or None,
        extra=data,
    )
