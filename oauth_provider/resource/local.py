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
    )


def validate_locally(value: str, *, use_cache: bool = True) -> AccessTokenInfo:
    """The token ``value`` from this database; raises :class:`InvalidToken`."""
    checksum = hash_token(value)
    use_cache = use_cache and bool(provider_settings.ACCESS_TOKEN_CACHE_SECONDS)
    if use_cache:
        entry = token_cache.get(checksum)
        if entry is not None:
            return _from_cache(entry)
    token = token_store().access_token(checksum)
    if token is None:
        raise InvalidToken("The access token is unknown or was revoked.")
    if token.expires <= timezone.now():
        raise InvalidToken("The access token has expired.")
    application = token.application
    if application is None or not application.is_active:
        raise InvalidToken("The client this access token was issued to is disabled.")
    user = token.user
    if user is not None and not user.is_active:
        raise InvalidToken("The resource owner's account is disabled.")
    info = AccessTokenInfo(
        scopes=frozenset(parse_scope(token.scope)),
        client_id=application.client_id,
        user=user if user is not None else AnonymousUser(),
        expires=token.expires,
        subject=user.get_username() if user is not None else None,
        token=token,
    )
    if use_cache:
        accepted = _Accepted(Snapshot(token), info.scopes, info.client_id, token.expires, info.subject)
        token_cache.put(checksum, token.pk, accepted, token.expires.timestamp())
    return info
