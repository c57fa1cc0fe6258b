"""JWT access tokens (RFC 9068): issued per client, verified by the resource server without
a query, refused for every reason RFC 9068 §4 and RFC 8725 name, revoked through the
denylist, and answered by introspection (RFC 7662)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from oauth2_provider.models import get_access_token_model

from oauth_provider.core import jose
from oauth_provider.core.errors import InvalidToken
from oauth_provider.core.jwt_access_tokens import access_token_claims, audience_error
from oauth_provider.resource import validate_access_token
from oauth_provider.storage import jwt_denylist, revocation, signing_keys
from oauth_provider.storage.clients import disable_client

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

ISSUER = "https://as.example"
API = "https://api.example"


@pytest.fixture
def jwt_site(settings, db):
    """An authorization server that is its own resource server, with an RS256 key."""
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "ISSUER": ISSUER,
        "RESOURCE_SERVER_JWT": True,
    }
    signing_keys.rotate("RS256")
    return settings


@pytest.fixture
def jwt_client(jwt_site):
    return ApplicationFactory(
        access_token_format="jwt",
        grant_types="authorization_code refresh_token client_credentials",
    )


def header_and_claims(token: str) -> tuple[dict, dict]:
    """Decoded with joserfc, an independent implementation, against the published JWKS."""
    key_set = KeySet.import_key_set(Client().get("/oauth/jwks/").json())
    decoded = jwt.decode(token, key_set, algorithms=["RS256"])
    return dict(decoded.header), dict(decoded.claims)


def call(token: str, path: str = "/api/scoped/"):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_now(client, **changes) -> dict:
    now = int(time.time())
    claims = access_token_claims(
        issuer=ISSUER,
        subject=client.client_id,
        audience=[ISSUER],
        client_id=client.client_id,
        scopes=["read"],
        issued_at=now,
        lifetime=300,
        jti=uuid.uuid4().hex,
    )
    claims.update(changes)
    return claims


def sign_with_site_key(claims: dict, typ: str = "at+jwt") -> str:
    value, _ = signing_keys.sign(claims, algorithm="RS256", typ=typ)
    return value


# -- issuance (RFC 9068 §2) ----------------------------------------------------------------


def test_opaque_is_the_default_format(flow, jwt_site):
    client = ApplicationFactory(grant_types="client_credentials")
    assert client.access_token_format == "opaque"
    token = flow.client_credentials(client).json()["access_token"]
    assert "." not in token


def test_client_credentials_jwt_has_the_rfc_9068_header_and_claims(flow, jwt_client):
    response = flow.client_credentials(jwt_client)
    assert response.status_code == 200, response.content
    body = response.json()
    assert "refresh_token" not in body
    header, claims = header_and_claims(body["access_token"])
    assert header["typ"] == "at+jwt"  # RFC 9068 §2.1
    assert header["alg"] == "RS256"
    assert header["kid"] == signing_keys.signing_key("RS256").kid
    assert claims["iss"] == ISSUER
    assert claims["aud"] == ISSUER  # the documented default audience
    assert claims["sub"] == jwt_client.client_id  # RFC 9068 §2.2: no owner, the client
    assert claims["client_id"] == jwt_client.client_id
    assert claims["scope"] == "read"
    assert claims["exp"] - claims["iat"] == 300 == body["expires_in"]
    assert len(claims["jti"]) == 32
    row = get_access_token_model().objects.get()
    assert row.jti == claims["jti"]
    assert row.token == ""  # only the hash is stored, as for opaque tokens


def test_authorization_code_jwt_names_the_owner_and_keeps_refresh_tokens_opaque(flow, owner, jwt_client):
    tokens = flow.tokens_for(jwt_client, scope="read write")
    _, claims = header_and_claims(tokens["access_token"])
    assert claims["sub"] == str(owner.pk)
    assert claims["scope"] == "read write"
    # RFC 9068 §2.2.1: when the owner logged in, as the session recorded it.
    assert claims["iat"] - 60 <= claims["auth_time"] <= claims["iat"]
    assert "." not in tokens["refresh_token"]
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "read"},
        HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET),
    )
    assert refreshed.status_code == 200, refreshed.content
    _, refreshed_claims = header_and_claims(refreshed.json()["access_token"])
    assert refreshed_claims["scope"] == "read"
    assert refreshed_claims["jti"] != claims["jti"]
    # Reuse detection is unchanged: the rotated refresh token revokes the family.
    reused = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET),
    )
    assert reused.status_code == 400
    assert get_access_token_model().objects.count() == 0


def test_audience_comes_from_the_client_then_the_setting(flow, jwt_site, jwt_client):
    jwt_client.access_token_audience = f"{API} https://other.example"
    jwt_client.save()
    _, claims = header_and_claims(flow.client_credentials(jwt_client).json()["access_token"])
    assert claims["aud"] == [API, "https://other.example"]
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE": [API]}
    other = ApplicationFactory(access_token_format="jwt", grant_types="client_credentials")
    _, claims = header_and_claims(flow.client_credentials(other).json()["access_token"])
    assert claims["aud"] == API


def test_audience_comes_first_from_the_requested_resources(jwt_client):
    from oauth_provider.server.jwt_access_tokens import jwt_audience

    class OAuthlibRequest:
        resources = ["https://mcp.example/mcp"]

    assert jwt_audience(OAuthlibRequest(), jwt_client) == ["https://mcp.example/mcp"]


def test_a_requested_resource_becomes_the_aud_that_resource_servers_check(flow, jwt_site, jwt_client):
    """RFC 8707 end to end: ``resource`` on the token request is the JWT's ``aud`` (RFC 9068
    §3), and a resource server accepts it only where it is that resource."""
    mcp = "https://mcp.example/mcp"
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "RESOURCES": [mcp, API]}
    response = flow.token(
        {"grant_type": "client_credentials", "scope": "read", "resource": mcp},
        HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    assert header_and_claims(token)[1]["aud"] == mcp
    assert validate_access_token(token, audience=mcp).client_id == jwt_client.client_id
    with pytest.raises(InvalidToken, match="another audience"):
        validate_access_token(token, audience=API)
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "RESOURCE_SERVER_AUDIENCE": API}
    with pytest.raises(InvalidToken):
        validate_access_token(token)
    unknown = flow.token(
        {"grant_type": "client_credentials", "scope": "read", "resource": "https://evil.example/"},
        HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET),
    )
    assert unknown.json()["error"] == "invalid_target"


def test_jwt_lifetime_is_its_own_setting(flow, jwt_site, jwt_client):
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "JWT_ACCESS_TOKEN_EXPIRE_SECONDS": 120}
    body = flow.client_credentials(jwt_client).json()
    _, claims = header_and_claims(body["access_token"])
    assert body["expires_in"] == 120 == claims["exp"] - claims["iat"]


def test_no_signing_key_is_temporarily_unavailable(flow, settings, db):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ISSUER": ISSUER}
    client = ApplicationFactory(access_token_format="jwt", grant_types="client_credentials")
    response = flow.client_credentials(client)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert get_access_token_model().objects.count() == 0


@pytest.mark.parametrize(
    ("uri", "valid"),
    [
        ("https://api.example", True),
        ("https://api.example/v1", True),
        ("urn:example:api", True),
        ("api.example", False),
        ("/v1", False),
        ("https://api.example/#x", False),
    ],
)
def test_audience_must_be_an_absolute_uri_without_fragment(uri, valid):
    assert (audience_error(uri) is None) is valid


# -- the client's settings: the command and the admin -------------------------------------


def test_create_client_takes_the_format_and_audience(flow, jwt_site):
    from .test_commands import fails, run

    output, _ = run(
        "oauth_provider_create_client",
        "--name", "Reports service",
        "--grant-type", "client_credentials",
        "--token-format", "jwt",
        "--access-token-audience", API,
        "--access-token-audience", "https://reports.example/api",
    )  # fmt: skip
    assert output["token_format"] == "jwt"
    assert output["access_token_audience"] == [API, "https://reports.example/api"]
    body = flow.token(
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(output["client_id"], output["client_secret"]),
    ).json()
    _, claims = header_and_claims(body["access_token"])
    assert claims["aud"] == [API, "https://reports.example/api"]
    updated, _ = run(
        "oauth_provider_create_client",
        "--client-id", output["client_id"],
        "--update-if-exists",
        "--token-format", "opaque",
    )  # fmt: skip
    assert updated["token_format"] == "opaque"
    assert updated["changed"] == ["access_token_format"]
    message = fails(
        "oauth_provider_create_client", "--name", "Bad", "--grant-type", "client_credentials",
        "--access-token-audience", "api.example",
    )  # fmt: skip
    assert "access_token_audience: 'api.example' is not an absolute URI" in message


def test_the_admin_form_has_the_format_and_audience(admin_client, jwt_client):
    meta = jwt_client._meta
    page = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[jwt_client.pk]))
    assert page.status_code == 200
    assert b'name="access_token_format"' in page.content
    assert b'name="access_token_audience"' in page.content


# -- the resource server (RFC 9068 §4) --------------------------------------------------------


PROTECTED = [
    "/api/scoped/",
    "/plain/function/",
    "/plain/class/",
    "/plain/async-function/",
    "/plain/async-class/",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_every_protection_accepts_a_jwt(flow, jwt_client, path):
    token = flow.client_credentials(jwt_client).json()["access_token"]
    response = call(token, path)
    assert response.status_code == 200, response.content
    assert response.json()["client_id"] == jwt_client.client_id


def test_scopes_and_owner_come_from_the_claims(flow, owner, jwt_client):
    token = flow.tokens_for(jwt_client, scope="write")["access_token"]
    response = call(token)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    token = flow.tokens_for(jwt_client, scope="read")["access_token"]
    assert call(token, "/api/owner-only/").json()["user"] == owner.username
    assert call(token, "/api/client-only/").status_code == 403
    service_token = flow.client_credentials(jwt_client).json()["access_token"]
    assert call(service_token, "/api/client-only/").status_code == 200
    assert call(service_token, "/api/owner-only/").status_code == 403


def test_a_jwt_protected_request_sends_no_query(flow, jwt_client, django_assert_num_queries):
    token = flow.client_credentials(jwt_client).json()["access_token"]
    assert call(token).status_code == 200  # this process reads the keys once
    with django_assert_num_queries(0):
        response = call(token)
    assert response.status_code == 200


def test_an_owner_token_sends_no_query_unless_the_view_reads_the_user(
    flow, jwt_client, django_assert_num_queries
):
    token = flow.tokens_for(jwt_client, scope="read")["access_token"]
    assert call(token, "/api/method-scoped/").status_code == 200
    with django_assert_num_queries(0):
        assert Client().get("/api/client-only/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403


def refused(token: str, description: str | None = None) -> None:
    response = call(token)
    assert response.status_code == 401, response.content
    challenge = response["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    if description:
        assert description in challenge


def test_a_token_signed_by_a_retired_and_unpublished_key_is_refused(flow, jwt_client):
    token = flow.client_credentials(jwt_client).json()["access_token"]
    assert call(token).status_code == 200
    retired = signing_keys.signing_key("RS256")
    signing_keys.create_key("RS256", activate_at=timezone.now())
    revoked_key = type_of_key().objects.get(kid=retired.kid)
    signing_keys.retire(revoked_key, compromised=True)
    refused(token)


def test_a_token_signed_after_its_key_retired_is_refused(flow, jwt_client):
    """The key is still published, so what it signed before its retirement still verifies;
    nothing it signed afterwards does (its private half is no longer trusted)."""
    record = signing_keys.signing_key("RS256")
    private = signing_keys._private_key(record)
    signing_keys.retire(type_of_key().objects.get(kid=record.kid), now=timezone.now() - timedelta(minutes=10))
    assert record.kid in signing_keys.verification_keys()
    now = int(time.time())
    early = claims_now(jwt_client, iat=now - 700, exp=now + 100)
    before = jose.sign(early, private, alg="RS256", kid=record.kid, typ="at+jwt")
    assert call(before).status_code == 200
    after = jose.sign(claims_now(jwt_client), private, alg="RS256", kid=record.kid, typ="at+jwt")
    refused(after)


def type_of_key():
    from oauth_provider.storage.models.signing_keys import SigningKey

    return SigningKey


def test_alg_none_is_refused(flow, jwt_client):
    claims = claims_now(jwt_client)
    kid = signing_keys.signing_key("RS256").kid
    token = f"{segment({'alg': 'none', 'typ': 'at+jwt', 'kid': kid})}.{segment(claims)}."
    refused(token)


def test_hs256_with_the_public_key_as_secret_is_refused(flow, jwt_client):
    """RFC 8725 §2.1: an HMAC key made of the published key is no secret."""
    import hashlib
    import hmac

    record = signing_keys.signing_key("RS256")
    public_pem = signing_keys.public_key(record).export_to_pem()
    header = {"alg": "HS256", "typ": "at+jwt", "kid": record.kid}
    signing_input = f"{segment(header)}.{segment(claims_now(jwt_client))}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    refused(f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}")


@pytest.mark.parametrize("typ", ["JWT", "jwt", None, "application/jwt", "at+jwt+x"])
def test_a_wrong_typ_is_refused(flow, jwt_client, typ):
    """RFC 9068 §4: the typ must be at+jwt, so an ID token (typ JWT) is never an access token."""
    claims = claims_now(jwt_client)
    if typ is None:
        record = signing_keys.signing_key("RS256")
        key = signing_keys._private_key(record)
        token = jose_sign_without_typ(claims, key, record.kid)
    else:
        token = sign_with_site_key(claims, typ=typ)
    refused(token)


def jose_sign_without_typ(claims, key, kid) -> str:
    from jwcrypto import jws as jwcrypto_jws

    signed = jwcrypto_jws.JWS(json.dumps(claims).encode())
    signed.add_signature(key, "RS256", protected={"alg": "RS256", "kid": kid})
    return signed.serialize(compact=True)


def test_application_at_jwt_typ_is_accepted(flow, jwt_client):
    """RFC 7515 §4.1.9: the application/ prefix may be written out."""
    assert call(sign_with_site_key(claims_now(jwt_client), typ="application/at+jwt")).status_code == 200


def test_an_id_token_is_not_an_access_token(flow, owner, jwt_client, openid_connect):
    openid_connect.OAUTH_PROVIDER = {
        **openid_connect.OAUTH_PROVIDER,
        "ISSUER": ISSUER,
        "RESOURCE_SERVER_JWT": True,
    }
    tokens = flow.tokens_for(jwt_client, scope="openid read")
    assert call(tokens["access_token"]).status_code == 200
    refused(tokens["id_token"])


def test_a_token_for_another_audience_is_refused(flow, jwt_site, jwt_client):
    jwt_client.access_token_audience = "https://elsewhere.example"
    jwt_client.save()
    token = flow.client_credentials(jwt_client).json()["access_token"]
    refused(token, "The access token is for another audience.")
    jwt_site.OAUTH_PROVIDER = {
        **jwt_site.OAUTH_PROVIDER,
        "RESOURCE_SERVER_AUDIENCE": ["https://elsewhere.example"],
    }
    assert call(token).status_code == 200


def test_a_single_audience_setting_is_one_uri_not_its_characters(flow, jwt_site, jwt_client):
    jwt_client.access_token_audience = API
    jwt_client.save()
    token = flow.client_credentials(jwt_client).json()["access_token"]
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "RESOURCE_SERVER_AUDIENCE": API}
    assert call(token).status_code == 200
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "RESOURCE_SERVER_AUDIENCE": "h"}
    refused(token, "another audience")


def test_the_audience_can_be_given_per_call(flow, jwt_site, jwt_client):
    from oauth_provider.core.errors import InvalidToken
    from oauth_provider.resource import validate_access_token

    jwt_client.access_token_audience = API
    jwt_client.save()
    token = flow.client_credentials(jwt_client).json()["access_token"]
    assert validate_access_token(token, audience=API).client_id == jwt_client.client_id
    assert validate_access_token(token, audience=[ISSUER, API]).client_id == jwt_client.client_id
    with pytest.raises(InvalidToken):
        validate_access_token(token, audience="https://mcp.example")
    with pytest.raises(InvalidToken):
        validate_access_token(token)


def test_any_audience_still_checks_a_jwt_against_the_sites_audience(flow, jwt_site, jwt_client):
    """audience=None accepts an opaque token for any resource; a JWT is always checked
    (RFC 9068 §4): against RESOURCE_SERVER_AUDIENCE, else the issuer."""
    from oauth_provider.core.errors import InvalidToken
    from oauth_provider.resource import validate_access_token

    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "RESOURCE_SERVER_AUDIENCE": API}
    jwt_client.access_token_audience = API
    jwt_client.save()
    for_api = flow.client_credentials(jwt_client).json()["access_token"]
    assert validate_access_token(for_api, audience=None).client_id == jwt_client.client_id
    jwt_client.access_token_audience = "https://mcp.example"
    jwt_client.save()
    elsewhere = flow.client_credentials(jwt_client).json()["access_token"]
    with pytest.raises(InvalidToken):
        validate_access_token(elsewhere, audience=None)
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "RESOURCE_SERVER_AUDIENCE": None}
    with pytest.raises(InvalidToken):
        validate_access_token(for_api, audience=None)


def test_an_expired_token_is_refused(flow, jwt_client):
    """Beyond RESOURCE_SERVER_JWT_LEEWAY_SECONDS (30 s)."""
    now = int(time.time())
    refused(sign_with_site_key(claims_now(jwt_client, iat=now - 400, exp=now - 31)), "expired")
    assert call(sign_with_site_key(claims_now(jwt_client, iat=now - 400, exp=now - 10))).status_code == 200


def test_a_token_not_yet_valid_is_refused(flow, jwt_client):
    now = int(time.time())
    refused(sign_with_site_key(claims_now(jwt_client, nbf=now + 120)))
    refused(sign_with_site_key(claims_now(jwt_client, iat=now + 120)))


def test_a_forged_signature_is_refused(flow, jwt_client):
    token = flow.client_credentials(jwt_client).json()["access_token"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "read write"
    refused(f"{header}.{segment(claims)}.{signature}")
    # Signed by a key of the attacker's own, under the site key's kid.
    attacker = RSAKey.generate_key(2048)
    kid = signing_keys.signing_key("RS256").kid
    forged = jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": kid}, claims_now(jwt_client), attacker)
    refused(forged)


def test_another_issuer_is_refused(flow, jwt_client):
    refused(sign_with_site_key(claims_now(jwt_client, iss="https://evil.example")))


@pytest.mark.parametrize("missing", ["sub", "client_id", "jti", "aud", "exp", "iat"])
def test_a_required_claim_missing_is_refused(flow, jwt_client, missing):
    claims = claims_now(jwt_client)
    del claims[missing]
    refused(sign_with_site_key(claims))


@pytest.mark.parametrize(
    "value",
    ["a.b.c", "....", "x" * 9000 + ".a.b", f"{segment({'alg': 'RS256', 'jku': 'https://evil'})}.e30.x"],
)
def test_garbage_shaped_like_a_jwt_is_invalid_token(flow, jwt_client, value):
    refused(value)


def test_without_resource_server_jwt_a_jwt_is_checked_in_the_database(flow, jwt_site, jwt_client):
    """Off by default: the token's row answers, as for an opaque token."""
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "RESOURCE_SERVER_JWT": False}
    token = flow.client_credentials(jwt_client).json()["access_token"]
    assert call(token).status_code == 200
    forged = sign_with_site_key(claims_now(jwt_client))
    refused(forged, "unknown or was revoked")


