"""The OpenID Connect parameters of an authorization request (OpenID Connect Core §3.1.2.1):
``prompt``, ``max_age`` and ``nonce``, as plain functions over plain values."""

from __future__ import annotations

__all__ = [
    "MAX_NONCE_LENGTH",
    "PROMPT_VALUES",
    "AuthenticationRequestError",
    "login_is_fresh",
    "parse_max_age",
    "parse_prompt",
]

#: The ``prompt`` values the server acts on. ``select_account`` (one account per session
#: here) and unknown values are ignored, as §3.1.2.1 lets an OP do.
PROMPT_VALUES = frozenset({"none", "login", "consent"})

#: A nonce longer than this is refused: it is copied into every ID token of the grant.
MAX_NONCE_LENGTH = 255


class AuthenticationRequestError(ValueError):
    """An ``invalid_request``: the message is the ``error_description``."""


def parse_prompt(value: str | None) -> frozenset[str]:
    """The ``prompt`` values; ``none`` with any other is an error (§3.1.2.1)."""
    values = frozenset((value or "").split())
    if "none" in values and len(values) > 1:
        raise AuthenticationRequestError("prompt=none cannot be combined with other prompt values.")
    return values & PROMPT_VALUES


def parse_max_age(value: str | None) -> int | None:
    """``max_age`` in seconds, or ``None`` when absent; anything but a non-negative integer
    is an error."""
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise AuthenticationRequestError("max_age must be a non-negative whole number of seconds.")
    return int(value)


def login_is_fresh(auth_time: float | None, max_age: int | None, now: float) -> bool:
    """Whether a login at ``auth_time`` satisfies ``max_age`` at ``now`` (§3.1.2.1: when
    more time has passed, the OP must authenticate the end-user again). An unknown login
    time satisfies no ``max_age``."""
    if max_age is None:
        return True
    if auth_time is None:
        return False
    return now - auth_time <= max_age
