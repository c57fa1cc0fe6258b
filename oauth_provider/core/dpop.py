"""DPoP proofs (RFC 9449): the checks both sides share, the key thumbprint a token is bound
to, ``jti`` replay detection in the shared cache, and server nonces.

Framework-light: the authorization server's token endpoint and the resource server's
authentication call :func:`verify_proof` with the request's method and URL; neither side
imports the other. Proofs are verified with :func:`oauth_provider.core.jose.verify_with_embedded_key`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.cache import caches

from ..settings import provider_settings
from . import jose, signals
from .errors import InvalidDPoPProof, ResourceInvalidDPoPProof, UseDPoPNonce

__all__ = [
    "DPOP_HEADER",
    "NONCE_HEADER",
    "Proof",
    "access_token_hash",
    "dpop_challenge",
    "dpop_enabled",
    "new_nonce",
    "nonce_is_valid",
    "normalized_url",
    "proof_header",
    "remember_jti",
    "verify_proof",
    "verify_resource_proof",
]

#: The request header that carries a proof, and the response header that carries a nonce.
DPOP_HEADER = "DPoP"
NONCE_HEADER = "DPoP-Nonce"
MAX_JTI_LENGTH = 256
_NONCE_PREFIX = b"oauth_provider.dpop_nonce:"


@dataclass(frozen=True)
class Proof:
    """A proof that held: the RFC 7638 thumbprint of its key (``cnf.jkt``) and its ``jti``."""

    jkt: str
    jti: str
    iat: float


def dpop_enabled() -> bool:
    return bool(provider_settings.DPOP_ENABLED)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def access_token_hash(access_token: str) -> str:
    """``ath`` (RFC 9449 §4.2): base64url of the SHA-256 of the access token's ASCII value."""
    return _b64(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def normalized_url(url: str) -> str:
    """``htu`` as compared (RFC 9449 §4.3, check 9): scheme and host in lower case, the
    default port dropped, no query or fragment (RFC 3986 §6.2.2, §6.2.3)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


def proof_header(meta: dict[str, Any]) -> str | None:
    """The request's one ``DPoP`` header, ``None`` when it has none. Several (joined with
    commas by the server) are an invalid proof (RFC 9449 §4.3, check 1)."""
    value = meta.get("HTTP_DPOP")
    if value is None:
        return None
    if "," in value or not value.strip():
        raise InvalidDPoPProof("Send exactly one DPoP header (RFC 9449 §4.3).")
    return value.strip()


def verify_proof(
    proof: str,
    *,
    method: str,
    url: str,
    access_token: str | None = None,
    nonce_required: bool = False,
    now: float | None = None,
) -> Proof:
    """The proof's key and ``jti`` once RFC 9449 §4.3's checks hold (replay aside: see
    :func:`remember_jti`); raises :class:`~oauth_provider.core.errors.InvalidDPoPProof` or
    :class:`~oauth_provider.core.errors.UseDPoPNonce`."""
    try:
        header, claims, key = jose.verify_with_embedded_key(
            proof, typ="dpop+jwt", algorithms=provider_settings.DPOP_SIGNING_ALGORITHMS
        )
    except jose.JOSEError as exc:
        raise InvalidDPoPProof(f"The DPoP proof is not valid: {exc}") from exc
    now = time.time() if now is None else now
    for name in ("jti", "htm", "htu", "iat"):
        if name not in claims:
            raise InvalidDPoPProof(f"The DPoP proof has no {name} claim (RFC 9449 §4.2).")
    jti, iat = claims["jti"], claims["iat"]
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise InvalidDPoPProof("The DPoP proof's jti must be a short non-empty string.")
    if claims["htm"] != method:
        raise InvalidDPoPProof(f"The DPoP proof is for {str(claims['htm'])[:10]!r}, not {method} (htm).")
    if not isinstance(claims["htu"], str) or normalized_url(claims["htu"]) != normalized_url(url):
        raise InvalidDPoPProof(f"The DPoP proof is for another URL than {normalized_url(url)} (htu).")
    if isinstance(iat, bool) or not isinstance(iat, (int, float)):
        raise InvalidDPoPProof("The DPoP proof's iat is not a number.")
    window = int(provider_settings.DPOP_PROOF_MAX_AGE_SECONDS)
    if abs(now - float(iat)) > window:
        raise InvalidDPoPProof(f"The DPoP proof's iat is more than {window} s from now (RFC 9449 §11.1).")
    if access_token is not None:
        if claims.get("ath") != access_token_hash(access_token):
            raise InvalidDPoPProof("The DPoP proof's ath is not the access token's hash (RFC 9449 §4.3).")
    if nonce_required:
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not nonce_is_valid(nonce, now=now):
            raise UseDPoPNonce(headers={NONCE_HEADER: new_nonce(now=now)})
    return Proof(jkt=key.thumbprint(), jti=jti, iat=float(iat))


def remember_jti(proof: Proof, where: str) -> bool:
    """Record the proof's ``jti`` for its key in the shared cache; False if it was seen
    within the proof window (RFC 9449 §11.1: a replayed proof, which ``dpop_proof_replayed``
    reports). One ``add`` on the cache, atomic on Redis, so servers behind one balancer
    catch each other's replays."""
    window = int(provider_settings.DPOP_PROOF_MAX_AGE_SECONDS)
    digest = hashlib.sha256(f"{proof.jkt}\x00{proof.jti}".encode("utf-8", "surrogatepass")).hexdigest()
    cache = caches[provider_settings.DPOP_CACHE_ALIAS]
    # Kept for twice the window: a proof is accepted from iat - window to iat + window.
    fresh = bool(cache.add(f"oauth_provider:dpop:jti:{digest[:40]}", 1, 2 * window + 1))
    if not fresh:
        signals.dpop_proof_replayed.send(sender=Proof, where=where, jkt=proof.jkt)
    return fresh


