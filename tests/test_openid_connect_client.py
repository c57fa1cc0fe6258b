"""A third-party OpenID Connect client library (Authlib, with joserfc) against a live server:
discovery, the code flow with PKCE, ID token validation, userinfo (OpenID Connect Core §3.1,
Discovery §4). It runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import secrets

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet

from oauth_provider.storage import signing_keys

from .conftest import CLIENT_SECRET, PASSWORD
from .factories import ApplicationFactory, UserFactory


@pytest.fixture
def site(live_server, settings, transactional_db):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "OIDC_ENABLED": True,
        "SIGNING_ALGORITHMS": ["RS256", "ES256", "EdDSA"],
    }
    for algorithm in ("RS256", "ES256", "EdDSA"):
        signing_keys.rotate(algorithm)
    return live_server.url


def logged_in_browser(base: str, username: str) -> requests.Session:
    """The end-user's user agent, logged in at the server through its login form."""
    browser = requests.Session()
    browser.get(f"{base}/accounts/login/", timeout=10)
    response = browser.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return browser


def sign_in(base: str, client, browser: requests.Session, scope: str):
    """The client's side of the code flow; returns the configuration, tokens and nonce."""
    configuration = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
    assert configuration["issuer"] == base
    redirect_uri = client.redirect_uri_list[0]
    rp = OAuth2Session(
        client.client_id,
        CLIENT_SECRET,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = rp.create_authorization_url(
        configuration["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    location = browser.get(url, allow_redirects=False, timeout=10).headers["Location"]
    assert location.startswith(redirect_uri), location
    token = rp.fetch_token(
        configuration["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    return configuration, rp, token, nonce


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_discovery_code_flow_id_token_and_userinfo(site, algorithm):
    owner = UserFactory(first_name="Alice", last_name="Liddell", email="alice@example.com")
    client = ApplicationFactory(
        redirect_uris=f"{site}/callback", skip_authorization=True, algorithm=algorithm
    )
    browser = logged_in_browser(site, owner.username)

    configuration, rp, token, nonce = sign_in(site, client, browser, "openid profile email")

    keys = KeySet.import_key_set(requests.get(configuration["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(
        token["id_token"], keys, algorithms=configuration["id_token_signing_alg_values_supported"]
    )
    assert decoded.header["alg"] == algorithm
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={
            "iss": {"essential": True, "value": site},
            "aud": {"essential": True, "value": client.client_id},
        },
        params={"nonce": nonce, "client_id": client.client_id, "access_token": token["access_token"]},
    )
    claims.validate(leeway=60)  # iss, aud, exp, iat, nonce, at_hash, auth_time
    assert claims["sub"] == str(owner.pk)
    assert claims["auth_time"] <= claims["iat"]

    userinfo = rp.get(configuration["userinfo_endpoint"], timeout=10)
    assert userinfo.status_code == 200
    assert userinfo.headers["Cache-Control"] == "no-store"
    assert userinfo.json() == {
        "sub": claims["sub"],
        "name": "Alice Liddell",
        "given_name": "Alice",
        "family_name": "Liddell",
        "preferred_username": owner.username,
        "email": "alice@example.com",
    }


def test_a_rotation_between_sign_ins_keeps_every_id_token_verifiable(site):
    """Tokens signed by the old key verify with the JWKS document until they expire; the
    new key signs only once it is published."""
    owner = UserFactory()
    client = ApplicationFactory(redirect_uris=f"{site}/callback", skip_authorization=True)
    browser = logged_in_browser(site, owner.username)
    configuration, _, before, _ = sign_in(site, client, browser, "openid")
    old_kid = jwt.decode(
        before["id_token"], KeySet.import_key_set(requests.get(configuration["jwks_uri"]).json())
    ).header["kid"]

    successor = signing_keys.create_key("RS256")  # published now, signs after the lead time
    _, _, during, _ = sign_in(site, client, browser, "openid")
    jwks = requests.get(configuration["jwks_uri"], timeout=10).json()
    assert {key["kid"] for key in jwks["keys"]} >= {old_kid, successor.kid}
    assert jwt.decode(during["id_token"], KeySet.import_key_set(jwks)).header["kid"] == old_kid

    signing_keys.activate(successor)  # the lead time has passed
    _, _, after, _ = sign_in(site, client, browser, "openid")
    jwks = KeySet.import_key_set(requests.get(configuration["jwks_uri"], timeout=10).json())
    assert jwt.decode(after["id_token"], jwks).header["kid"] == successor.kid
    for token in (before, during):
        assert jwt.decode(token["id_token"], jwks, algorithms=["RS256"]).header["kid"] == old_kid