# -- introspection (RFC 7662) -----------------------------------------------------------------


def test_introspection_answers_for_a_jwt(flow, jwt_client):
    token = flow.client_credentials(jwt_client).json()["access_token"]
    _, claims = header_and_claims(token)
    body = flow.post(
        "introspect", {"token": token}, HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET)
    ).json()
    assert body["active"] is True
    assert body["token_type"] == "Bearer"
    assert body["client_id"] == jwt_client.client_id
    assert body["aud"] == claims["aud"]
    assert body["jti"] == claims["jti"]
    assert body["exp"] == claims["exp"]
    assert body["iss"] == ISSUER
    flow.post("revoke", {"token": token}, HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET))
    body = flow.post(
        "introspect", {"token": token}, HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET)
    ).json()
    assert body == {"active": False}


# -- revocation: the denylist (docs/jwt.rst) --------------------------------------------------


@pytest.fixture
def denylist(jwt_site, redis_cache):
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "JWT_DENYLIST_CACHE_ALIAS": "default"}
    return redis_cache


def test_without_the_denylist_a_revoked_jwt_lives_until_it_expires(flow, jwt_client):
    token = flow.client_credentials(jwt_client).json()["access_token"]
    flow.post("revoke", {"token": token}, HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET))
    assert call(token).status_code == 200


