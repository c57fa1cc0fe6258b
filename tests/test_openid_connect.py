"""OpenID Connect Core 1.0 at the endpoints: ID tokens, prompt and max_age, nonces, claims,
userinfo, logout, and OpenID Connect turned off (the default)."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_id_token_model

from oauth_provider.core import jose
from oauth_provider.storage import signing_keys
from oauth_provider.storage.models import SigningKey, get_consent_model

from .conftest import CLIENT_SECRET, PASSWORD, basic_auth, pkce_pair, query_of
from .factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

CALLBACK = "https://client.example/callback"


def payload(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def params(client, **extra) -> dict:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": CALLBACK,
        "state": "st",
        **extra,
    }


def tokens(flow, client, scope="openid", **extra):
    verifier, challenge = pkce_pair()
    if scope is not None:
        extra["scope"] = scope
    page = flow.authorize(**params(client, code_challenge=challenge, code_challenge_method="S256", **extra))
    if page.status_code == 200:
        page = flow.consent(page)
    assert page.status_code == 302, page.content
    code = query_of(page["Location"])["code"]
    response = flow.exchange(client, code, verifier=verifier)
    assert response.status_code == 200, response.content
    return response.json()


def refresh(flow, client, refresh_token, **extra):
    return flow.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )


# -- OpenID Connect off (the default) --------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/.well-known/openid-configuration", "/oauth/jwks/", "/oauth/userinfo/", "/oauth/logout/"]
)
def test_off_by_default_the_openid_endpoints_do_not_exist(client, path):
    assert client.get(path).status_code == 404


def test_off_by_default_openid_is_an_unknown_scope(flow, confidential_client):
    response = flow.authorize(**params(confidential_client, scope="openid"))
    assert response.status_code == 302
    assert query_of(response["Location"])["error"] == "invalid_scope"
    metadata = flow.api.get("/.well-known/oauth-authorization-server").json()
    assert "jwks_uri" not in metadata and "openid" not in metadata["scopes_supported"]


# -- ID tokens (Core §2, §3.1.3.6) -----------------------------------------------------------


def test_the_id_token(openid_connect, flow, confidential_client, owner):
    issued = tokens(flow, confidential_client, scope="openid", nonce="n-0S6_WzA2Mj")
    header = jose.unverified_header(issued["id_token"])
    claims = signing_keys.verify(
        issued["id_token"], typ="JWT", issuer="http://testserver", audience=confidential_client.client_id
    )
    assert header["alg"] == "RS256" and header["kid"] == signing_keys.signing_key("RS256").kid
    assert claims["sub"] == str(owner.pk)
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["at_hash"] == jose.half_hash(issued["access_token"], "RS256")
    assert claims["exp"] - claims["iat"] == 600
    assert abs(claims["auth_time"] - time.time()) < 60
    assert set(claims) == {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "jti"}
    stored = get_id_token_model().objects.get(jti=claims["jti"])
    assert stored.kid == header["kid"] and stored.user == owner
    assert get_access_token_model().objects.get(id_token=stored).scope == "openid"


def test_a_refresh_keeps_auth_time_and_drops_the_nonce(openid_connect, flow, confidential_client):
    """Core §12.2."""
    first = tokens(flow, confidential_client, scope="openid", nonce="abc")
    response = refresh(flow, confidential_client, first["refresh_token"])
    assert response.status_code == 200, response.content
    original, refreshed = payload(first["id_token"]), payload(response.json()["id_token"])
    assert refreshed["auth_time"] == original["auth_time"] and refreshed["sub"] == original["sub"]
    assert "nonce" not in refreshed
    narrower = refresh(flow, confidential_client, response.json()["refresh_token"], scope="read")
    assert narrower.status_code == 400  # openid was the whole grant: read was never granted


def test_no_id_token_without_openid(openid_connect, flow, confidential_client):
    """An OAuth request stays one: no ID token unless openid is asked for (Core §3.1.2.1),
    and never for a client not allowed openid."""
    assert "id_token" not in tokens(flow, confidential_client, scope="read")
    default = tokens(flow, confidential_client, scope=None)
    assert "id_token" not in default and "openid" not in default["scope"].split()
    restricted = ApplicationFactory(allowed_scopes="read")
    response = flow.authorize(**params(restricted, scope="openid read"))
    assert query_of(response["Location"])["error"] == "invalid_scope"


def test_refresh_without_openid_gets_no_id_token(openid_connect, flow, confidential_client):
    first = tokens(flow, confidential_client, scope="openid read")
    response = refresh(flow, confidential_client, first["refresh_token"], scope="read")
    assert response.status_code == 200 and "id_token" not in response.json()


def test_an_unsupported_algorithm_fails_closed(openid_connect, flow, confidential_client):
    """at_hash under an unknown algorithm: no token at all, never one with a guessed hash."""
    type(confidential_client).objects.filter(pk=confidential_client.pk).update(algorithm="HS256")
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, scope="openid", challenge=challenge)["code"]
    response = flow.exchange(confidential_client, code, verifier=verifier)
    assert response.status_code == 500
    assert response.json()["error"] == "server_error" and "id_token" not in response.json()
    assert not get_access_token_model().objects.filter(application=confidential_client).exists()


def test_without_a_signing_key_the_token_endpoint_says_so(openid_connect, flow, confidential_client):
    signing_keys.retire(SigningKey.objects.get(), compromised=True)
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, scope="openid", challenge=challenge)["code"]
    response = flow.exchange(confidential_client, code, verifier=verifier)
    assert response.status_code == 503 and response.json()["error"] == "temporarily_unavailable"


def test_an_id_token_is_not_an_access_token(openid_connect, flow, confidential_client):
    issued = tokens(flow, confidential_client, scope="openid read")
    assert (
        flow.api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {issued['access_token']}").status_code == 200
    )
    for path in ("/api/scoped/", "/oauth/userinfo/"):
        response = flow.api.get(path, HTTP_AUTHORIZATION=f"Bearer {issued['id_token']}")
        assert response.status_code == 401, path


@pytest.mark.parametrize(
    "response_type", ["id_token", "id_token token", "code id_token", "code token", "code id_token token"]
)
def test_the_implicit_and_hybrid_flows_are_not_offered(
    openid_connect, flow, confidential_client, response_type
):
    """RFC 9700 §2.1.2: no token from the authorization endpoint, so no implicit or hybrid
    flow (docs/oidc.rst); the refusal goes back to the registered redirect URI."""
    response = flow.authorize(
        **params(confidential_client, scope="openid", response_type=response_type, nonce="n-0S6")
    )
    assert response.status_code == 302
    assert response["Location"].startswith(CALLBACK)
    error = query_of(response["Location"]) | query_of(response["Location"].replace("#", "?", 1))
    assert error["error"] == "unsupported_response_type"
    assert "code" not in error and "id_token" not in error and "access_token" not in error


# -- prompt, max_age, nonce, id_token_hint (Core §3.1.2.1) ------------------------------------


def test_prompt_none_without_a_session_is_login_required(openid_connect, confidential_client):
    response = Client().get(
        reverse("oauth_provider:authorize"), params(confidential_client, scope="openid", prompt="none")
    )
    assert query_of(response["Location"])["error"] == "login_required"


def test_prompt_none_without_consent_is_consent_required(openid_connect, flow, confidential_client):
    response = flow.authorize(**params(confidential_client, scope="openid", prompt="none"))
    assert query_of(response["Location"]) | {"iss": ""} == {
        "error": "consent_required",
        "error_description": "The resource owner has not approved this client for these scopes.",
        "state": "st",
        "iss": "",
    }


def test_prompt_none_with_other_values_is_invalid(openid_connect, flow, confidential_client):
    response = flow.authorize(**params(confidential_client, scope="openid", prompt="none login"))
    assert query_of(response["Location"])["error"] == "invalid_request"


def test_prompt_consent_asks_again(openid_connect, flow, confidential_client):
    tokens(flow, confidential_client, scope="openid")
    assert flow.authorize(**params(confidential_client, scope="openid")).status_code == 302
    assert flow.authorize(**params(confidential_client, scope="openid", prompt="consent")).status_code == 200


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "99999999999"])
def test_a_malformed_max_age_is_invalid(openid_connect, flow, confidential_client, value):
    response = flow.authorize(**params(confidential_client, scope="openid", max_age=value))
    assert query_of(response["Location"])["error"] == "invalid_request"


def test_max_age_past_asks_for_a_new_login_then_issues(openid_connect, confidential_client, owner):
    browser = Client()
    assert (
        browser.post("/accounts/login/", {"username": owner.username, "password": PASSWORD}).status_code
        == 302
    )
    session = browser.session
    session["oauth_provider_auth_time"] = time.time() - 600
    session.save()
    url = reverse("oauth_provider:authorize")
    request = params(confidential_client, scope="openid", max_age="300")
    response = browser.get(url, request)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    silent = browser.get(url, {**request, "prompt": "none"})
    assert query_of(silent["Location"])["error"] == "login_required"
    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert "max_age" not in next_url
    assert (
        browser.post("/accounts/login/", {"username": owner.username, "password": PASSWORD}).status_code
        == 302
    )
    assert browser.get(next_url).status_code == 200  # the consent page, after a fresh login


def test_a_nonce_is_accepted_once_per_client(openid_connect, flow, confidential_client):
    tokens(flow, confidential_client, scope="openid", nonce="once")
    again = flow.authorize(**params(confidential_client, scope="openid", nonce="once"))
    assert query_of(again["Location"])["error"] == "invalid_request"
    long = flow.authorize(**params(confidential_client, scope="openid", nonce="n" * 256))
    assert query_of(long["Location"])["error"] == "invalid_request"


def test_an_id_token_hint_for_another_user_is_login_required(openid_connect, flow, confidential_client):
    someone = UserFactory()
    browser = Client()
    browser.force_login(someone)
    theirs = tokens(type(flow)(browser=browser, api=Client()), confidential_client, scope="openid")[
        "id_token"
    ]
    mine = tokens(flow, confidential_client, scope="openid")["id_token"]
    assert (
        flow.authorize(**params(confidential_client, scope="openid", id_token_hint=mine)).status_code == 302
    )
    response = flow.authorize(**params(confidential_client, scope="openid", id_token_hint=theirs))
    assert query_of(response["Location"])["error"] == "login_required"


# -- consent (stored, first party) -----------------------------------------------------------


def test_a_first_party_client_signs_in_without_consent_only_for_openid(openid_connect, flow):
    first_party = ApplicationFactory(first_party=True)
    assert flow.authorize(**params(first_party, scope="openid")).status_code == 302
    assert flow.authorize(**params(first_party, scope="openid profile")).status_code == 200
    assert get_consent_model().objects.get(application=first_party).scope == "openid"


def test_openid_scopes_are_consented_to_and_listed_like_any_other(openid_connect, flow, confidential_client):
    page = flow.authorize(**params(confidential_client, scope="openid email"))
    assert b"Sign you in with your account" in page.content and b"See your email address" in page.content
    flow.consent(page)
    assert get_consent_model().objects.get(application=confidential_client).scope == "openid email"
    listing = flow.browser.get(reverse("oauth_provider:connected_apps"))
    assert b"See your email address" in listing.content


# -- userinfo (Core §5.3) --------------------------------------------------------------------


def test_userinfo_releases_claims_by_scope(openid_connect, flow, confidential_client, owner):
    owner.email, owner.first_name = "o@example.com", "Olga"
    owner.save()
    issued = tokens(flow, confidential_client, scope="openid email")
    auth = f"Bearer {issued['access_token']}"
    assert flow.api.get("/oauth/userinfo/", HTTP_AUTHORIZATION=auth).json() == {
        "sub": str(owner.pk),
        "email": "o@example.com",
    }
    posted = flow.api.post("/oauth/userinfo/", HTTP_AUTHORIZATION=auth)
    assert posted.status_code == 200 and posted.json()["sub"] == str(owner.pk)


def test_userinfo_errors_are_rfc6750_challenges(openid_connect, flow, confidential_client):
    issued = tokens(flow, confidential_client, scope="read")
    missing = flow.api.get("/oauth/userinfo/")
    assert missing.status_code == 401 and missing["WWW-Authenticate"] == 'Bearer realm="api"'
    scope = flow.api.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {issued['access_token']}")
    assert scope.status_code == 403 and 'error="insufficient_scope"' in scope["WWW-Authenticate"]
    invalid = flow.api.get("/oauth/userinfo/", HTTP_AUTHORIZATION="Bearer nope")
    assert invalid.status_code == 401 and 'error="invalid_token"' in invalid["WWW-Authenticate"]
    query = flow.api.get("/oauth/userinfo/?access_token=" + issued["access_token"])
    assert query.status_code == 400 and query.json()["error"] == "invalid_request"


def test_the_hook_supplies_claims_and_pairwise_subjects_differ_by_sector(
    openid_connect, flow, owner, settings
):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "PAIRWISE_SUBJECT_KEY": "pairwise-" + "p" * 40,
        "OIDC_CLAIMS": lambda user, scopes: {
            "email": "x@example.com",
            "email_verified": True,
            "sub": "forged",
            "phone_number": "1",
        },
    }
    one = ApplicationFactory(subject_type="pairwise", redirect_uris="https://one.example/cb")
    two = ApplicationFactory(subject_type="pairwise", redirect_uris="https://two.example/cb")
    subjects = []
    for client in (one, two):
        verifier, challenge = pkce_pair()
        code = flow.get_code(client, scope="openid email", challenge=challenge)["code"]
        issued = flow.exchange(client, code, verifier=verifier).json()
        info = flow.api.get("/oauth/userinfo/", HTTP_AUTHORIZATION=f"Bearer {issued['access_token']}").json()
        assert info["sub"] == payload(issued["id_token"])["sub"] != str(owner.pk)
        assert info == {"sub": info["sub"], "email": "x@example.com", "email_verified": True}
        subjects.append(info["sub"])
    assert subjects[0] != subjects[1]


# -- discovery and JWKS ----------------------------------------------------------------------


def test_discovery_is_the_rfc8414_document(openid_connect, client):
    discovery = client.get("/.well-known/openid-configuration").json()
    assert discovery == client.get("/.well-known/oauth-authorization-server").json()
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    assert discovery["response_types_supported"][0] == "code"
    assert discovery["subject_types_supported"] == ["public"]
    assert discovery["request_uri_parameter_supported"] is False


def test_jwks_publishes_public_keys_with_cache_headers(openid_connect, client):
    response = client.get("/oauth/jwks/")
    assert response["Cache-Control"] == "public, max-age=3600, stale-while-revalidate=3600"
    assert response["Access-Control-Allow-Origin"] == "*"
    (key,) = response.json()["keys"]
    assert key["alg"] == "RS256" and key["use"] == "sig" and "d" not in key and "p" not in key


# -- RP-initiated logout ---------------------------------------------------------------------


def logout(browser, **query):
    return browser.get(reverse("oauth_provider:end_session"), query)


def test_logout_with_a_hint_ends_the_session_and_returns_to_the_client(
    openid_connect, flow, confidential_client
):
    confidential_client.post_logout_redirect_uris = "https://client.example/bye"
    confidential_client.save()
    issued = tokens(flow, confidential_client, scope="openid read")
    response = logout(
        flow.browser,
        id_token_hint=issued["id_token"],
        post_logout_redirect_uri="https://client.example/bye",
        state="s1",
    )
    assert response.status_code == 302 and response["Location"] == "https://client.example/bye?state=s1"
    assert "_auth_user_id" not in flow.browser.session
    api = flow.api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {issued['access_token']}")
    assert api.status_code == 401  # the client's tokens for the owner were revoked
    # A second client's logout with its own (now orphaned) hint still works.
    again = logout(
        Client(), id_token_hint=issued["id_token"], post_logout_redirect_uri="https://client.example/bye"
    )
    assert again.status_code == 302


def test_logout_refuses_an_unregistered_redirect(openid_connect, flow, confidential_client):
    issued = tokens(flow, confidential_client, scope="openid")
    response = logout(
        flow.browser, id_token_hint=issued["id_token"], post_logout_redirect_uri="https://evil.example/"
    )
    assert response.status_code == 400 and "_auth_user_id" in flow.browser.session


def test_logout_without_a_hint_asks_the_owner(openid_connect, flow):
    page = logout(flow.browser)
    assert page.status_code == 200 and b"Log out" in page.content
    assert "_auth_user_id" in flow.browser.session
    confirmed = flow.browser.post(reverse("oauth_provider:end_session"), {"confirm": "yes"})
    assert confirmed.status_code == 200 and "_auth_user_id" not in flow.browser.session


@pytest.mark.parametrize("hint", ["not-a-token", "eyJhbGciOiJub25lIn0.e30.", None])
def test_logout_with_a_bad_hint_or_client_is_an_error_page(openid_connect, flow, confidential_client, hint):
    query = {"id_token_hint": hint} if hint else {"client_id": "unknown"}
    response = logout(flow.browser, **query)
    assert response.status_code == 400
    assert "_auth_user_id" in flow.browser.session
