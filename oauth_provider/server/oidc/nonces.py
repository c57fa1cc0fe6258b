"""The ``nonce`` of an authorization request (OpenID Connect Core §3.1.2.1, §15.5.2): copied
into the ID token, and accepted once per client, so that a request replayed with the nonce
of an earlier one is refused before it can produce a second ID token carrying it."""

from __future__ import annotations

from typing import Any

from oauth2_provider.models import get_grant_model

from ...core.authentication_request import MAX_NONCE_LENGTH

__all__ = ["nonce_problem"]


def nonce_problem(application: Any, nonce: str | None) -> str | None:
    """Why ``nonce`` cannot be used by ``application``, or ``None``. Codes are kept until
    ``oauth_provider_clear_expired`` deletes them (used ones ten minutes after they expire),
    which is how long a nonce is remembered."""
    if not nonce:
        return None
    if len(nonce) > MAX_NONCE_LENGTH:
        return f"nonce must be at most {MAX_NONCE_LENGTH} characters long."
    if get_grant_model().objects.filter(application=application, nonce=nonce).exists():
        return "This nonce was already used; send a new one with every authorization request."
    return None