def test_revoking_a_jwt_puts_it_on_the_denylist(flow, jwt_client, denylist):
    token = flow.client_credentials(jwt_client).json()["access_token"]
    _, claims = header_and_claims(token)
    assert call(token).status_code == 200
    response = flow.post(
        "revoke", {"token": token}, HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET)
    )
    assert response.status_code == 200
    refused(token, "The access token was revoked.")
    key = denylist.make_key(jwt_denylist.KEY_PREFIX + claims["jti"])
    ttl = denylist._cache.get_client(key).ttl(key)
    # Kept until the token expires, plus the resource servers' leeway.
    assert 300 < ttl <= 300 + jwt_denylist.EXTRA_SECONDS


def test_revoking_a_family_denies_its_live_jwts(flow, owner, jwt_client, denylist):
    tokens = flow.tokens_for(jwt_client, scope="read")
    assert call(tokens["access_token"]).status_code == 200
    flow.post(
        "revoke",
        {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET),
    )
    refused(tokens["access_token"], "revoked")


def test_a_refresh_denies_the_jwt_it_replaces(flow, owner, jwt_client, denylist):
    """RFC 6749 §6: the new access token replaces the old one, which ends, as an opaque one does."""
    tokens = flow.tokens_for(jwt_client, scope="read")
    assert call(tokens["access_token"]).status_code == 200
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET),
    ).json()
    refused(tokens["access_token"], "revoked")
    assert call(refreshed["access_token"]).status_code == 200


