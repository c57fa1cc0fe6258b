"""Verifying JWT access tokens (RFC 9068) without a query or a call (docs/jwt.rst).

With ``RESOURCE_SERVER_JWT`` on, a bearer value shaped like a JWT is verified here and
never looked up: a signature by a key of the issuer's JWKS (pinned algorithms, the
key's own algorithm, ``kid`` lookup only: ``core/jose.py``), ``typ: at+jwt``, ``iss``,
``aud``, ``exp``, ``nbf`` and ``iat`` with ``RESOURCE_SERVER_JWT_LEEWAY_SECONDS``, and,
with ``JWT_DENYLIST_CACHE_ALIAS`` set, the denylist of revoked ``jti``. Any failure is
``invalid_token`` (RFC 6750 §3.1); a JWKS that cannot be fetched when no key is known
is a 503, never a valid token.

The keys come from ``RESOURCE_SERVER_JWKS_URL`` (the issuer's ``jwks_uri``), fetched once
and kept in this process for ``JWKS_CACHE_SECONDS``; a token whose ``kid`` is unknown
fetches them again, at most once every ``JWKS_REFETCH_FLOOR_SECONDS`` (so a stream of
forged ``kid`` values cannot turn into a stream of fetches). Without a URL the site is
the authorization server and uses its own signing keys (``storage/signing_keys.py``,
cached in each process).

A token verified once is kept in this process (by its value, up to
``VERIFIED_CACHE_SIZE`` of them): its next requests skip the signature check, but not the
others (expiry, key still published, audience, denylist).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.signals import setting_changed
from django.utils.functional import SimpleLazyObject
from jwcrypto import jwk

from ..core import jose
from ..core.errors import AuthorizationServerUnavailable, InvalidToken
from ..core.issuer import configured_issuer
from ..core.jwt_access_tokens import ACCESS_TOKEN_TYPE, REQUIRED_CLAIMS, VerifiedClaims, read_claims
from ..settings import provider_settings
from ..storage import jwt_denylist
from .audience import SITE_AUDIENCE, Audience, expected_audience
from .tokens import AccessTokenInfo

__all__ = ["JWKSKeySet", "clear_key_sets", "verify_jwt_access_token"]

log = logging.getLogger("oauth_provider")


def _parse_jwks(data: Any) -> dict[str, jwk.JWK]:
    """The signature keys of a JWKS document (RFC 7517 §5) by ``kid``; a key without a
    ``kid``, an algorithm of :data:`~oauth_provider.core.jose.ALGORITHMS` or its key
    type, or meant for encryption, is left out: it could not verify a token here."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys: dict[str, jwk.JWK] = {}
    for entry in data["keys"]:
        if not isinstance(entry, dict):
            continue
        kid, alg = entry.get("kid"), entry.get("alg")
        if not isinstance(kid, str) or alg not in jose.ALGORITHMS or entry.get("use", "sig") != "sig":
            continue
        if entry.get("kty") != jose.ALGORITHMS[alg].key_type or "d" in entry:
            continue
        try:
            keys[kid] = jwk.JWK(**entry)
        except Exception:  # jwcrypto raises several types for a malformed key
            log.warning("JWKS key %r left out: malformed", kid[:64])
    return keys


