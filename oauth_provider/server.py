"""The oauthlib server, with the PKCE rules oauthlib leaves to its users (RFC 7636, RFC 9700 §2.1.1)."""

from __future__ import annotations

import re
from typing import Any

from oauthlib.common import Request
from oauthlib.oauth2 import Server as OAuthlibServer
from oauthlib.oauth2.rfc6749 import errors

from .settings import provider_settings

__all__ = ["Server", "check_pkce_challenge", "check_pkce_downgrade"]

# RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters; a plain challenge is a verifier.
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
PLAIN_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def check_pkce_challenge(request: Request) -> dict[str, Any]:
    """Authorization request: S256 only (unless plain is allowed) and a well-formed challenge."""
    if request.code_challenge is None:
        return {}
    if request.code_challenge_method == "plain" and not provider_settings.PKCE_PLAIN_ALLOWED:
        raise errors.InvalidRequestError(
            description='code_challenge_method "plain" is not allowed; use "S256".', request=request
        )
    pattern = S256_CHALLENGE if request.code_challenge_method == "S256" else PLAIN_CHALLENGE
    if not pattern.fullmatch(request.code_challenge):
        raise errors.InvalidRequestError(
            description="code_challenge is malformed (RFC 7636 §4.2).", request=request
        )
    return {}


def check_pkce_downgrade(request: Request) -> None:
    """Token request: a code_verifier for a code issued without a challenge is a downgrade."""
    grant = getattr(request, "grant", None)
    if request.code_verifier is not None and grant is not None and not grant.code_challenge:
        raise errors.InvalidGrantError(
            description="code_verifier sent, but the authorization request had no code_challenge.",
            request=request,
        )


class Server(OAuthlibServer):
    """oauthlib's all-grants server plus the PKCE checks above."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        # The device grant (RFC 8628) is not offered; without its endpoints it can only fail.
        self._grant_types.pop("urn:ietf:params:oauth:grant-type:device_code", None)
        self.auth_grant.custom_validators.post_auth.append(check_pkce_challenge)
        self.auth_grant.custom_validators.post_token.append(check_pkce_downgrade)
