"""What the signing-key commands share: finding a key, and a key as JSON (public data only).

The leading module name is not a command: Django finds commands only in ``management/commands``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from ...storage.models import SigningKey

__all__ = ["key_by_kid", "key_json"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def key_by_kid(kid: str) -> SigningKey:
    """The key with ``kid``."""
    key = SigningKey.objects.filter(kid=kid).first()
    if key is None:
        raise CommandError(f"No signing key with kid {kid!r}.")
    return key


def key_json(key: SigningKey, now: datetime | None = None) -> dict[str, Any]:
    """A key's public data and its instants; never the private key."""
    return {
        "kid": key.kid,
        "algorithm": key.algorithm,
        "status": key.status(now or timezone.now()),
        "publish_at": _iso(key.publish_at),
        "activate_at": _iso(key.activate_at),
        "retire_at": _iso(key.retire_at),
        "unpublish_at": _iso(key.unpublish_at),
        "compromised": key.compromised,
    }
