"""Pushed authorization requests (RFC 9126): the PAR endpoint (§2), the authorization
request by ``request_uri`` (§4), single use and expiry, clients that must push (§5, §6),
and the metadata (§5)."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_grant_model

from oauth_provider.core.hashing import hash_token
from oauth_provider.storage.models import PushedAuthorizationRequest

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair, query_of
from .factories import ApplicationFactory, PublicApplicationFactory

PREFIX = "urn:ietf:params:oauth:request_uri:"


@pytest.fixture
def par(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "PUSHED_AUTHORIZATION_REQUESTS": True}
    return settings


@pytest.fixture
def web(db):
    return ApplicationFactory(redirect_uris="https://client.example/callback https://client.example/other")


def push(application, **params):
    headers = {}
    if application.client_type == "confidential":
        headers["HTTP_AUTHORIZATION"] = basic_auth(application.client_id, CLIENT_SECRET)
    else:
        params.setdefault("client_id", application.client_id)
    return Client().post(
        reverse("oauth_provider:pushed_authorization_request"),
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


def request_params(application, **overrides):
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "redirect_uri": application.redirect_uri_list[0],
        "scope": "read",
        "state": "pushed-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return verifier, params


def authorize(flow, application, request_uri, **extra):
    return flow.authorize(client_id=application.client_id, request_uri=request_uri, **extra)


def pushed(application, **overrides):
    verifier, params = request_params(application, **overrides)
    response = push(application, **params)
    assert response.status_code == 201, response.content
    return verifier, response.json()["request_uri"]


def assert_error_page(response, error: str):
    assert response.status_code == 400
    assert "Location" not in response
    assert response.context["error"] == error


# -- off by default, metadata ------------------------------------------------------------------


def test_off_by_default(web):
    document = Client().get("/.well-known/oauth-authorization-server").json()
    assert "pushed_authorization_request_endpoint" not in document
    assert push(web, **request_params(web)[1]).status_code == 404


def test_metadata_5(par, web):
    document = Client().get("/.well-known/oauth-authorization-server").json()
    assert document["pushed_authorization_request_endpoint"] == "http://testserver/oauth/par/"
    assert document["require_pushed_authorization_requests"] is False
    par.OAUTH_PROVIDER = {**par.OAUTH_PROVIDER, "REQUIRE_PUSHED_AUTHORIZATION_REQUESTS": True}
    assert (
        Client()
        .get("/.well-known/oauth-authorization-server")
        .json()["require_pushed_authorization_requests"]
    )


# -- the PAR endpoint (§2) ---------------------------------------------------------------------------


def test_push_answers_201_with_a_request_uri_2_2(par, web):
    response = push(web, **request_params(web)[1])
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"request_uri", "expires_in"}
    assert body["request_uri"].startswith(PREFIX) and len(body["request_uri"]) > len(PREFIX) + 40
    assert body["expires_in"] == 300
    row = PushedAuthorizationRequest.objects.get()
    assert row.reference == hash_token(body["request_uri"]) and body["request_uri"] not in row.parameters
    assert CLIENT_SECRET not in row.parameters


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"redirect_uri": "https://evil.example/callback"}, 400, "invalid_request"),
        ({"scope": "admin"}, 400, "invalid_scope"),
        ({"response_type": "token"}, 400, "unauthorized_client"),
        ({"request_uri": PREFIX + "x"}, 400, "invalid_request"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, 400, "invalid_request"),
        ({"code_challenge_method": "plain"}, 400, "invalid_request"),
    ],
    ids=[
        "unregistered-redirect-uri",
        "unknown-scope",
        "grant-not-registered",
        "request-uri",
        "request-object",
        "plain",
    ],
)
def test_push_validates_like_the_authorization_endpoint(par, web, overrides, status, error):
    response = push(web, **request_params(web, **overrides)[1])
    assert response.status_code == status, response.content
    body = json.loads(response.content)
    assert body["error"] == error and body["error_description"]
    assert "Location" not in response
    assert not PushedAuthorizationRequest.objects.exists()


def test_a_public_client_must_send_pkce(par, db):
    app = PublicApplicationFactory()
    _, params = request_params(app)
    del params["code_challenge"], params["code_challenge_method"]
    response = push(app, **params)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_client_authentication_is_required_2_1(par, web):
    _, params = request_params(web)
    response = Client().post(
        reverse("oauth_provider:pushed_authorization_request"),
        urlencode({**params, "client_id": web.client_id}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    response = Client().post(
        reverse("oauth_provider:pushed_authorization_request"),
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(web.client_id, "wrong-" + "x" * 40),
    )
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")


def test_get_is_refused(par, web):
    response = Client().get(reverse("oauth_provider:pushed_authorization_request"))
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


# -- the authorization request by reference (§4) ----------------------------------------------------


def test_the_whole_flow_by_request_uri(par, flow, web):
    verifier, request_uri = pushed(web)
    page = authorize(flow, web, request_uri)
    assert page.status_code == 200
    assert [scope["name"] for scope in page.context["scopes"]] == ["read"]
    done = flow.consent(page)
    assert done.status_code == 302
    assert done["Location"].startswith("https://client.example/callback?")
    answer = query_of(done["Location"])
    assert answer["state"] == "pushed-state"
    tokens = flow.exchange(web, answer["code"], verifier=verifier)
    assert tokens.status_code == 200, tokens.content


def test_a_request_uri_is_used_once_4(par, flow, web):
    _, request_uri = pushed(web)
    flow.consent(authorize(flow, web, request_uri))
    assert_error_page(authorize(flow, web, request_uri), "invalid_request_uri")
    assert get_grant_model().objects.count() == 1


def test_reloading_before_deciding_is_allowed_4(par, flow, web):
    _, request_uri = pushed(web)
    authorize(flow, web, request_uri)
    page = authorize(flow, web, request_uri)
    assert page.status_code == 200
    assert flow.consent(page).status_code == 302


def test_an_expired_request_uri_is_refused(par, flow, web):
    _, request_uri = pushed(web)
    PushedAuthorizationRequest.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert_error_page(authorize(flow, web, request_uri), "invalid_request_uri")


def test_another_clients_request_uri_is_refused(par, flow, web):
    _, request_uri = pushed(web)
    other = ApplicationFactory()
    assert_error_page(authorize(flow, other, request_uri), "invalid_request_uri")
    assert_error_page(flow.authorize(request_uri=request_uri), "invalid_request_uri")


def test_other_query_parameters_are_ignored_4(par, flow, web):
    _, request_uri = pushed(web)
    page = authorize(
        flow,
        web,
        request_uri,
        redirect_uri="https://client.example/other",
        scope="read write",
        state="forged",
    )
    assert [scope["name"] for scope in page.context["scopes"]] == ["read"]
    done = flow.consent(page)
    assert done["Location"].startswith("https://client.example/callback?")
    assert query_of(done["Location"])["state"] == "pushed-state"


def test_a_tampered_consent_form_cannot_change_the_pushed_request(par, flow, web):
    _, request_uri = pushed(web)
    page = authorize(flow, web, request_uri)
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        redirect_uri="https://client.example/other",
        scope="read write",
        approved_scopes=["read", "write"],
        state="forged",
        allow="Authorize",
    )
    done = flow.browser.post(page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"], data)
    assert done["Location"].startswith("https://client.example/callback?")
    assert query_of(done["Location"])["state"] == "pushed-state"
    assert get_grant_model().objects.get().scope == "read"


def test_denying_spends_the_request_uri(par, flow, web):
    _, request_uri = pushed(web)
    done = flow.consent(authorize(flow, web, request_uri), allow=False)
    assert query_of(done["Location"])["error"] == "access_denied"
    assert_error_page(authorize(flow, web, request_uri), "invalid_request_uri")


def test_an_anonymous_owner_logs_in_and_comes_back_by_reference(par, web):
    _, request_uri = pushed(web)
    response = Client().get(
        reverse("oauth_provider:authorize")
        + "?"
        + urlencode({"client_id": web.client_id, "request_uri": request_uri})
    )
    assert response.status_code == 302
    assert "code_challenge" not in response["Location"] and "request_uri" in response["Location"]


# -- clients that must push (§5, §6) ------------------------------------------------------------------


def test_a_client_that_must_push_is_refused_a_plain_request(par, flow, db):
    app = ApplicationFactory(require_pushed_authorization_requests=True)
    _, params = request_params(app)
    assert_error_page(flow.authorize(client_id=app.client_id, **params), "invalid_request")
    verifier, request_uri = pushed(app)
    assert authorize(flow, app, request_uri).status_code == 200


def test_the_site_can_require_it_of_every_client(par, flow, web):
    par.OAUTH_PROVIDER = {**par.OAUTH_PROVIDER, "REQUIRE_PUSHED_AUTHORIZATION_REQUESTS": True}
    _, params = request_params(web)
    assert_error_page(flow.authorize(client_id=web.client_id, **params), "invalid_request")


def test_the_clients_flag_does_nothing_while_par_is_off(flow, db):
    app = ApplicationFactory(require_pushed_authorization_requests=True)
    _, params = request_params(app)
    assert flow.authorize(client_id=app.client_id, **params).status_code == 200


# -- a third-party client --------------------------------------------------------------------------


def test_authlib_pushes_and_completes_the_code_flow(live_server, settings, transactional_db):
    """Authlib's OAuth2Session builds the request and authenticates the push; the browser
    goes to the authorization endpoint with the request_uri only."""
    import requests
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.integrations.requests_client.oauth2_session import OAuth2ClientAuth

    from .factories import UserFactory
    from .test_openid_connect_client import logged_in_browser

    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "PUSHED_AUTHORIZATION_REQUESTS": True}
    base = live_server.url
    app = ApplicationFactory(require_pushed_authorization_requests=True)
    owner = UserFactory()
    meta = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=10).json()
    session = OAuth2Session(
        app.client_id,
        CLIENT_SECRET,
        scope="read",
        redirect_uri=app.redirect_uri_list[0],
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = "v" * 64
    url, state = session.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    params = dict(item.split("=", 1) for item in url.split("?", 1)[1].split("&"))
    from urllib.parse import unquote_plus

    params = {key: unquote_plus(value) for key, value in params.items()}
    del params["client_id"]
    auth = OAuth2ClientAuth(app.client_id, CLIENT_SECRET, "client_secret_basic")
    pushed_answer = requests.post(
        meta["pushed_authorization_request_endpoint"], data=params, auth=auth, timeout=10
    )
    assert pushed_answer.status_code == 201, pushed_answer.text
    browser = logged_in_browser(base, owner.username)
    authorize_url = (
        meta["authorization_endpoint"]
        + "?"
        + urlencode({"client_id": app.client_id, "request_uri": pushed_answer.json()["request_uri"]})
    )
    page = browser.get(authorize_url, timeout=10)
    assert page.status_code == 200
    import re

    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    decision = {**hidden, "approved_scopes": "read", "allow": "Authorize"}
    done = browser.post(
        authorize_url, data=decision, headers={"Referer": authorize_url}, allow_redirects=False
    )
    location = done.headers["Location"]
    token = session.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert token["scope"] == "read" and query_of(location)["state"] == state
