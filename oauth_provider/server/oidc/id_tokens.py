"""ID tokens (OpenID Connect Core §2): the claims, the signature, and reading one back as an
``id_token_hint``."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import get_id_token_model

from ...core import jose
from ...core.errors import ServerError, TemporarilyUnavailable
from ...core.issuer import configured_issuer, issuer
from ...settings import provider_settings
from ...storage import signing_keys
from .subjects import subject_for

__all__ = [
    "ID_TOKEN_TYPE",
    "SignedIDToken",
    "id_token_algorithm",
    "oauthlib_issuer",
    "sign_id_token",
    "verify_id_token_hint",
]

log = logging.getLogger("oauth_provider")

#: The ``typ`` of the ID tokens' header; what OpenID Connect client libraries expect.
ID_TOKEN_TYPE = "JWT"


class _HeadersRequest(HttpRequest):
    """A Django request rebuilt from the headers oauthlib was handed, to name the issuer
    when ``ISSUER`` is not set (the same way the metadata document does)."""

    def __init__(self, headers: Any) -> None:
        super().__init__()
        self.META = dict(headers)
        self._secure = bool(headers.get("X_DJANGO_OAUTH_TOOLKIT_SECURE"))

    def _get_scheme(self) -> str:
        return "https" if self._secure else "http"


def oauthlib_issuer(request: Any) -> str:
    """The issuer for an oauthlib request: ``ISSUER``, or the site's root URL as reached."""
    configured = configured_issuer()
    if configured:
        return configured
    return issuer(_HeadersRequest(request.headers))


def id_token_algorithm(client: Any) -> str:
    """The client's own algorithm, else the first of ``SIGNING_ALGORITHMS``."""
    return client.algorithm or provider_settings.SIGNING_ALGORITHMS[0]


class SignedIDToken:
    """A signed ID token and the row that records it (not saved yet)."""

    def __init__(self, value: str, row: Any) -> None:
        self.value = value
        self.row = row


def sign_id_token(claims: dict[str, Any], request: Any, token: dict[str, Any]) -> SignedIDToken:
    """Complete and sign the claims oauthlib started (``aud``, ``iat``, ``nonce``).

    ``at_hash`` and ``c_hash`` are computed again with the hash of the signing algorithm
    (OpenID Connect Core §3.1.3.6; oauthlib always uses SHA-256), and an algorithm
    without one fails the request: never a token without them, never a wrong one.
    """
    client = request.client
    algorithm = id_token_algorithm(client)
    now = int(time.time())
    lifetime = int(provider_settings.ID_TOKEN_EXPIRE_SECONDS)
    claims.pop("at_hash", None)
    claims.pop("c_hash", None)
    try:
        if "access_token" in token:
            claims["at_hash"] = jose.half_hash(token["access_token"], algorithm)
        if "code" in token:
            claims["c_hash"] = jose.half_hash(token["code"], algorithm)
    except jose.UnsupportedAlgorithm as exc:
        log.error("ID token not issued: %s", exc, extra={"application_id": client.pk})
        raise ServerError("The client's ID token algorithm is not supported.") from exc
    jti = uuid.uuid4()
    claims.update(
        {
            "iss": oauthlib_issuer(request),
            "sub": subject_for(request.user, client),
            "aud": client.client_id,
            "iat": now,
            "exp": now + lifetime,
            "jti": str(jti),
        }
    )
    auth_time = getattr(request, "auth_time", None)
    if auth_time is not None:
        claims["auth_time"] = int(auth_time)
    try:
        value, kid = signing_keys.sign(claims, algorithm=algorithm, typ=ID_TOKEN_TYPE)
    except signing_keys.NoSigningKey as exc:
        log.error("ID token not issued: %s", exc, extra={"application_id": client.pk})
        raise TemporarilyUnavailable("No key can sign ID tokens at the moment.") from exc
    row = get_id_token_model()(
        user=request.user,
        application=client,
        scope=" ".join(request.scopes or []),
        expires=timezone.now() + timedelta(seconds=lifetime),
        jti=jti,
        kid=kid,
    )
    return SignedIDToken(value, row)


def verify_id_token_hint(value: Any, issuer_value: str) -> dict[str, Any] | None:
    """The claims of an ID token this server issued, expired or not (an ``id_token_hint``
    is usually old: OpenID Connect Core §3.1.2.1, RP-Initiated Logout §2); ``None`` when
    it is not one (bad signature, unknown or unpublished key, another issuer)."""
    try:
        return signing_keys.verify(
            value,
            typ=ID_TOKEN_TYPE,
            issuer=issuer_value,
            verify_expiry=False,
            require=("iss", "sub", "aud", "iat", "exp"),
        )
    except jose.JOSEError:
        return None
