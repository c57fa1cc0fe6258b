"""Device codes and user codes (RFC 8628 §3.2, §6.1).

A user code is 8 characters from 20 consonants (about 34.5 bits; RFC 8628 §6.1's own
example), so that it reads and types without ambiguity: no vowels (no words), no digits
that look like letters. It is shown as ``XXXX-XXXX``; what the owner types is normalised
(case, dashes and spaces ignored) before it is hashed. A device code is 256 random bits.
"""

from __future__ import annotations

import secrets

from ...core.hashing import hash_token, hash_user_code

__all__ = [
    "USER_CODE_ALPHABET",
    "USER_CODE_LENGTH",
    "format_user_code",
    "generate_device_code",
    "generate_user_code",
    "normalize_user_code",
    "device_code_hash",
    "user_code_hash",
]

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8


def generate_user_code() -> str:
    """A new user code, normalised (no dash)."""
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def format_user_code(code: str) -> str:
    """``BCDFGHJK`` -> ``BCDF-GHJK``: what the device shows."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_user_code(typed: str) -> str | None:
    """The code the owner typed, upper case without separators; ``None`` if it cannot be a
    user code (wrong length or a character outside the alphabet)."""
    code = "".join(ch for ch in (typed or "")[:64].upper() if ch not in "- \t")
    if len(code) != USER_CODE_LENGTH or any(ch not in USER_CODE_ALPHABET for ch in code):
        return None
    return code


def generate_device_code() -> str:
    return secrets.token_urlsafe(32)


def device_code_hash(device_code: str) -> str:
    return hash_token(device_code)


def user_code_hash(normalized: str) -> str:
    return hash_user_code(normalized)
