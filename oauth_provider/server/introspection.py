"""Token introspection (RFC 7662): what a client may learn about a token."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.utils import timezone
from oauth2_provider.models import get_refresh_token_model

from ..core import jose
from ..core.hashing import hash_token
from ..core.jwt_access_tokens import looks_like_jwt
from ..core.resources import parse_resources
from ..storage.token_store import token_store

__all__ = ["introspect"]

INACTIVE: dict[str, Any] = {"active": False}


def _visible_to(token: Any, client: Any) -> bool:
    # docs/security.rst, policy item 9: a client learns nothing about other clients' tokens unless allowed.
    return client.can_introspect_any_token or token.application_id == client.pk


def _usable(token: Any) -> bool:
    """The client is active and so is the owner, if there is one."""
    return token.application.is_active and (token.user_id is None or token.user.is_active)


def _common(token: Any, issuer: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "active": True,
        "scope": token.scope,
        "client_id": token.application.client_id,
        "iat": int(token.created.timestamp()),
        "iss": issuer,
    }
    audience = parse_resources(token.resource)
    if audience:
        # RFC 7662 §2.2: the token's audience, the resources it was issued for (RFC 8707).
        data["aud"] = audience[0] if len(audience) == 1 else audience
    if token.user_id is not None:
        data["sub"] = str(token.user_id)
        data["username"] = token.user.get_username()
    return data


def _access_token(value: str, client: Any, issuer: str) -> dict[str, Any] | None:
    found = token_store().access_token(hash_token(value))
    if found is None:
        return None
    token = found.instance()
    if token.is_expired() or not _usable(token) or not _visible_to(token, client):
        return INACTIVE
    data = {**_common(token, issuer), "token_type": "Bearer", "exp": int(token.expires.timestamp())}
    if token.jkt:
        # RFC 9449 §6.2: a DPoP-bound token's key, for the resource server to check the proof.
        data.update(token_type="DPoP", cnf={"jkt": token.jkt})
    if token.audience:
        # RFC 8693 §2.2.1, §4.1: a token from token exchange names its audience and its actors.
        data["aud"] = token.audience
    if token.actor:
        data["act"] = json.loads(token.actor)
    if token.jti and looks_like_jwt(value):
        data.update(_jwt_claims(value))
    return data


def _jwt_claims(value: str) -> dict[str, Any]:
    """A JWT access token's ``aud``, ``jti``, ``iat`` and ``exp`` (RFC 7662 §2.2), from the
    payload of a token this server stored: its hash matched the row, so it is the one this
    server signed."""
    try:
        payload = jose.unverified_claims(value)
    except jose.JOSEError:
        return {}
    # exp too: the row's expiry and the signed one may differ by the second they straddle.
    return {name: payload[name] for name in ("aud", "jti", "iat", "exp") if name in payload}


def _refresh_token(value: str, client: Any, issuer: str) -> dict[str, Any] | None:
    token = (
        get_refresh_token_model()
        .objects.select_related("application", "user")
        .filter(token_checksum=hash_token(value), revoked__isnull=True)
        .first()
    )
    if token is None:
        return None
    lifetime = token.application.lifetime("refresh_token")
    expires = token.created + timedelta(seconds=lifetime) if lifetime else None
    absolute = token.application.lifetime("refresh_token_absolute")
    if absolute:
        ends = (token.family_started or token.created) + timedelta(seconds=absolute)
        expires = min(expires, ends) if expires else ends
    if (expires and expires <= timezone.now()) or not _usable(token) or not _visible_to(token, client):
        return INACTIVE
    # Not "Bearer": a resource server must never take a refresh token for an access token.
    data = {**_common(token, issuer), "token_type": "refresh_token"}
    if expires:
        data["exp"] = int(expires.timestamp())
    return data


def introspect(value: str, token_type_hint: str | None, client: Any, issuer: str) -> dict[str, Any]:
    """The RFC 7662 §2.2 response for ``value`` as seen by the authenticated ``client``."""
    lookups = [_access_token, _refresh_token]
    if token_type_hint == "refresh_token":
        lookups.reverse()
    for lookup in lookups:
        found = lookup(value, client, issuer)
        if found is not None:
            return found
    return INACTIVE
