"""The OpenID Connect hooks of the oauthlib validator (``oauthlib.openid.RequestValidator``),
in place of django-oauth-toolkit's: glue that calls the modules beside it.

oauthlib calls them only through :class:`~oauth_provider.server.oauthlib_server.OpenIDServer`,
which the server runs while ``OIDC_ENABLED`` is on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from oauthlib.common import Request

from ...core.authentication_request import AuthenticationRequestError, login_is_fresh, parse_max_age
from ...core.claims import OPENID_SCOPE
from ...core.hashing import hash_token
from ...storage.token_store import token_store
from ..consent import consent_covers, skips_consent
from .claims import user_claims
from .id_tokens import oauthlib_issuer, sign_id_token, verify_id_token_hint
from .subjects import subject_for

__all__ = ["OpenIDConnectHooks", "presented_with_dpop_key"]

#: The key of the verified DPoP proof that came with this userinfo request (its RFC 7638
#: thumbprint), ``""`` for a bearer token. A context variable rather than a header, so that
#: no client can claim a key it did not prove.
_proof_key: ContextVar[str] = ContextVar("oauth_provider_userinfo_dpop_key", default="")


@contextmanager
def presented_with_dpop_key(jkt: str) -> Iterator[None]:
    """Within: the userinfo request's token came with a verified proof of the key ``jkt``."""
    reset = _proof_key.set(jkt)
    try:
        yield
    finally:
        _proof_key.reset(reset)


class OpenIDConnectHooks:
    """Mixed into the validator ahead of django-oauth-toolkit's."""

    # -- ID tokens (OpenID Connect Core §2, §3.1.3.6) ---------------------------------

    def get_id_token(self, token: dict, token_handler: Any, request: Request) -> None:
        # None: oauthlib starts the claims (aud, iat, nonce) and calls finalize_id_token.
        return None

    def finalize_id_token(self, id_token: dict, token: dict, token_handler: Any, request: Request) -> str:
        signed = sign_id_token(id_token, request, token)
        # Saved with the access token that points at it (save_bearer_token).
        request.id_token = signed.row
        return signed.value

    def refresh_id_token(self, request: Request) -> bool:
        # OpenID Connect Core §12.2: a refresh with openid gets a new ID token, with the
        # original auth_time and no nonce.
        return OPENID_SCOPE in (request.scopes or [])

    def get_oidc_issuer_endpoint(self, request: Request) -> str:
        return oauthlib_issuer(request)

    def get_authorization_code_nonce(
        self, client_id: str, code: str, redirect_uri: str, request: Request
    ) -> str | None:
        grant = getattr(request, "grant", None)
        return (grant.nonce or None) if grant is not None else None

    # An ID token is never a credential (OpenID Connect Core §2): these two would make one.
    def validate_jwt_bearer_token(self, token: str, scopes: list[str], request: Request) -> bool:
        return False

    def validate_id_token(self, token: str, scopes: list[str], request: Request) -> bool:
        return False

    def _get_key_for_token(self, token: str) -> None:
        # django-oauth-toolkit's own ID token loading (with a client's key) is never used.
        return None

    def _load_id_token(self, token: str) -> None:
        return None

    # -- prompt, max_age and id_token_hint (OpenID Connect Core §3.1.2.1) ----------------

    def validate_silent_login(self, request: Request) -> bool:
        """``prompt=none``: the owner is logged in, recently enough for ``max_age``. On the
        first pass oauthlib knows no user yet, and the authorization view decides."""
        user = request.user
        if user is None:
            return True
        try:
            max_age = parse_max_age(request.max_age)
        except AuthenticationRequestError:
            return False
        return bool(user.is_authenticated) and login_is_fresh(
            getattr(request, "auth_time", None), max_age, time.time()
        )

    def validate_silent_authorization(self, request: Request) -> bool:
        """``prompt=none``: the owner already approved this client for these scopes."""
        user = request.user
        if user is None:
            return True
        return skips_consent(request.client, request.scopes) or consent_covers(
            user, request.client, request.scopes
        )

    def validate_user_match(
        self, id_token_hint: str | None, scopes: list[str], claims: Any, request: Request
    ) -> bool:
        """An ``id_token_hint`` must be one of ours, for this client, about the logged-in owner."""
        if not id_token_hint:
            return True
        hint = verify_id_token_hint(id_token_hint, oauthlib_issuer(request))
        if hint is None:
            return False
        audience = hint.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if request.client is None or request.client.client_id not in audiences:
            return False
        if request.user is None:
            return True
        return hint.get("sub") == subject_for(request.user, request.client)

    # -- userinfo (OpenID Connect Core §5.3) ---------------------------------------------

    def validate_bearer_token(self, token: str, scopes: list[str], request: Request) -> bool:
        """The access token of a userinfo request: live, its client and owner active, bound to
        the key of the request's DPoP proof if it is bound at all (the resource server's
        rules). oauthlib then requires ``openid`` among its scopes."""
        if not token:
            return False
        found = token_store().access_token(hash_token(token))
        if found is None:
            return False
        access_token = found.instance()
        if access_token.is_expired() or (access_token.jkt or "") != _proof_key.get():
            # A DPoP-bound token only with a proof of its key, never as a bearer token; a
            # bearer token never with the DPoP scheme (RFC 9449 §7.1).
            return False
        application = access_token.application
        user = access_token.user
        if application is None or not application.is_active or user is None or not user.is_active:
            return False
        request.client = application
        request.user = user
        request.scopes = access_token.scope.split()
        request.access_token = access_token
        return True

    def get_userinfo_claims(self, request: Request) -> dict[str, Any]:
        claims = user_claims(request.user, request.scopes)
        claims["sub"] = subject_for(request.user, request.client)
        return claims
