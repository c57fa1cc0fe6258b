"""Issuing JWT access tokens (RFC 9068) to the clients whose ``access_token_format`` is
``jwt`` (docs/jwt.rst).

oauthlib asks :func:`generate_access_token` for each access token's value; for such a
client the value is a JWT signed by the signing key of the first of
``SIGNING_ALGORITHMS`` (``storage/signing_keys.py``), else 256 random bits as before.
Refresh tokens stay opaque and hashed (``generate_refresh_token``). The token row is
stored as for an opaque token (its SHA-256 and its family), with the JWT's ``jti``, so
revocation, introspection and the connected apps page treat both formats alike.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from typing import Any

from ..core import jwt_access_tokens
from ..core.errors import ServerError, TemporarilyUnavailable
from ..settings import provider_settings
from ..storage import signing_keys
from . import dpop
from .configuration import access_token_lifetime
from .oidc.id_tokens import oauthlib_issuer

__all__ = [
    "generate_access_token",
    "generate_refresh_token",
    "jwt_audience",
    "sign_access_token",
]

log = logging.getLogger("oauth_provider")


def generate_refresh_token(request: Any) -> str:
    """A new refresh token (or opaque access token): 256 random bits as base64url, a valid
    RFC 6750 b64token. oauthlib's default draws 30 characters one ``SystemRandom.choice``
    at a time."""
    return secrets.token_urlsafe(32)


def _issues_jwt(request: Any) -> bool:
    client = getattr(request, "client", None)
    return bool(getattr(client, "issues_jwt_access_tokens", False))


def jwt_audience(request: Any, application: Any) -> list[str]:
    """The ``aud`` of a JWT access token, in this order:

    1. the resources the request named (RFC 8707 ``resource``), which the resource
       indicators support puts on the oauthlib request as ``request.resources``, once
       checked against what the client may ask for;
    2. the client's ``access_token_audience``;
    3. ``JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE``;
    4. this server's issuer identifier, which is what resource servers of this package
       expect when ``RESOURCE_SERVER_AUDIENCE`` is not set.
    """
    resources = getattr(request, "resources", None)
    if resources:
        return [str(resource) for resource in resources]
    audience = application.access_token_audience_list
    if audience:
        return audience
    default = provider_settings.JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE
    if default:
        return [str(uri) for uri in default]
    return [oauthlib_issuer(request)]


def _subject(request: Any, client: Any) -> str:
    """RFC 9068 §2.2: the resource owner, or the client when no owner is behind the token."""
    user = getattr(request, "user", None)
    if request.grant_type == "client_credentials" or user is None:
        return str(client.client_id)
    subject = str(user.pk)
    if subject == client.client_id:
        # A resource server takes sub == client_id for a token without an owner.
        log.error(
            "JWT access token not issued: a user's id equals the client id",
            extra={"application_id": client.pk},
        )
        raise ServerError("The access token cannot be issued for this client and user.")
    return subject


def sign_access_token(request: Any) -> str:
    """The JWT access token for the oauthlib ``request``; its ``jti`` is left on the
    request as ``access_token_jti`` for the token row."""
    client = request.client
    now = int(time.time())
    jti = uuid.uuid4().hex
    lifetime = getattr(request, "expires_in", None) or access_token_lifetime(request)
    auth_time = getattr(request, "auth_time", None)
    claims = jwt_access_tokens.access_token_claims(
        issuer=oauthlib_issuer(request),
        subject=_subject(request, client),
        audience=jwt_audience(request, client),
        client_id=client.client_id,
        scopes=request.scopes or [],
        issued_at=now,
        lifetime=int(lifetime),
        jti=jti,
        auth_time=int(auth_time) if isinstance(auth_time, (int, float)) else None,
    )
    exchange = getattr(request, "token_exchange", None)
    if exchange is not None:
        # RFC 8693 §2.2.1, §4.1: the exchanged token's audience, and who acts for the subject.
        claims["aud"] = exchange.audience
        claims["act"] = exchange.actor
    key = dpop.bound_key()
    if key is not None:
        # RFC 9449 §6.1: a DPoP-bound JWT names its key, so that a resource server refuses it
        # without a proof of that key.
        claims["cnf"] = {"jkt": key}
    algorithm = provider_settings.SIGNING_ALGORITHMS[0]
    try:
        value, _ = signing_keys.sign(claims, algorithm=algorithm, typ=jwt_access_tokens.ACCESS_TOKEN_TYPE)
    except signing_keys.NoSigningKey as exc:
        log.error("JWT access token not issued: %s", exc, extra={"application_id": client.pk})
        raise TemporarilyUnavailable("No key can sign access tokens at the moment.") from exc
    request.access_token_jti = jti
    return value


def generate_access_token(request: Any) -> str:
    """oauthlib's ``token_generator``: a JWT for a client registered for them, else opaque."""
    if _issues_jwt(request):
        return sign_access_token(request)
    return generate_refresh_token(request)