def test_revoking_or_disabling_a_client_denies_its_live_jwts(flow, jwt_client, denylist):
    first = flow.client_credentials(jwt_client).json()["access_token"]
    revocation.revoke_client_tokens(jwt_client)
    refused(first, "revoked")
    second = flow.client_credentials(jwt_client).json()["access_token"]
    assert call(second).status_code == 200
    disable_client(jwt_client)
    refused(second, "revoked")


def test_deactivating_or_deleting_the_owner_denies_their_live_jwts(
    flow, owner, jwt_client, denylist, django_assert_num_queries
):
    """A JWT is verified without reading its owner's is_active: the denylist tells."""
    first = flow.tokens_for(jwt_client, scope="read")["access_token"]
    owner.last_login = timezone.now()
    with django_assert_num_queries(1):  # a login's save: the UPDATE, nothing else
        owner.save(update_fields=["last_login"])
    assert call(first).status_code == 200
    owner.is_active = False
    owner.save()
    refused(first, "revoked")
    owner.is_active = True
    owner.save()
    second = flow.tokens_for(jwt_client, scope="read")["access_token"]
    assert call(second).status_code == 200
    owner.delete()
    refused(second, "revoked")


def test_the_denylist_down_fails_closed(flow, jwt_site, jwt_client, settings):
    token = flow.client_credentials(jwt_client).json()["access_token"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "down": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        },
    }
    jwt_site.OAUTH_PROVIDER = {**jwt_site.OAUTH_PROVIDER, "JWT_DENYLIST_CACHE_ALIAS": "down"}
    response = call(token)
    assert response.status_code == 503
    # A revocation still ends the token in the database; introspection says so.
    assert (
        flow.post(
            "revoke", {"token": token}, HTTP_AUTHORIZATION=basic_auth(jwt_client.client_id, CLIENT_SECRET)
        ).status_code
        == 200
    )
    assert not get_access_token_model().objects.exists()


