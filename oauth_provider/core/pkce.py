"""PKCE policy (RFC 7636, RFC 9700 §2.1.1): plain functions over plain values.

Each returns why a request breaks the policy, or ``None``; the oauthlib glue in
``oauth_provider.server.oauthlib_server`` turns the answer into an oauthlib error.
"""

from __future__ import annotations

import re

__all__ = ["challenge_problem", "downgrade_problem"]

# RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters; a plain challenge is a verifier.
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
PLAIN_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def challenge_problem(challenge: str | None, method: str | None, *, plain_allowed: bool) -> str | None:
    """An authorization request's ``code_challenge``: S256 only (unless plain is allowed),
    and well formed."""
    if challenge is None:
        return None
    if method == "plain" and not plain_allowed:
        return 'code_challenge_method "plain" is not allowed; use "S256".'
    pattern = S256_CHALLENGE if method == "S256" else PLAIN_CHALLENGE
    if not pattern.fullmatch(challenge):
        return "code_challenge is malformed (RFC 7636 §4.2)."
    return None


def downgrade_problem(verifier: str | None, code_had_challenge: bool) -> str | None:
    """A token request with a ``code_verifier`` for a code issued without a challenge is a
    downgrade (RFC 9700 §4.8.2)."""
    if verifier is not None and not code_had_challenge:
        return "code_verifier sent, but the authorization request had no code_challenge."
    return None
