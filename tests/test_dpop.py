"""DPoP (RFC 9449): proofs at the token endpoint (§4, §5), tokens bound by ``cnf.jkt`` (§6),
server nonces (§8), and the resource server's side (§7): ``Authorization: DPoP``, the
proof's method, URL, ``ath``, ``iat`` window and ``jti`` replay in the shared cache, and
``WWW-Authenticate: DPoP`` challenges. The proofs are made with joserfc, a JOSE library
not written here."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.test import Client
from joserfc import jwk, jwt
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from oauth_provider.core import dpop

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair
from .factories import ApplicationFactory, PublicApplicationFactory

TOKEN_URL = "http://testserver/oauth/token/"
API_URL = "http://testserver/api/scoped/"
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


@dataclass
class Holder:
    """A client's DPoP key, and the proofs it signs."""

    key: jwk.ECKey = field(default_factory=lambda: jwk.ECKey.generate_key("P-256"))
    alg: str = "ES256"

    @property
    def jkt(self) -> str:
        return self.key.thumbprint()

    def proof(self, method="POST", url=TOKEN_URL, *, access_token=None, nonce=None, header=None, **claims):
        body = {"jti": uuid.uuid4().hex, "htm": method, "htu": url, "iat": int(time.time())}
        if access_token is not None:
            body["ath"] = dpop.access_token_hash(access_token)
        if nonce is not None:
            body["nonce"] = nonce
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        protected = {
            "alg": self.alg,
            "typ": "dpop+jwt",
            "jwk": self.key.as_dict(private=False),
            **(header or {}),
        }
        return jwt.encode(protected, body, self.key)


@pytest.fixture
def dpop_on(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "DPOP_ENABLED": True}
    return settings


@pytest.fixture
def service(db):
    return ApplicationFactory(grant_types="client_credentials", redirect_uris="")


def token_request(data, proof=None, **headers):
    if proof is not None:
        headers["HTTP_DPOP"] = proof
    return Client().post(
        "/oauth/token/", urlencode(data), content_type="application/x-www-form-urlencoded", **headers
    )


def client_credentials(service, proof=None):
    return token_request(
        {"grant_type": "client_credentials", "scope": "read"},
        proof,
        HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET),
    )


def api(token, proof=None, scheme="DPoP", url="/api/scoped/", method="get"):
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {token}"}
    if proof is not None:
        headers["HTTP_DPOP"] = proof
    return getattr(Client(), method)(url, **headers)


def error_of(response) -> str:
    return json.loads(response.content)["error"]


# -- off by default, metadata ------------------------------------------------------------------


def test_off_by_default_a_proof_is_ignored(service):
    holder = Holder()
    response = client_credentials(service, holder.proof())
    assert response.status_code == 200 and response.json()["token_type"] == "Bearer"
    assert AccessToken.objects.get().jkt == ""
    assert (
        "dpop_signing_alg_values_supported"
        not in Client().get("/.well-known/oauth-authorization-server").json()
    )
    # The DPoP scheme is no scheme at all here.
    assert api(response.json()["access_token"], holder.proof("GET", API_URL)).status_code == 401


def test_metadata_5_1(dpop_on, db):
    document = Client().get("/.well-known/oauth-authorization-server").json()
    assert document["dpop_signing_alg_values_supported"] == ["ES256", "EdDSA", "RS256"]


# -- the token endpoint (§5) ------------------------------------------------------------------------


def test_a_token_request_with_a_proof_gets_a_bound_token_5(dpop_on, service):
    holder = Holder()
    response = client_credentials(service, holder.proof())
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"
    assert AccessToken.objects.get().jkt == holder.jkt
    answer = (
        Client()
        .post(
            "/oauth/introspect/",
            urlencode({"token": response.json()["access_token"]}),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET),
        )
        .json()
    )
    assert answer["cnf"] == {"jkt": holder.jkt} and answer["token_type"] == "DPoP"