def test_jose_refuses_what_core_jose_refuses():
    """The resource side goes through core.jose: no algorithm outside the pinned table."""
    assert "none" not in jose.ALGORITHMS and "HS256" not in jose.ALGORITHMS


# -- system checks ------------------------------------------------------------------------------


def check_ids(settings, **values) -> list[str]:
    from oauth_provider.checks import check_jwt_access_tokens, check_jwt_lifetime

    settings.OAUTH_PROVIDER = {"SCOPES": settings.OAUTH_PROVIDER["SCOPES"], **values}
    return [problem.id for problem in check_jwt_access_tokens(None) + check_jwt_lifetime(None)]


def test_checks_pass_by_default_and_when_configured(settings):
    assert check_ids(settings) == []
    assert (
        check_ids(
            settings,
            RESOURCE_SERVER_JWT=True,
            RESOURCE_SERVER_JWT_ISSUER=ISSUER,
            RESOURCE_SERVER_JWKS_URL="https://as.example/oauth/jwks/",
            RESOURCE_SERVER_AUDIENCE=[API],
        )
        == []
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"RESOURCE_SERVER_JWT": True}, "oauth_provider.E020"),
        ({"JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE": ["api.example"]}, "oauth_provider.E021"),
        ({"JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE": []}, "oauth_provider.E021"),
        ({"JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE": ["https://api.example#x"]}, "oauth_provider.E021"),
        ({"RESOURCE_SERVER_JWT_ALGORITHMS": ["HS256"]}, "oauth_provider.E021"),
        ({"JWT_DENYLIST_CACHE_ALIAS": "nowhere"}, "oauth_provider.E022"),
        (
            {
                "RESOURCE_SERVER_JWT": True,
                "ISSUER": ISSUER,
                "RESOURCE_SERVER_JWKS_URL": "http://as.example/jwks",
            },
            "oauth_provider.W020",
        ),
        ({"JWT_ACCESS_TOKEN_EXPIRE_SECONDS": 3600}, "oauth_provider.W021"),
    ],
)
def test_checks_report_each_problem(settings, values, expected):
    assert check_ids(settings, **values) == [expected]


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("https://api.example", []),
        (["https://api.example", "https://other.example"], []),
        (["api.example"], ["oauth_provider.E051"]),
        ([], ["oauth_provider.E051"]),
    ],
)
def test_the_resource_servers_audience_is_one_uri_or_several(settings, audience, expected):
    """One setting for opaque and JWT access tokens (docs/settings.rst), checked once (E051)."""
    from oauth_provider.checks import check_resources_and_registration

    settings.OAUTH_PROVIDER = {
        "SCOPES": settings.OAUTH_PROVIDER["SCOPES"],
        "RESOURCE_SERVER_AUDIENCE": audience,
    }
    assert [problem.id for problem in check_resources_and_registration(None)] == expected
    assert check_ids(settings, RESOURCE_SERVER_AUDIENCE=audience) == []


def test_a_separate_resource_server_needs_none_of_the_authorization_endpoint_s_middleware(settings):
    from oauth_provider.checks import check_middleware

    settings.MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
    assert {problem.id for problem in check_middleware(None)} == {
        "oauth_provider.E004",
        "oauth_provider.E005",
        "oauth_provider.E006",
    }
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "RESOURCE_SERVER_JWT": True,
        "RESOURCE_SERVER_JWT_ISSUER": ISSUER,
        "RESOURCE_SERVER_JWKS_URL": "https://as.example/oauth/jwks/",
    }
    assert check_middleware(None) == []
