"""The JOSE wrapper (``core/jose.py``) against the attacks JWT libraries keep meeting
(RFC 8725 §2): each case fails if the hole it names is opened again."""

from __future__ import annotations

import base64
import json
import time

import pytest
from jwcrypto import jwk, jws

from oauth_provider.core import jose

ISSUER = "https://auth.example"


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(**extra) -> dict:
    now = int(time.time())
    return {"iss": ISSUER, "sub": "1", "aud": "client", "iat": now, "exp": now + 60, **extra}


@pytest.fixture(scope="module")
def rsa():
    key = jose.generate_private_key("RS256")
    kid = jose.thumbprint(key)
    return key, kid, {kid: jwk.JWK(**jose.public_jwk(key, "RS256", kid))}


def rs256_by_hand(key: jwk.JWK, header: dict, payload: dict) -> str:
    """A correctly signed compact JWS with any header, which JOSE libraries refuse to make."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = key.get_op_key("sign").sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def verify(token, keys, **options):
    return jose.verify(token, keys, typ="JWT", algorithms=["RS256"], issuer=ISSUER, **options)


def test_a_token_signed_by_a_published_key_verifies(rsa):
    key, kid, keys = rsa
    token = jose.sign(claims(), key, alg="RS256", kid=kid, typ="JWT")
    assert verify(token, keys, audience="client")["sub"] == "1"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "", None])
def test_alg_none_is_refused(rsa, alg):
    """RFC 8725 §2.1: an unsigned token must never pass for a signed one."""
    _, kid, keys = rsa
    token = f"{b64({'alg': alg, 'kid': kid, 'typ': 'JWT'})}.{b64(claims())}."
    with pytest.raises(jose.UnsupportedAlgorithm):
        verify(token, keys)


def test_hmac_signed_with_the_public_key_is_refused(rsa):
    """RFC 8725 §2.1: HS256 "signed" with the RSA public key a verifier holds."""
    key, kid, keys = rsa
    public_pem = key.export_to_pem(private_key=False)
    secret = jwk.JWK(kty="oct", k=b64(public_pem))
    forged = jws.JWS(json.dumps(claims()).encode())
    forged.add_signature(secret, "HS256", protected={"alg": "HS256", "kid": kid, "typ": "JWT"})
    with pytest.raises(jose.UnsupportedAlgorithm):
        verify(forged.serialize(compact=True), keys)
    with pytest.raises(jose.UnsupportedAlgorithm):
        jose.verify(forged.serialize(compact=True), keys, typ="JWT", algorithms=["HS256"], issuer=ISSUER)


def test_a_key_is_bound_to_its_algorithm(rsa):
    """The header's alg must be the key's own, even among accepted algorithms."""
    key, kid, _ = rsa
    other = jose.generate_private_key("ES256")
    token = jose.sign(claims(), other, alg="ES256", kid=kid, typ="JWT")
    keys = {kid: jwk.JWK(**jose.public_jwk(key, "RS256", kid))}
    with pytest.raises(jose.UnknownKey):
        jose.verify(token, keys, typ="JWT", algorithms=["RS256", "ES256"], issuer=ISSUER)


def test_an_unknown_critical_header_is_refused(rsa):
    """RFC 7515 §4.1.11: a crit member the verifier does not understand."""
    key, kid, keys = rsa
    header = {
        "alg": "RS256",
        "kid": kid,
        "typ": "JWT",
        "crit": ["urn:example:unknown"],
        "urn:example:unknown": 1,
    }
    with pytest.raises(jose.ForbiddenHeader):
        verify(rs256_by_hand(key, header, claims()), keys)


@pytest.mark.parametrize("member", ["jwk", "jku", "x5u", "x5c"])
def test_a_key_named_by_the_token_itself_is_refused(rsa, member):
    """RFC 8725 §3.10: the attacker's own key, embedded or linked, is never used."""
    _, kid, keys = rsa
    attacker = jose.generate_private_key("RS256")
    values = {
        "jwk": attacker.export_public(as_dict=True),
        "jku": "https://attacker.example/jwks",
        "x5u": "https://attacker.example/cert",
        "x5c": ["MIIB"],
    }
    signed = jws.JWS(json.dumps(claims()).encode())
    signed.add_signature(
        attacker, "RS256", protected={"alg": "RS256", "kid": kid, "typ": "JWT", member: values[member]}
    )
    with pytest.raises(jose.ForbiddenHeader):
        verify(signed.serialize(compact=True), keys)
    # Without the forbidden member, the attacker's signature still fails against our key.
    plain = jose.sign(claims(), attacker, alg="RS256", kid=kid, typ="JWT")
    with pytest.raises(jose.InvalidSignature):
        verify(plain, keys)