class JWKSKeySet:
    """The keys of one JWKS URL, fetched and kept in this process (thread-safe)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._keys: dict[str, jwk.JWK] | None = None
        self._expires = 0.0
        self._last_fetch = float("-inf")

    def keys(self, kid: Any) -> Mapping[str, jwk.JWK]:
        """The keys, fetched again when they are stale, or when ``kid`` is not among them
        and the last fetch is older than ``JWKS_REFETCH_FLOOR_SECONDS``."""
        now = time.monotonic()
        keys = self._keys
        if keys is not None and now < self._expires and (kid in keys or not self._may_fetch(now)):
            return keys
        with self._lock:
            keys = self._keys
            now = time.monotonic()
            needed = keys is None or now >= self._expires or kid not in keys
            # The floor holds for every fetch, so an authorization server that is down is
            # not asked again on every request either.
            if needed and self._may_fetch(now):
                keys = self._fetch(keys)
        if keys is None:
            raise AuthorizationServerUnavailable("The authorization server's keys could not be fetched.")
        return keys

    def _may_fetch(self, now: float) -> bool:
        return now >= self._last_fetch + float(provider_settings.JWKS_REFETCH_FLOOR_SECONDS)

    def _fetch(self, previous: dict[str, jwk.JWK] | None) -> dict[str, jwk.JWK] | None:
        self._last_fetch = time.monotonic()
        try:
            response = requests.get(
                self.url,
                timeout=provider_settings.JWKS_TIMEOUT_SECONDS,
                headers={"Accept": "application/jwk-set+json, application/json"},
                allow_redirects=False,
            )
            response.raise_for_status()
            keys = _parse_jwks(response.json())
        except (requests.RequestException, ValueError) as exc:
            # Keep what we had: the keys that verified tokens a moment ago still do.
            log.error("JWKS fetch from %s failed: %s", self.url, type(exc).__name__)
            return previous
        self._keys = keys
        self._expires = self._last_fetch + float(provider_settings.JWKS_CACHE_SECONDS)
        return keys


_key_sets: dict[str, JWKSKeySet] = {}
_key_sets_lock = threading.Lock()


def _key_set(url: str) -> JWKSKeySet:
    key_set = _key_sets.get(url)
    if key_set is None:
        with _key_sets_lock:
            key_set = _key_sets.setdefault(url, JWKSKeySet(url))
    return key_set


def clear_key_sets() -> None:
    """Forget every fetched JWKS (the next token fetches it again) and every token verified."""
    with _key_sets_lock:
        _key_sets.clear()
    with _verified_lock:
        _verified.clear()


#: Values derived from the settings on each request otherwise (the issuer is normalized).
_derived: dict[str, Any] = {}


def _clear_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "OAUTH_PROVIDER":
        clear_key_sets()
        _derived.clear()


setting_changed.connect(_clear_on_change, dispatch_uid="oauth_provider.resource.jwt")


def _local_keys(kid: Any) -> tuple[Mapping[str, jwk.JWK], datetime | None]:
    """This site's published signing keys, and when the one named ``kid`` retired."""
    # The site is the authorization server: its models are there (imported here only).
    from ..storage import signing_keys

    for record in signing_keys.published_keys():
        if record.kid == kid:
            return {kid: signing_keys.public_key(record)}, record.retire_at
    return {}, None


def _issuer() -> str:
    value = _derived.get("issuer")
    if value is None:
        value = provider_settings.RESOURCE_SERVER_JWT_ISSUER or configured_issuer()
        if not value:
            # Reported by check E020; never accept a token without knowing whose it must be.
            raise AuthorizationServerUnavailable(
                "The resource server does not know its authorization server."
            )
        value = _derived["issuer"] = str(value)
    return value


def _algorithms() -> list[str]:
    return list(provider_settings.RESOURCE_SERVER_JWT_ALGORITHMS or provider_settings.SIGNING_ALGORITHMS)


def _user(subject: str, is_client_token: bool) -> Any:
    """The resource owner, looked up only if the view asks (no query otherwise); only where
    ``sub`` names a user of this site's own table (the authorization server's site)."""
    if is_client_token or provider_settings.RESOURCE_SERVER_JWKS_URL:
        return AnonymousUser()

    def load() -> Any:
        User = get_user_model()
        user = User._default_manager.filter(pk=subject).first()
        return user if user is not None and user.is_active else AnonymousUser()

    return SimpleLazyObject(load)


@dataclass(frozen=True)
class _Verified:
    """A token whose signature and claims held, kept for its next request: with the key it
    verified with, so that it is used again only while that very key is published."""

    kid: str
    key: jwk.JWK
    claims: dict[str, Any]
    verified: VerifiedClaims
    expires: datetime


#: Tokens verified by this process, by their value: a client sends the same token until it
#: expires, and its signature need not be checked again on each request. Every other
#: check (expiry, the key still published and not retired, audience, denylist) is made
#: again on each use. The oldest entry goes when it is full.
VERIFIED_CACHE_SIZE = 4096
_verified: dict[str, _Verified] = {}
_verified_lock = threading.Lock()


def _remember(value: str, entry: _Verified) -> None:
    with _verified_lock:
        if len(_verified) >= VERIFIED_CACHE_SIZE:
            _verified.pop(next(iter(_verified)), None)
        _verified[value] = entry


