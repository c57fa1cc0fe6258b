"""Bearer tokens on the wire (RFC 6750), for the resource server: the rules live in
:mod:`oauth_provider.core.bearer`, shared with the authorization server's userinfo endpoint."""

from ..core.bearer import bearer_challenge, bearer_token_from, challenge_for

__all__ = ["bearer_challenge", "bearer_token_from", "challenge_for"]