@pytest.mark.parametrize(
    ("segment", "size"),
    [(0, jose.MAX_HEADER_LENGTH + 1), (2, jose.MAX_SIGNATURE_LENGTH + 1), (1, jose.MAX_TOKEN_LENGTH)],
)
def test_oversized_segments_are_refused_before_decoding(rsa, segment, size):
    key, kid, keys = rsa
    parts = jose.sign(claims(), key, alg="RS256", kid=kid, typ="JWT").split(".")
    parts[segment] = "A" * size
    with pytest.raises(jose.MalformedToken):
        verify(".".join(parts), keys)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d.e",  # a JWE (RFC 7516 §7.1)
        "!!.e30.sig",
        f"{b64(b'[1]')}.e30.sig",
        f"{b64(b'not json')}.e30.sig",
        None,
        12,
    ],
)
def test_malformed_tokens_are_refused(rsa, token):
    with pytest.raises(jose.JOSEError):
        verify(token, rsa[2])


@pytest.mark.parametrize(
    ("typ", "accepted"),
    [("JWT", True), ("jwt", True), ("application/jwt", True), ("at+jwt", False), (None, False)],
)
def test_typ_is_checked(rsa, typ, accepted):
    """RFC 8725 §3.11: one kind of token must not pass for another."""
    key, kid, keys = rsa
    signed = jws.JWS(json.dumps(claims()).encode())
    header = {"alg": "RS256", "kid": kid} | ({"typ": typ} if typ else {})
    signed.add_signature(key, "RS256", protected=header)
    token = signed.serialize(compact=True)
    if accepted:
        assert verify(token, keys)
    else:
        with pytest.raises(jose.ForbiddenHeader):
            verify(token, keys)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"iss": "https://other.example"}, jose.InvalidClaims),
        ({"aud": "other"}, jose.InvalidClaims),
        ({"aud": ["other", "client"]}, None),
        ({"exp": -120}, jose.TokenExpired),
        ({"exp": -30}, None),  # within the leeway
        ({"nbf": 600}, jose.InvalidClaims),
        ({"iat": 600}, jose.InvalidClaims),
        ({"exp": "tomorrow"}, jose.InvalidClaims),
        ({"exp": True}, jose.InvalidClaims),
    ],
)
def test_claims(rsa, changes, error):
    """Times are given relative to now."""
    key, kid, keys = rsa
    now = int(time.time())
    values = {
        name: now + value if name in ("exp", "nbf", "iat") and type(value) is int else value
        for name, value in changes.items()
    }
    token = jose.sign(claims(**values), key, alg="RS256", kid=kid, typ="JWT")
    if error is None:
        assert verify(token, keys, audience="client")
    else:
        with pytest.raises(error):
            verify(token, keys, audience="client")


def test_a_missing_required_claim_is_refused(rsa):
    key, kid, keys = rsa
    without_exp = {name: value for name, value in claims().items() if name != "exp"}
    token = jose.sign(without_exp, key, alg="RS256", kid=kid, typ="JWT")
    with pytest.raises(jose.InvalidClaims):
        verify(token, keys)


def test_an_expired_token_passes_only_when_expiry_is_not_checked(rsa):
    key, kid, keys = rsa
    token = jose.sign(claims(exp=int(time.time()) - 3600), key, alg="RS256", kid=kid, typ="JWT")
    with pytest.raises(jose.TokenExpired):
        verify(token, keys)
    assert verify(token, keys, verify_expiry=False)


@pytest.mark.parametrize(
    ("alg", "value", "expected"),
    [
        # OpenID Connect Core §A.3 and §A.4 examples (RS256).
        ("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "77QmUPtjPfzWtF2AnpK9RQ"),
        ("RS256", "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk", "LDktKdoQak3Pk0cnXxCltA"),
        ("ES256", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "77QmUPtjPfzWtF2AnpK9RQ"),
    ],
)
def test_half_hash(alg, value, expected):
    assert jose.half_hash(value, alg) == expected


def test_half_hash_with_eddsa_uses_sha512():
    assert len(jose.half_hash("token", "EdDSA")) == 43  # 32 bytes of SHA-512, base64url


@pytest.mark.parametrize("alg", ["HS256", "RS512", "none", "", "Ed25519"])
def test_half_hash_with_an_unknown_algorithm_fails_closed(alg):
    """Never a guessed hash (oauthlib always uses SHA-256), never an empty one."""
    with pytest.raises(jose.UnsupportedAlgorithm):
        jose.half_hash("token", alg)


@pytest.mark.parametrize("alg", sorted(jose.ALGORITHMS))
def test_every_algorithm_signs_and_verifies(alg):
    key = jose.generate_private_key(alg)
    kid = jose.thumbprint(key)
    keys = {kid: jwk.JWK(**jose.public_jwk(key, alg, kid))}
    token = jose.sign(claims(), key, alg=alg, kid=kid, typ="JWT")
    assert jose.verify(token, keys, typ="JWT", algorithms=[alg], issuer=ISSUER)
    assert jose.unverified_header(token) == {"alg": alg, "kid": kid, "typ": "JWT"}


def test_no_hmac_algorithm_is_offered():
    assert not [name for name in jose.ALGORITHMS if name.startswith("HS")]
    with pytest.raises(jose.UnsupportedAlgorithm):
        jose.generate_private_key("HS256")