def test_without_a_proof_a_bearer_token_as_before(dpop_on, service):
    response = client_credentials(service)
    assert response.json()["token_type"] == "Bearer"
    assert AccessToken.objects.get().jkt == ""


def _bad_proofs():
    now = int(time.time())
    return {
        "wrong-method": lambda h: h.proof("GET"),
        "wrong-url": lambda h: h.proof(url="http://testserver/oauth/revoke/"),
        "wrong-host": lambda h: h.proof(url="http://evil.example/oauth/token/"),
        "old-iat": lambda h: h.proof(iat=now - 3600),
        "future-iat": lambda h: h.proof(iat=now + 3600),
        "no-jti": lambda h: h.proof(jti=None),
        "no-iat": lambda h: h.proof(iat=None),
        "wrong-typ": lambda h: h.proof(header={"typ": "JWT"}),
        "private-key-in-jwk": lambda h: h.proof(header={"jwk": h.key.as_dict(private=True)}),
        "no-jwk": lambda h: jwt.encode(
            {"alg": "ES256", "typ": "dpop+jwt"},
            {"jti": "x", "htm": "POST", "htu": TOKEN_URL, "iat": now},
            h.key,
        ),
        "other-key-signed": lambda h: jwt.encode(
            {"alg": "ES256", "typ": "dpop+jwt", "jwk": Holder().key.as_dict(private=False)},
            {"jti": "y", "htm": "POST", "htu": TOKEN_URL, "iat": now},
            h.key,
        ),
        "not-a-jwt": lambda h: "not.a.jwt",
        "two-headers": lambda h: h.proof() + "," + h.proof(),
    }


@pytest.mark.parametrize("name", list(_bad_proofs()))
def test_an_invalid_proof_is_invalid_dpop_proof_4_3(dpop_on, service, name):
    response = client_credentials(service, _bad_proofs()[name](Holder()))
    assert response.status_code == 400, response.content
    assert error_of(response) == "invalid_dpop_proof"
    assert json.loads(response.content)["error_description"]
    assert not AccessToken.objects.exists()


def test_a_symmetric_algorithm_is_refused(dpop_on, service):
    secret = jwk.OctKey.generate_key(256)
    proof = jwt.encode(
        {"alg": "HS256", "typ": "dpop+jwt", "jwk": secret.as_dict(private=False)},
        {"jti": "z", "htm": "POST", "htu": TOKEN_URL, "iat": int(time.time())},
        secret,
    )
    assert error_of(client_credentials(service, proof)) == "invalid_dpop_proof"


def test_a_replayed_proof_is_refused_at_the_token_endpoint_11_1(dpop_on, service, redis_cache):
    proof = Holder().proof()
    assert client_credentials(service, proof).status_code == 200
    replay = client_credentials(service, proof)
    assert replay.status_code == 400 and error_of(replay) == "invalid_dpop_proof"
    assert AccessToken.objects.count() == 1


def test_a_client_registered_for_dpop_must_send_a_proof_5_2(dpop_on, db):
    service = ApplicationFactory(
        grant_types="client_credentials", redirect_uris="", dpop_bound_access_tokens=True
    )
    response = client_credentials(service)
    assert response.status_code == 400 and error_of(response) == "invalid_dpop_proof"
    assert client_credentials(service, Holder().proof()).json()["token_type"] == "DPoP"


def test_server_nonces_8(dpop_on, service):
    dpop_on.OAUTH_PROVIDER = {**dpop_on.OAUTH_PROVIDER, "DPOP_NONCE_REQUIRED": True}
    holder = Holder()
    first = client_credentials(service, holder.proof())
    assert first.status_code == 400 and error_of(first) == "use_dpop_nonce"
    nonce = first["DPoP-Nonce"]
    assert client_credentials(service, holder.proof(nonce=nonce)).status_code == 200
    assert error_of(client_credentials(service, holder.proof(nonce="forged" + nonce[6:]))) == "use_dpop_nonce"
    stale = dpop.new_nonce(now=time.time() - 3600)
    assert error_of(client_credentials(service, holder.proof(nonce=stale))) == "use_dpop_nonce"


