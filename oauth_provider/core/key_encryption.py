"""Encryption of private signing keys at rest: AES-256-GCM with a key from the settings.

``SIGNING_KEY_ENCRYPTION_KEYS`` lists the keys: the first encrypts, every one decrypts,
so a key can be replaced without losing the stored private keys (encrypt again with
``oauth_provider_reencrypt_signing_keys``). When the list is empty the keys are derived
from ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``. Each setting value is stretched to an
AES key with HKDF-SHA256 (RFC 5869), so any long random string will do.

A stored value is ``aesgcm1$<key id>$<base64url(nonce || ciphertext)>``; the key id
(eight hex digits of a hash of the AES key, never the key) says which key encrypted it.
The associated data binds a ciphertext to its row (the ``kid``), so a value copied from
one row to another does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from ..settings import provider_settings

__all__ = [
    "PREFIX",
    "UndecryptableKey",
    "decrypt",
    "derive_key",
    "encrypt",
    "encrypted_with_current_key",
    "encryption_keys",
    "key_id",
]

PREFIX = "aesgcm1"
_INFO = b"oauth_provider.signing_key_encryption"
_NONCE_BYTES = 12


class UndecryptableKey(Exception):
    """No configured key decrypts the value (wrong key, tampered value, or another row's)."""


def derive_key(secret: str | bytes) -> bytes:
    """A 256-bit AES key from a setting's value (HKDF-SHA256, RFC 5869)."""
    material = secret.encode("utf-8") if isinstance(secret, str) else secret
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(material)


def key_id(key: bytes) -> str:
    """Eight hex digits naming ``key`` in a stored value; they reveal nothing of it."""
    return hashlib.sha256(b"oauth_provider.key_id:" + key).hexdigest()[:8]


def encryption_keys() -> list[bytes]:
    """The AES keys, the one that encrypts first."""
    configured = list(provider_settings.SIGNING_KEY_ENCRYPTION_KEYS or [])
    if not configured:
        configured = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [derive_key(secret) for secret in configured]


def encrypt(plaintext: bytes, associated_data: bytes, keys: list[bytes] | None = None) -> str:
    """``plaintext`` encrypted with the first key."""
    key = (keys or encryption_keys())[0]
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext, associated_data)
    encoded = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{PREFIX}${key_id(key)}${encoded}"


def _parts(value: str) -> tuple[str, bytes]:
    prefix, _, rest = value.partition("$")
    identifier, _, encoded = rest.partition("$")
    if prefix != PREFIX or not identifier or not encoded:
        raise UndecryptableKey("Not an encrypted signing key.")
    try:
        return identifier, base64.urlsafe_b64decode(encoded.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise UndecryptableKey("Not an encrypted signing key.") from exc


def decrypt(value: str, associated_data: bytes, keys: list[bytes] | None = None) -> bytes:
    """The plaintext of ``value``; raises :class:`UndecryptableKey`."""
    identifier, data = _parts(value)
    for key in keys or encryption_keys():
        if key_id(key) != identifier:
            continue
        try:
            return AESGCM(key).decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], associated_data)
        except InvalidTag:
            continue
    raise UndecryptableKey(
        "No key in SIGNING_KEY_ENCRYPTION_KEYS (or SECRET_KEY and its fallbacks) decrypts this signing key."
    )


def encrypted_with_current_key(value: str, keys: list[bytes] | None = None) -> bool:
    """Whether ``value`` was encrypted with the key that encrypts now."""
    try:
        identifier, _ = _parts(value)
    except UndecryptableKey:
        return False
    return identifier == key_id((keys or encryption_keys())[0])
