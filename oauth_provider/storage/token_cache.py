"""A per-process cache of validated access tokens (``ACCESS_TOKEN_CACHE_SECONDS``).

Off by default. When on, a process that has validated an access token keeps its
database row for at most ``ACCESS_TOKEN_CACHE_SECONDS``, and never past the token's
expiry, and validates it again from that row without a query: expiry, the client's
``is_active`` and the owner's ``is_active`` are checked as they were when the row was
read. The trade-off: in that window, a token revoked, or whose client was disabled or
whose owner was deactivated, through another process (or straight in the database)
is still accepted by this one. A revocation, a detected reuse, a disabled client, a
deactivated or deleted owner (``owners.py``) or a revoked consent in this process drops
this process's entries at once; so does a refresh, for the access token it replaces.

Entries are keyed by the token's SHA-256, never by its value, and hold the row, not
model instances: every request gets instances of its own, built only if it uses them.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.signals import setting_changed

from ..core import signals
from ..settings import provider_settings

__all__ = ["MAX_ENTRIES", "clear", "connect", "discard_access_token", "get", "put"]

#: A full cache drops its oldest entry for each new one.
MAX_ENTRIES = 10_000

_entries: dict[str, tuple[float, Any, Any]] = {}  # checksum -> (until, pk, what the caller keeps)
_checksums: dict[Any, str] = {}  # pk -> checksum
_lock = threading.Lock()


def get(checksum: str) -> Any | None:
    """What was kept for a token, if it is still inside its window."""
    entry = _entries.get(checksum)
    if entry is None:
        return None
    if entry[0] <= time.time():
        _discard(checksum)
        return None
    return entry[2]


def put(checksum: str, pk: Any, entry: Any, expires: float) -> None:
    """Keep ``entry`` for a validated token until ``expires`` or the window, whichever is first."""
    seconds = provider_settings.ACCESS_TOKEN_CACHE_SECONDS
    if not seconds:
        return
    until = min(time.time() + seconds, expires)
    with _lock:
        while len(_entries) >= MAX_ENTRIES:
            oldest = next(iter(_entries))
            _checksums.pop(_entries.pop(oldest)[1], None)
        _entries[checksum] = (until, pk, entry)
        _checksums[pk] = checksum


def _discard(checksum: str) -> None:
    with _lock:
        entry = _entries.pop(checksum, None)
        if entry is not None:
            _checksums.pop(entry[1], None)


def discard_access_token(pk: Any) -> None:
    """Forget the access token with primary key ``pk`` (this process deleted or ended it)."""
    checksum = _checksums.get(pk)
    if checksum is not None:
        _discard(checksum)


def clear(**kwargs: Any) -> None:
    """Forget every entry. Connected to the signals that follow a revocation."""
    with _lock:
        _entries.clear()
        _checksums.clear()


#: Signals sent after tokens were revoked, or a client or consent that tokens rely on was.
REVOKING_SIGNALS = (
    signals.token_revoked,
    signals.refresh_token_reused,
    signals.authorization_code_reused,
    signals.client_disabled,
    signals.consent_revoked,
)


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "OAUTH_PROVIDER":
        clear()


def connect() -> None:
    """Drop this process's entries whenever it revokes something (called from the app config)."""
    for signal in REVOKING_SIGNALS:
        signal.connect(clear, dispatch_uid="oauth_provider.token_cache.clear")
    setting_changed.connect(_settings_changed, dispatch_uid="oauth_provider.token_cache.settings")