def code_tokens(flow, application, holder, scope="read"):
    verifier, challenge = pkce_pair()
    code = flow.get_code(application, challenge=challenge, scope=scope)["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": application.redirect_uri_list[0],
        "code_verifier": verifier,
        "client_id": application.client_id,
    }
    response = token_request(data, holder.proof() if holder is not None else None)
    assert response.status_code == 200, response.content
    return response.json()


def refresh(application, refresh_token, proof=None):
    return token_request(
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": application.client_id},
        proof,
    )


def test_a_public_clients_refresh_token_is_bound_too_5(dpop_on, flow):
    app = PublicApplicationFactory()
    holder = Holder()
    tokens = code_tokens(flow, app, holder)
    assert tokens["token_type"] == "DPoP" and RefreshToken.objects.get().jkt == holder.jkt
    # Stolen: without the key it is useless.
    assert error_of(refresh(app, tokens["refresh_token"])) == "invalid_grant"
    assert error_of(refresh(app, tokens["refresh_token"], Holder().proof())) == "invalid_grant"
    renewed = refresh(app, tokens["refresh_token"], holder.proof())
    assert renewed.status_code == 200 and renewed.json()["token_type"] == "DPoP"
    assert set(RefreshToken.objects.values_list("jkt", flat=True)) == {holder.jkt}


def test_a_confidential_clients_refresh_token_is_not_bound(dpop_on, flow, confidential_client):
    holder = Holder()
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    response = token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": confidential_client.redirect_uri_list[0],
            "code_verifier": verifier,
        },
        holder.proof(),
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.json()["token_type"] == "DPoP"
    assert RefreshToken.objects.get().jkt == ""


# -- the resource server (§7) -------------------------------------------------------------------


@pytest.fixture
def bound(dpop_on, service):
    holder = Holder()
    token = client_credentials(service, holder.proof()).json()["access_token"]
    return holder, token


def test_a_bound_token_with_its_proof_is_accepted_7(bound):
    holder, token = bound
    response = api(token, holder.proof("GET", API_URL, access_token=token))
    assert response.status_code == 200, response.content


def test_a_plain_django_view_accepts_it_too(bound):
    holder, token = bound
    url = "http://testserver/plain/function/"
    assert api(token, holder.proof("GET", url, access_token=token), url="/plain/function/").status_code == 200


def dpop_error(response, status=401) -> str:
    assert response.status_code == status, response.content
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("DPoP "), challenge
    assert 'algs="ES256 EdDSA RS256"' in challenge
    return challenge


def test_a_bound_token_used_as_a_bearer_token_is_refused_7_1(bound):
    holder, token = bound
    assert 'error="invalid_token"' in dpop_error(api(token, scheme="Bearer"))
    assert 'error="invalid_token"' in dpop_error(
        api(token, holder.proof("GET", API_URL, access_token=token), scheme="Bearer")
    )


def test_a_bound_token_without_a_proof_is_refused(bound):
    _, token = bound
    assert 'error="invalid_dpop_proof"' in dpop_error(api(token))


@pytest.mark.parametrize(
    "make",
    [
        lambda h, t: h.proof("POST", API_URL, access_token=t),
        lambda h, t: h.proof("GET", "http://testserver/api/client-only/", access_token=t),
        lambda h, t: h.proof("GET", API_URL),
        lambda h, t: h.proof("GET", API_URL, access_token=t + "x"),
        lambda h, t: h.proof("GET", API_URL, access_token=t, iat=int(time.time()) - 3600),
    ],
    ids=["other-method", "other-url", "no-ath", "wrong-ath", "old-iat"],
)
def test_a_proof_for_another_request_is_refused_7_1(bound, make):
    holder, token = bound
    assert 'error="invalid_dpop_proof"' in dpop_error(api(token, make(holder, token)))