def verify_resource_proof(request: Any, access_token: str, where: str) -> Proof:
    """The proof that came with ``Authorization: DPoP <access_token>`` at a protected
    resource (RFC 9449 §7.1): for this method, this URL and this token (``ath``), not seen
    before; raises :class:`~oauth_provider.core.errors.ResourceInvalidDPoPProof`. Whether
    the token is bound to the proof's key is the caller's to check."""
    header = proof_header(request.META)
    if header is None:
        raise ResourceInvalidDPoPProof("A DPoP access token needs a DPoP proof header (RFC 9449 §7.1).")
    try:
        proof = verify_proof(
            header,
            method=request.method or "GET",
            url=request.build_absolute_uri(request.path),
            access_token=access_token,
        )
    except InvalidDPoPProof as exc:
        raise ResourceInvalidDPoPProof(exc.description) from exc
    if not remember_jti(proof, where):
        raise ResourceInvalidDPoPProof("This DPoP proof was used before (RFC 9449 §11.1).")
    return proof


def _nonce_mac(counter: bytes) -> bytes:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, _NONCE_PREFIX + counter, hashlib.sha256).digest()[:16]


def new_nonce(now: float | None = None) -> str:
    """A server nonce (RFC 9449 §8, §9): the time it was made and a MAC over it, so any
    server of the site can check it without shared state. It is good for
    ``DPOP_NONCE_LIFETIME_SECONDS``."""
    counter = struct.pack(">Q", int(time.time() if now is None else now)) + secrets.token_bytes(4)
    return _b64(counter + _nonce_mac(counter))


def nonce_is_valid(nonce: str, now: float | None = None) -> bool:
    """Whether ``nonce`` is one of ours and still fresh."""
    try:
        raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
    except (ValueError, TypeError):
        return False
    if len(raw) != 28:
        return False
    counter, mac = raw[:12], raw[12:]
    if not hmac.compare_digest(mac, _nonce_mac(counter)):
        return False
    made = struct.unpack(">Q", counter[:8])[0]
    now = time.time() if now is None else now
    return made - 5 <= now <= made + int(provider_settings.DPOP_NONCE_LIFETIME_SECONDS)


def dpop_challenge(error: str | None = None, description: str | None = None) -> str:
    """A ``WWW-Authenticate: DPoP`` value (RFC 9449 §7.1), with the algorithms accepted."""
    params = []
    if error:
        params.append(f'error="{error}"')
        if description:
            text = description.encode("ascii", "replace").decode("ascii")
            params.append('error_description="{}"'.format(text.replace("\\", "").replace('"', "'")))
    params.append(f'algs="{" ".join(provider_settings.DPOP_SIGNING_ALGORITHMS)}"')
    return "DPoP " + ", ".join(params)
