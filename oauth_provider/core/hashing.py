"""Hashing of tokens, authorization codes and client secrets.

Tokens, codes and generated client secrets are long random strings, so a fast hash
is safe where a password needs a slow one. Tokens and codes are looked up by their
SHA-256 (the value is the only key we have). Client secrets use HMAC-SHA256 keyed
with ``CLIENT_SECRET_HASH_KEY`` (default ``SECRET_KEY``) so a leaked table cannot be
checked offline, and are compared in constant time. Secrets hashed by Django's
password hashers (django-oauth-toolkit's default) still verify; a caller upgrades a
stored value whenever it differs from ``hash_client_secret(provided)`` after a match.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher

from ..settings import provider_settings

__all__ = [
    "SECRET_HASH_PREFIX",
    "hash_client_secret",
    "hash_token",
    "hash_user_code",
    "is_hashed_secret",
    "verify_client_secret",
]

SECRET_HASH_PREFIX = "hmac-sha256$"


def hash_token(value: str) -> str:
    """SHA-256 hex digest of a token or code, the same checksum django-oauth-toolkit stores."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def hash_user_code(normalized: str) -> str:
    """Keyed hash of a device flow user code (RFC 8628 §6.1). A user code has far fewer
    bits than a token, so a leaked table must not be enough to try them all offline."""
    return hmac.new(
        settings.SECRET_KEY.encode("utf-8"),
        b"oauth_provider.user_code:" + normalized.encode("ascii", "ignore"),
        hashlib.sha256,
    ).hexdigest()


def _secret_keys() -> list[str]:
    """The current key first, then the ones still accepted while secrets are upgraded."""
    configured = provider_settings.CLIENT_SECRET_HASH_KEY
    if configured:
        return [configured, *provider_settings.CLIENT_SECRET_HASH_KEY_FALLBACKS]
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _hmac(secret: str, key: str) -> str:
    digest = hmac.new(
        key.encode("utf-8"),
        b"oauth_provider.client_secret:" + secret.encode("utf-8", "surrogatepass"),
        hashlib.sha256,
    ).hexdigest()
    return SECRET_HASH_PREFIX + digest


def hash_client_secret(secret: str) -> str:
    """Hash a client secret with the current key."""
    return _hmac(secret, _secret_keys()[0])


def is_hashed_secret(stored: str) -> bool:
    """True for our keyed hash or a Django password hash; False for cleartext."""
    if stored.startswith(SECRET_HASH_PREFIX):
        return True
    try:
        identify_hasher(stored)
    except ValueError:
        return False
    return True


def verify_client_secret(provided: str, stored: str) -> bool:
    """Constant-time check of ``provided`` against a stored hash (ours or a legacy one)."""
    if not provided or not stored:
        return False
    if stored.startswith(SECRET_HASH_PREFIX):
        return any(hmac.compare_digest(_hmac(provided, key), stored) for key in _secret_keys())
    try:
        identify_hasher(stored)
    except ValueError:
        # Cleartext, as django-oauth-toolkit stores with hash_client_secret=False. This
        # package never writes it; a match is upgraded to a hash by the caller.
        return hmac.compare_digest(
            provided.encode("utf-8", "surrogatepass"), stored.encode("utf-8", "surrogatepass")
        )
    return check_password(provided, stored)