def test_a_proof_with_another_key_is_refused(bound):
    _, token = bound
    assert 'error="invalid_token"' in dpop_error(
        api(token, Holder().proof("GET", API_URL, access_token=token))
    )


def test_a_bearer_token_sent_with_the_dpop_scheme_is_refused(dpop_on, service):
    token = client_credentials(service).json()["access_token"]
    holder = Holder()
    assert 'error="invalid_token"' in dpop_error(api(token, holder.proof("GET", API_URL, access_token=token)))
    assert api(token, scheme="Bearer").status_code == 200


def test_a_replayed_proof_is_refused_at_the_api_11_1(bound, redis_cache):
    holder, token = bound
    proof = holder.proof("GET", API_URL, access_token=token)
    assert api(token, proof).status_code == 200
    assert 'error="invalid_dpop_proof"' in dpop_error(api(token, proof))


def test_without_a_token_both_schemes_are_offered(dpop_on, db):
    response = Client().get("/api/scoped/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert ", DPoP algs=" in response["WWW-Authenticate"]


def test_the_jti_is_remembered_in_the_shared_redis(bound, redis_cache):
    holder, token = bound
    assert api(token, holder.proof("GET", API_URL, access_token=token, jti="same")).status_code == 200
    client = redis_cache._cache.get_client(write=True)
    assert any(b"oauth_provider:dpop:jti:" in key for key in client.scan_iter("*"))
    assert api(token, holder.proof("GET", API_URL, access_token=token, jti="same")).status_code == 401


# -- the OpenID Connect userinfo endpoint, a protected resource like any other (§7) ------------

USERINFO_URL = "http://testserver/oauth/userinfo/"


@pytest.fixture
def signed_in(dpop_on, openid_connect, flow, owner):
    holder = Holder()
    tokens = code_tokens(flow, PublicApplicationFactory(), holder, scope="openid")
    assert tokens["token_type"] == "DPoP"
    return holder, tokens["access_token"], owner


def userinfo(token, proof=None, scheme="DPoP", method="get"):
    return api(token, proof, scheme=scheme, url="/oauth/userinfo/", method=method)


def test_userinfo_takes_a_bound_token_with_its_proof(signed_in):
    holder, token, owner = signed_in
    response = userinfo(token, holder.proof("GET", USERINFO_URL, access_token=token))
    assert response.status_code == 200, response.content
    assert response.json()["sub"] == str(owner.pk)
    posted = userinfo(token, holder.proof("POST", USERINFO_URL, access_token=token), method="post")
    assert posted.status_code == 200, posted.content


def test_userinfo_refuses_a_bound_token_as_a_bearer_token(signed_in):
    holder, token, _ = signed_in
    refused = userinfo(token, holder.proof("GET", USERINFO_URL, access_token=token), scheme="Bearer")
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda h, t: None, "invalid_dpop_proof"),
        (lambda h, t: h.proof("GET", API_URL, access_token=t), "invalid_dpop_proof"),
        (lambda h, t: h.proof("POST", USERINFO_URL, access_token=t), "invalid_dpop_proof"),
        (lambda h, t: h.proof("GET", USERINFO_URL), "invalid_dpop_proof"),
        (lambda h, t: Holder().proof("GET", USERINFO_URL, access_token=t), "invalid_token"),
    ],
    ids=["no-proof", "other-url", "other-method", "no-ath", "other-key"],
)
def test_userinfo_refuses_a_proof_for_another_request_or_key(signed_in, make, error):
    holder, token, _ = signed_in
    assert f'error="{error}"' in dpop_error(userinfo(token, make(holder, token)))


def test_userinfo_refuses_a_replayed_proof(signed_in, redis_cache):
    holder, token, _ = signed_in
    proof = holder.proof("GET", USERINFO_URL, access_token=token)
    assert userinfo(token, proof).status_code == 200
    assert 'error="invalid_dpop_proof"' in dpop_error(userinfo(token, proof))


