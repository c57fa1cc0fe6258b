"""JSON Web Signatures for everything the server signs: ID tokens today, and any later
signed artifact (RFC 9068 JWT access tokens, signed metadata).

A thin wrapper over jwcrypto that makes the safe choice the only one:

* the algorithms are a fixed table of asymmetric ones (no ``none``, no HMAC: RFC 8725
  §3.1 and §3.2), and a verifier names the ones it accepts;
* a key is bound to one algorithm; the header's ``alg`` must be the key's (RFC 8725 §3.1);
* keys are looked up by ``kid`` in the set the caller passes, never taken from the token:
  ``jku``, ``x5u``, ``jwk`` and ``x5c`` headers are refused, and so is ``crit`` (RFC 7515
  §4.1.11: an unknown critical extension must be refused; we understand none);
* ``typ`` is checked (RFC 8725 §3.11), so one kind of token cannot pass for another;
* sizes are capped before anything is decoded, and only the compact serialization of a
  JWS is accepted (a JWE, or a JSON serialization, is malformed here).

Nothing here touches the database or the settings: keys come in, claims go out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException
from jwcrypto.jwa import JWA

__all__ = [
    "ALGORITHMS",
    "FORBIDDEN_HEADERS",
    "MAX_HEADER_LENGTH",
    "MAX_SIGNATURE_LENGTH",
    "MAX_TOKEN_LENGTH",
    "Algorithm",
    "ForbiddenHeader",
    "InvalidClaims",
    "InvalidSignature",
    "JOSEError",
    "MalformedToken",
    "TokenExpired",
    "UnknownKey",
    "UnsupportedAlgorithm",
    "generate_private_key",
    "half_hash",
    "public_jwk",
    "sign",
    "thumbprint",
    "unverified_claims",
    "unverified_header",
    "verify",
    "verify_with_embedded_key",
]


@dataclass(frozen=True)
class Algorithm:
    """A JWS algorithm (RFC 7518 §3.1, RFC 8037 §3.1): the key it needs and the hash that
    OpenID Connect Core §3.1.3.6 uses for ``at_hash`` and ``c_hash`` with it."""

    name: str
    key_type: str
    key_parameters: tuple[tuple[str, Any], ...]
    hash: Callable[..., Any]


#: Every algorithm the server signs or verifies with. Asymmetric only: an HMAC key would be
#: a shared secret (or, verified with a public key, no secret at all: RFC 8725 §2.1).
ALGORITHMS: dict[str, Algorithm] = {
    "RS256": Algorithm("RS256", "RSA", (("size", 2048),), hashlib.sha256),
    "ES256": Algorithm("ES256", "EC", (("crv", "P-256"),), hashlib.sha256),
    # RFC 8037 §3.1. The hash for at_hash is SHA-512, as OpenID Connect client libraries
    # compute it for EdDSA (the hash Ed25519 itself uses).
    "EdDSA": Algorithm("EdDSA", "OKP", (("crv", "Ed25519"),), hashlib.sha512),
}

#: Headers that would let a token choose its own key, or demand processing we do not do.
FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "crit"})

#: Caps checked before any decoding, in characters of the compact serialization. The
#: signature cap fits an RSA-4096 signature (683 characters).
MAX_TOKEN_LENGTH = 8192
MAX_HEADER_LENGTH = 1024
MAX_SIGNATURE_LENGTH = 1024

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class JOSEError(Exception):
    """A token that must not be trusted; the message says why, never what it contained."""


class MalformedToken(JOSEError):
    """Not a compact JWS within the size caps, or its header or payload is not a JSON object."""


class UnsupportedAlgorithm(JOSEError):
    """An algorithm outside :data:`ALGORITHMS`, or not one the verifier accepts."""


class ForbiddenHeader(JOSEError):
    """A header that is refused (:data:`FORBIDDEN_HEADERS`), or a ``typ`` other than expected."""


class UnknownKey(JOSEError):
    """No key with the token's ``kid`` among the keys given, or one bound to another algorithm."""


class InvalidSignature(JOSEError):
    """The signature does not verify with the key."""


class InvalidClaims(JOSEError):
    """A required claim is missing, or ``iss``, ``aud``, ``iat`` or ``nbf`` is wrong."""


class TokenExpired(InvalidClaims):
    """``exp`` has passed (beyond the leeway)."""


def _algorithm(name: Any) -> Algorithm:
    if not isinstance(name, str) or name not in ALGORITHMS:
        raise UnsupportedAlgorithm(f"Unsupported algorithm {str(name)[:20]!r}.")
    return ALGORITHMS[name]


def generate_private_key(alg: str) -> jwk.JWK:
    """A new private key for ``alg``."""
    algorithm = _algorithm(alg)
    return jwk.JWK.generate(kty=algorithm.key_type, **dict(algorithm.key_parameters))