def _keys(kid: Any) -> tuple[Mapping[str, jwk.JWK], datetime | None]:
    url = provider_settings.RESOURCE_SERVER_JWKS_URL
    if url:
        return _key_set(str(url)).keys(kid), None
    return _local_keys(kid)


def _kid(value: str) -> str:
    try:
        kid = jose.unverified_header(value).get("kid")
    except jose.JOSEError as exc:
        raise InvalidToken("The access token is not a valid JWT.") from exc
    if not isinstance(kid, str):
        raise InvalidToken("The access token is not valid here.")
    return kid


def _verify(value: str, kid: str, keys: Mapping[str, jwk.JWK], leeway: int) -> _Verified:
    """The signature and the claims of ``value``, checked in full."""
    try:
        claims = jose.verify(
            value,
            keys,
            typ=ACCESS_TOKEN_TYPE,
            algorithms=_algorithms(),
            issuer=_issuer(),
            require=REQUIRED_CLAIMS,
            leeway=leeway,
        )
        verified = read_claims(claims)
    except jose.TokenExpired as exc:
        raise InvalidToken("The access token has expired.") from exc
    except (jose.JOSEError, ValueError) as exc:
        raise InvalidToken("The access token is not valid here.") from exc
    expires = datetime.fromtimestamp(verified.expires, tz=timezone.utc)
    entry = _Verified(kid, keys[kid], claims, verified, expires)
    _remember(value, entry)
    return entry


def verify_jwt_access_token(value: str, *, audience: Audience = SITE_AUDIENCE) -> AccessTokenInfo:
    """The JWT access token ``value``, verified; raises
    :class:`~oauth_provider.core.errors.InvalidToken` (or
    ``AuthorizationServerUnavailable`` when no key or denylist can be read).

    ``audience`` as for ``validate_access_token`` (``resource.validation``), except that
    a JWT access token is always checked against an audience (RFC 9068 §4): with ``None``
    (any), ``RESOURCE_SERVER_AUDIENCE``; without that either, the issuer."""
    leeway = int(provider_settings.RESOURCE_SERVER_JWT_LEEWAY_SECONDS)
    entry = _verified.get(value)
    kid = entry.kid if entry is not None else _kid(value)
    keys, retired = _keys(kid)
    if entry is None or keys.get(kid) is not entry.key:
        # Not seen yet; or its key left the JWKS, or was fetched anew: checked in full.
        entry = _verify(value, kid, keys, leeway)
    verified = entry.verified
    if verified.expires + leeway < time.time():
        _verified.pop(value, None)
        raise InvalidToken("The access token has expired.")
    accepted = expected_audience(audience) or expected_audience(SITE_AUDIENCE) or [_issuer()]
    if not any(value in verified.audience for value in accepted):
        # RFC 9068 §4: the token must be meant for this resource server.
        raise InvalidToken("The access token is for another audience.")
    if retired is not None and entry.claims["iat"] > retired.timestamp() + leeway:
        # Signed after its key retired: that key's private half is no longer trusted.
        raise InvalidToken("The access token is not valid here.")
    if jwt_denylist.enabled():
        try:
            denied = jwt_denylist.is_denied(verified.jti)
        except jwt_denylist.DenylistUnavailable as exc:
            # Fail closed: a revoked token must not pass because the denylist is down.
            log.error("JWT denylist unavailable; refusing JWT access tokens")
            raise AuthorizationServerUnavailable("The token denylist could not be read.") from exc
        if denied:
            raise InvalidToken("The access token was revoked.")
    return AccessTokenInfo(
        scopes=verified.scopes,
        client_id=verified.client_id,
        user=_user(verified.subject, verified.is_client_token),
        expires=entry.expires,
        subject=None if verified.is_client_token else verified.subject,
        extra=dict(entry.claims),
        audience=frozenset(verified.audience),
        # RFC 9449 §6.1: a DPoP-bound JWT is accepted only with a proof of this key.
        jkt=_confirmation_key(entry.claims),
    )


def _confirmation_key(claims: dict[str, Any]) -> str | None:
    confirmation = claims.get("cnf")
    if not isinstance(confirmation, dict):
        return None
    jkt = confirmation.get("jkt")
    return jkt if isinstance(jkt, str) and jkt else None