def test_userinfo_refuses_a_bearer_token_with_the_dpop_scheme(dpop_on, openid_connect, flow, owner):
    token = code_tokens(flow, PublicApplicationFactory(), None, scope="openid")["access_token"]
    assert userinfo(token, scheme="Bearer").status_code == 200
    assert 'error="invalid_token"' in dpop_error(
        userinfo(token, Holder().proof("GET", USERINFO_URL, access_token=token))
    )


# -- the codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://Server.Example:443/token", "https://server.example/token", True),
        ("http://server.example:80/token?x=1#f", "http://server.example/token", True),
        ("https://server.example:8443/token", "https://server.example/token", False),
        ("https://server.example/token/", "https://server.example/token", False),
    ],
)
def test_htu_comparison(a, b, same):
    assert (dpop.normalized_url(a) == dpop.normalized_url(b)) is same


# -- a third-party client against a live server ----------------------------------------------------


def test_authlib_gets_a_dpop_token_and_calls_the_api(live_server, settings, transactional_db):
    """Authlib's OAuth2Session requests the token with a joserfc-made proof; requests calls
    the API with the DPoP scheme and a proof per request."""
    import requests
    from authlib.integrations.requests_client import OAuth2Session

    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "DPOP_ENABLED": True, "DPOP_NONCE_REQUIRED": True}
    base = live_server.url
    service = ApplicationFactory(
        grant_types="client_credentials", redirect_uris="", dpop_bound_access_tokens=True
    )
    meta = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=10).json()
    holder = Holder()
    session = OAuth2Session(service.client_id, CLIENT_SECRET, scope="read")
    first = requests.post(
        meta["token_endpoint"],
        data={"grant_type": "client_credentials", "scope": "read"},
        auth=(service.client_id, CLIENT_SECRET),
        headers={"DPoP": holder.proof(url=meta["token_endpoint"])},
        timeout=10,
    )
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    token = session.fetch_token(
        meta["token_endpoint"],
        grant_type="client_credentials",
        headers={"DPoP": holder.proof(url=meta["token_endpoint"], nonce=first.headers["DPoP-Nonce"])},
    )
    assert token["token_type"] == "DPoP"
    url = f"{base}/api/scoped/"
    answer = requests.get(
        url,
        headers={
            "Authorization": f"DPoP {token['access_token']}",
            "DPoP": holder.proof("GET", url, access_token=token["access_token"]),
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    stolen = requests.get(url, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
    assert stolen.status_code == 401 and stolen.headers["WWW-Authenticate"].startswith("DPoP")


# -- DPoP-bound JWT access tokens (RFC 9449 §6.1) -----------------------------------------------


def test_a_dpop_bound_jwt_names_its_key_and_needs_its_proof_6_1(dpop_on, db, settings):
    """A JWT access token is checked without the database: it must carry ``cnf.jkt``, or a
    stolen one would pass as a bearer token (docs/dpop.rst, docs/jwt.rst)."""
    from oauth_provider.storage import signing_keys

    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "ISSUER": "http://testserver",
        "RESOURCE_SERVER_JWT": True,
    }
    signing_keys.rotate("RS256")
    service = ApplicationFactory(
        grant_types="client_credentials", redirect_uris="", access_token_format="jwt"
    )
    holder = Holder()
    response = client_credentials(service, holder.proof())
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"
    token = response.json()["access_token"]
    claims = jwt.decode(token, jwk.KeySet.import_key_set(Client().get("/oauth/jwks/").json())).claims
    assert claims["cnf"] == {"jkt": holder.jkt}

    assert api(token, holder.proof("GET", API_URL, access_token=token)).status_code == 200
    assert 'error="invalid_token"' in dpop_error(api(token, scheme="Bearer"))
    assert 'error="invalid_dpop_proof"' in dpop_error(api(token))
    assert api(token, Holder().proof("GET", API_URL, access_token=token)).status_code == 401
