"""Secrets shown once, on a page of their own, after a redirect (POST, redirect, GET).

A page that answers the POST that created or rotated a secret is submitted again when
the operator reloads it. Instead, the secrets are sealed in the session and the browser
is sent to a page that shows them and forgets them: reloading it shows that they were
already shown, and submits nothing.

Sealed, because a session may be stored in the database: the session keeps the secrets
XORed with a one-time pad of random bytes as long as they are (a one-time pad), and the
pad travels in the page's URL only. Neither alone reveals anything, and the session's
half is gone once the page has been shown.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.http import HttpRequest

__all__ = ["seal", "take", "unseal"]

SESSION_KEY = "oauth_provider_shown_once"


def seal(plaintext: bytes) -> tuple[bytes, bytes]:
    """``(sealed, pad)``: ``plaintext`` XOR a pad of random bytes, and the pad."""
    pad = secrets.token_bytes(len(plaintext))
    return bytes(a ^ b for a, b in zip(plaintext, pad, strict=True)), pad


def unseal(sealed: bytes, pad: bytes) -> bytes | None:
    """The plaintext, or ``None`` when the pad does not fit."""
    if len(sealed) != len(pad):
        return None
    return bytes(a ^ b for a, b in zip(sealed, pad, strict=True))


def keep(request: HttpRequest, values: Any) -> tuple[str, str]:
    """Seal ``values`` (JSON-serializable) in the session; returns ``(key, pad)`` for the
    page's URL, both hex or URL-safe text."""
    sealed, pad = seal(json.dumps(values).encode())
    key = secrets.token_urlsafe(12)
    request.session.setdefault(SESSION_KEY, {})[key] = sealed.hex()
    request.session.modified = True
    return key, pad.hex()


def take(request: HttpRequest, key: str, pad: str) -> Any | None:
    """The values kept under ``key``, forgotten from now on; ``None`` if they were already
    taken (or never kept, or the pad is wrong)."""
    kept = request.session.get(SESSION_KEY, {})
    sealed = kept.pop(key, None)
    request.session.modified = True
    if sealed is None:
        return None
    try:
        plaintext = unseal(bytes.fromhex(sealed), bytes.fromhex(pad))
        values = json.loads(plaintext) if plaintext is not None else None
    except ValueError:  # a pad of the right length but not the one kept: garbage
        return None
    return values if isinstance(values, dict) else None
