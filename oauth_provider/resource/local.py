"""Validating an access token against this site's database (the default).

A token validated in the last ``ACCESS_TOKEN_CACHE_SECONDS`` may be checked again from
the token cache without a query (``oauth_provider.storage.token_cache``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from ..core.errors import InvalidToken
from ..core.hashing import hash_token
from ..core.resources import parse_resources
from ..core.scopes import parse_scope
from ..settings import provider_settings
from ..storage import token_cache
from ..storage.token_store import Snapshot, token_store
from .tokens import AccessTokenInfo

__all__ = ["validate_locally"]


@dataclass(frozen=True)
class _Accepted:
    """What the token cache keeps of a token it accepted: its row, and what was checked."""

    snapshot: Snapshot
    scopes: frozenset[str]
    client_id: str
    expires: datetime
    subject: str | None
    audience: frozenset[str]
    jkt: str | None = None


def _from_cache(entry: _Accepted) -> AccessTokenInfo:
    """A cached token, checked again for expiry; its instances are built only if a view asks."""
    if entry.expires <= timezone.now():
        raise InvalidToken("The access token has expired.")
    token: Any = SimpleLazyObject(entry.snapshot.instance)
    return AccessTokenInfo(
        scopes=entry.scopes,
        client_id=entry.client_id,
        user=SimpleLazyObject(lambda: token.user) if entry.subject is not None else AnonymousUser(),
        expires=entry.expires,
        subject=entry.subject,
        token=token,
        audience=entry.audience,
        jkt=entry.jkt,
    )


def validate_locally(value: str, *, use_cache: bool = True) -> AccessTokenInfo:
    """The token ``value`` from this database; raises :class:`InvalidToken`."""
    checksum = hash_token(value)
    use_cache = use_cache and bool(provider_settings.ACCESS_TOKEN_CACHE_SECONDS)
    if use_cache:
        entry = token_cache.get(checksum)
        if entry is not None:
            return _from_cache(entry)
    found = token_store().access_token(checksum)
    if found is None:
        raise InvalidToken("The access token is unknown or was revoked.")
    expires = found.expires
    if expires <= timezone.now():
        raise InvalidToken("The access token has expired.")
    if not found.client_is_active:
        raise InvalidToken("The client this access token was issued to is disabled.")
    has_owner = found.user_id is not None
    if has_owner and not found.user_is_active:
        raise InvalidToken("The resource owner's account is disabled.")
    # The model instances are built only if the view asks for them.
    token: Any = SimpleLazyObject(found.instance)
    info = AccessTokenInfo(
        scopes=frozenset(parse_scope(found.scope)),
        client_id=found.client_id or "",
        user=SimpleLazyObject(lambda: token.user) if has_owner else AnonymousUser(),
        expires=expires,
        subject=found.username if has_owner else None,
        token=token,
        audience=frozenset(parse_resources(found.resource)),
        jkt=found.jkt or None,
    )
    if use_cache:
        accepted = _Accepted(
            Snapshot(found.instance()),
            info.scopes,
            info.client_id,
            expires,
            info.subject,
            info.audience,
            info.jkt,
        )
        token_cache.put(checksum, found.pk, accepted, expires.timestamp())
    return info