def thumbprint(key: jwk.JWK) -> str:
    """The RFC 7638 SHA-256 thumbprint of ``key``: its ``kid``."""
    return key.thumbprint()


def public_jwk(key: jwk.JWK, alg: str, kid: str) -> dict[str, Any]:
    """The public half of ``key`` as a JWK (RFC 7517 §4) for a JWKS document."""
    _algorithm(alg)
    data = key.export_public(as_dict=True)
    data.update({"kid": kid, "alg": alg, "use": "sig"})
    return data


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(segment: str) -> bytes:
    if not _BASE64URL.fullmatch(segment):
        raise MalformedToken("A segment is not base64url.")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedToken("A segment is not base64url.") from exc


def _json_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedToken(f"The {what} is not JSON.") from exc
    if not isinstance(value, dict):
        raise MalformedToken(f"The {what} is not a JSON object.")
    return value


def sign(claims: Mapping[str, Any], key: jwk.JWK, *, alg: str, kid: str, typ: str) -> str:
    """``claims`` signed with ``key`` as a compact JWS with the header ``alg``, ``kid``, ``typ``."""
    _algorithm(alg)
    token = jws.JWS(json.dumps(dict(claims), separators=(",", ":")).encode("utf-8"))
    token.add_signature(key, alg, protected={"alg": alg, "kid": kid, "typ": typ})
    return token.serialize(compact=True)


def _segments(token: Any) -> list[str]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken(f"The token is not a string of at most {MAX_TOKEN_LENGTH} characters.")
    segments = token.split(".")
    if len(segments) != 3:
        # Five segments is a JWE (RFC 7516 §7.1): never accepted where a JWS is expected.
        raise MalformedToken("The token is not a compact JWS (three segments).")
    if len(segments[0]) > MAX_HEADER_LENGTH:
        raise MalformedToken(f"The header is longer than {MAX_HEADER_LENGTH} characters.")
    if len(segments[2]) > MAX_SIGNATURE_LENGTH:
        raise MalformedToken(f"The signature is longer than {MAX_SIGNATURE_LENGTH} characters.")
    return segments


def unverified_header(token: Any) -> dict[str, Any]:
    """The JOSE header of ``token``, checked for size, shape, algorithm and forbidden
    members, but not for its signature: for choosing a key, never for trusting anything."""
    header = _json_object(_b64decode(_segments(token)[0]), "header")
    _algorithm(header.get("alg"))
    forbidden = sorted(FORBIDDEN_HEADERS & header.keys())
    if forbidden:
        raise ForbiddenHeader(f"The header has {', '.join(forbidden)}, which is not accepted.")
    return header


def unverified_claims(token: Any) -> dict[str, Any]:
    """The payload of ``token`` as a JSON object, unverified: only for a token already known
    by other means (such as its stored hash), never for trusting anything."""
    return _json_object(_b64decode(_segments(token)[1]), "payload")


def _typ_matches(value: Any, typ: str) -> bool:
    """RFC 7515 §4.1.9: ``typ`` is a media type, compared case-insensitively, whose
    ``application/`` prefix may be left out."""
    if not isinstance(value, str):
        return False
    value = value.lower()
    return value in (typ.lower(), f"application/{typ.lower()}")


def verify(
    token: Any,
    keys: Mapping[str, jwk.JWK],
    *,
    typ: str,
    algorithms: Iterable[str],
    issuer: str,
    audience: str | None = None,
    require: Iterable[str] = ("iss", "iat", "exp"),
    leeway: int = 60,
    verify_expiry: bool = True,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of ``token`` once its signature and claims hold; raises a :class:`JOSEError`.

    ``keys`` maps ``kid`` to a public key whose ``alg`` member is the one algorithm it
    verifies. ``audience``, if given, must be the ``aud`` or one of its values (RFC 7519
    §4.1.3). ``verify_expiry=False`` accepts an expired token, for an ``id_token_hint``
    (OpenID Connect RP-Initiated Logout §2), never for authorization.
    """
    segments = _segments(token)
    header = unverified_header(token)
    accepted = set(algorithms)
    unknown = accepted - set(ALGORITHMS)
    if unknown:
        raise UnsupportedAlgorithm(f"Cannot verify with {sorted(unknown)}.")
    alg = header["alg"]
    if alg not in accepted:
        raise UnsupportedAlgorithm(f"The algorithm {alg} is not accepted here.")
    if not _typ_matches(header.get("typ"), typ):
        raise ForbiddenHeader(f"The token's typ is not {typ}.")
    kid = header.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise UnknownKey("No published key has the token's kid.")
    if key.get("alg") != alg:
        raise UnknownKey("The key with the token's kid is for another algorithm.")
    payload = _b64decode(segments[1])
    claims = _json_object(payload, "payload")
    _verify_signature(segments, key, alg)
    _check_claims(claims, issuer, audience, require, leeway, verify_expiry, now)
    return claims


#: RFC 7518 §3.4: an ES256 signature is R and S, 32 octets each.
_SIGNATURE_LENGTHS = {"ES256": 64}


def _verify_signature(segments: list[str], key: jwk.JWK, alg: str) -> None:
    """RFC 7515 §5.2 steps 8 and 9, with the algorithm ``alg`` (already pinned and the
    key's own). jwcrypto's algorithm classes do the cryptography; its ``JWS`` object is
    not built for each token, which costs more than the signature check itself."""
    signature = _b64decode(segments[2])
    expected = _SIGNATURE_LENGTHS.get(alg)
    if not signature or (expected is not None and len(signature) != expected):
        raise InvalidSignature("The signature does not verify.")
    signing_input = f"{segments[0]}.{segments[1]}".encode("ascii")
    try:
        JWA.signing_alg(alg).verify(key, signing_input, signature)
    except Exception as exc:  # cryptography's InvalidSignature, or a key jwcrypto cannot use
        raise InvalidSignature("The signature does not verify.") from exc


def verify_with_embedded_key(
    token: Any, *, typ: str, algorithms: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any], jwk.JWK]:
    """``(header, claims, key)`` of a token signed with the public key in its own ``jwk``
    header, once the signature verifies: a DPoP proof (RFC 9449 §4.2, §4.3), the one kind of
    token that brings its key. The key must be public, of the algorithm's key type; the
    other key-choosing headers and ``crit`` are still refused. Claims are not checked here."""
    segments = _segments(token)
    header = _json_object(_b64decode(segments[0]), "header")
    alg = header.get("alg")
    algorithm = _algorithm(alg)
    if alg not in set(algorithms):
        raise UnsupportedAlgorithm(f"The algorithm {alg} is not accepted here.")
    forbidden = sorted((FORBIDDEN_HEADERS - {"jwk"}) & header.keys())
    if forbidden:
        raise ForbiddenHeader(f"The header has {', '.join(forbidden)}, which is not accepted.")
    if not _typ_matches(header.get("typ"), typ):
        raise ForbiddenHeader(f"The token's typ is not {typ}.")
    embedded = header.get("jwk")
    if not isinstance(embedded, dict):
        raise UnknownKey("The header has no jwk.")
    if any(name in embedded for name in ("d", "p", "q", "dp", "dq", "qi", "k")):
        # RFC 9449 §4.3, check 5: a private (or symmetric) key is never accepted.
        raise UnknownKey("The jwk header holds a private key.")
    if embedded.get("kty") != algorithm.key_type:
        raise UnknownKey(f"The jwk is not an {algorithm.key_type} key, as {alg} needs.")
    try:
        key = jwk.JWK(**embedded)
    except (JWException, ValueError, TypeError) as exc:
        raise UnknownKey("The jwk header is not a valid key.") from exc
    claims = _json_object(_b64decode(segments[1]), "payload")
    signed = jws.JWS()
    try:
        signed.deserialize(token)
        signed.allowed_algs = [alg]
        signed.verify(key, alg=alg)
    except JWException as exc:
        raise InvalidSignature("The signature does not verify.") from exc
    return header, claims, key


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidClaims(f"{name} is not a number (RFC 7519 §2, NumericDate).")
    return float(value)


def _check_claims(
    claims: Mapping[str, Any],
    issuer: str,
    audience: str | None,
    require: Iterable[str],
    leeway: int,
    verify_expiry: bool,
    now: float | None,
) -> None:
    missing = sorted(name for name in require if name not in claims)
    if missing:
        raise InvalidClaims(f"Required claims are missing: {', '.join(missing)}.")
    if claims.get("iss") != issuer:
        raise InvalidClaims("The token was not issued by this server.")
    if audience is not None:
        aud = claims.get("aud")
        values = aud if isinstance(aud, list) else [aud]
        if audience not in values:
            raise InvalidClaims("The token is not for this audience.")
    now = time.time() if now is None else now
    expires = _numeric_date(claims, "exp")
    if verify_expiry and expires is not None and expires + leeway < now:
        raise TokenExpired("The token has expired.")
    not_before = _numeric_date(claims, "nbf")
    if not_before is not None and not_before - leeway > now:
        raise InvalidClaims("The token is not valid yet.")
    issued = _numeric_date(claims, "iat")
    if issued is not None and issued - leeway > now:
        raise InvalidClaims("The token was issued in the future.")


def half_hash(value: str, alg: str) -> str:
    """``at_hash`` or ``c_hash`` of ``value`` (OpenID Connect Core §3.1.3.6, §3.3.2.11): the
    left half of its hash under ``alg``'s hash function, base64url. An algorithm outside
    the table raises :class:`UnsupportedAlgorithm`: never a guessed hash, never none."""
    digest = _algorithm(alg).hash(value.encode("ascii")).digest()
    return _b64encode(digest[: len(digest) // 2])
