"""Resource indicators (RFC 8707): ``resource`` on the authorization and token requests,
the token's audience in introspection, and resource servers refusing other audiences."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from oauth_provider.core.resources import protected_resource_metadata_url, resource_uri_problem
from oauth_provider.resource import validate_access_token

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair, query_of
from .factories import ApplicationFactory

MCP = "https://api.example/mcp"
REPORTS = "https://reports.example/"
ELSEWHERE = "https://evil.example/"


@pytest.fixture(autouse=True)
def resources(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCES": [MCP, REPORTS]}


def authorize(flow, client, resources, challenge, scope="read", **extra):
    params = [
        ("response_type", "code"),
        ("client_id", client.client_id),
        ("redirect_uri", client.redirect_uri_list[0]),
        ("scope", scope),
        ("state", "st4te"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
        *[("resource", resource) for resource in resources],
        *extra.items(),
    ]
    return flow.browser.get(reverse("oauth_provider:authorize") + "?" + urlencode(params))


def code_for(flow, client, resources, scope="read"):
    verifier, challenge = pkce_pair()
    page = authorize(flow, client, resources, challenge, scope, nonce="n0nce")
    assert page.status_code == 200, page.content
    answer = flow.consent(page)
    assert answer.status_code == 302
    return query_of(answer["Location"])["code"], verifier


def exchange(flow, client, code, verifier, resources=()):
    data = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", client.redirect_uri_list[0]),
        ("code_verifier", verifier),
        *[("resource", resource) for resource in resources],
    ]
    return flow.api.post(
        reverse("oauth_provider:token"),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )


def test_resource_is_recorded_on_code_and_token_2(flow, confidential_client):
    code, verifier = code_for(flow, confidential_client, [MCP])
    assert get_grant_model().objects.get().resource == MCP
    response = exchange(flow, confidential_client, code, verifier)
    assert response.status_code == 200, response.content
    token = get_access_token_model().objects.get()
    assert token.resource == MCP
    assert get_refresh_token_model().objects.get().resource == MCP


def test_resource_with_openid_connect(flow, confidential_client, openid_connect):
    """The OpenID Connect code flow (its own oauthlib grant) checks and records resources too."""
    code, verifier = code_for(flow, confidential_client, [MCP], scope="openid read")
    response = exchange(flow, confidential_client, code, verifier)
    assert response.status_code == 200, response.content
    assert "id_token" in response.json()
    assert get_access_token_model().objects.get().resource == MCP
    _, challenge = pkce_pair()
    page = authorize(flow, confidential_client, [ELSEWHERE], challenge, "openid read", nonce="other")
    assert query_of(page["Location"])["error"] == "invalid_target"


def test_consent_page_names_the_resources(flow, confidential_client):
    _, challenge = pkce_pair()
    page = authorize(flow, confidential_client, [MCP, REPORTS], challenge)
    assert page.context["resources"] == [MCP, REPORTS]
    assert b"oauth-consent-resources" in page.content


def test_several_resources_and_a_narrower_token_2_2(flow, confidential_client):
    code, verifier = code_for(flow, confidential_client, [MCP, REPORTS])
    response = exchange(flow, confidential_client, code, verifier, [REPORTS])
    assert response.status_code == 200, response.content
    assert get_access_token_model().objects.get().resource == REPORTS
    introspected = flow.post(
        "introspect",
        {"token": response.json()["access_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    ).json()
    assert introspected["aud"] == REPORTS


def test_introspection_returns_every_audience_rfc7662_2_2(flow, confidential_client):
    code, verifier = code_for(flow, confidential_client, [MCP, REPORTS])
    token = exchange(flow, confidential_client, code, verifier).json()["access_token"]
    body = flow.post(
        "introspect",
        {"token": token},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    ).json()
    assert body["aud"] == [MCP, REPORTS]


def test_token_without_resource_has_no_audience(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    body = flow.post(
        "introspect",
        {"token": tokens["access_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    ).json()
    assert "aud" not in body


@pytest.mark.parametrize(
    "resource",
    [ELSEWHERE, "https://api.example/mcp#fragment", "/relative", "not a uri", "https://api.example/mcp/"],
)
def test_unknown_or_malformed_resource_is_invalid_target_2(flow, confidential_client, resource):
    _, challenge = pkce_pair()
    page = authorize(flow, confidential_client, [resource], challenge)
    assert page.status_code == 302
    answer = query_of(page["Location"])
    assert page["Location"].startswith(confidential_client.redirect_uri_list[0])
    assert answer["error"] == "invalid_target"
    assert answer["state"] == "st4te"
    assert answer["error_description"]
    assert not get_grant_model().objects.exists()


def test_resource_the_client_may_not_use_is_invalid_target(flow):
    client = ApplicationFactory(allowed_resources=REPORTS)
    _, challenge = pkce_pair()
    answer = query_of(authorize(flow, client, [MCP], challenge)["Location"])
    assert answer["error"] == "invalid_target"
    code, verifier = code_for(flow, client, [REPORTS])
    assert exchange(flow, client, code, verifier).status_code == 200


def test_unknown_client_with_resource_never_redirects(flow):
    page = flow.browser.get(
        reverse("oauth_provider:authorize")
        + "?"
        + urlencode({"response_type": "code", "client_id": "nobody", "resource": ELSEWHERE})
    )
    assert page.status_code == 400
    assert "Location" not in page


def test_token_request_cannot_widen_the_resources_2_2(flow, confidential_client):
    code, verifier = code_for(flow, confidential_client, [MCP])
    response = exchange(flow, confidential_client, code, verifier, [REPORTS])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_target"
    assert not get_access_token_model().objects.exists()


def refresh(flow, client, refresh_token, resources=()):
    data = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)]
    data += [("resource", resource) for resource in resources]
    return flow.api.post(
        reverse("oauth_provider:token"),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )


def test_refresh_may_narrow_never_widen_2_2(flow, confidential_client):
    code, verifier = code_for(flow, confidential_client, [MCP])
    tokens = exchange(flow, confidential_client, code, verifier).json()
    widened = refresh(flow, confidential_client, tokens["refresh_token"], [REPORTS])
    assert widened.status_code == 400
    assert widened.json()["error"] == "invalid_target"
    narrowed = refresh(flow, confidential_client, tokens["refresh_token"], [MCP])
    assert narrowed.status_code == 200, narrowed.content
    again = refresh(flow, confidential_client, narrowed.json()["refresh_token"])
    assert again.status_code == 200
    newest = get_access_token_model().objects.order_by("-pk").first()
    assert newest.resource == MCP


def test_refresh_downscoping_from_several_resources(flow, confidential_client):
    code, verifier = code_for(flow, confidential_client, [MCP, REPORTS])
    tokens = exchange(flow, confidential_client, code, verifier).json()
    narrowed = refresh(flow, confidential_client, tokens["refresh_token"], [REPORTS])
    assert narrowed.status_code == 200
    assert get_access_token_model().objects.order_by("-pk").first().resource == REPORTS
    # The family keeps the whole grant: a later refresh may name the other one.
    other = refresh(flow, confidential_client, narrowed.json()["refresh_token"], [MCP])
    assert other.status_code == 200
    assert get_access_token_model().objects.order_by("-pk").first().resource == MCP


def test_client_credentials_with_resource(flow, settings):
    client = ApplicationFactory(grant_types="client_credentials")
    data = urlencode([("grant_type", "client_credentials"), ("scope", "read"), ("resource", MCP)])
    ok = flow.api.post(
        reverse("oauth_provider:token"),
        data,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )
    assert ok.status_code == 200
    assert get_access_token_model().objects.get().resource == MCP
    bad = flow.api.post(
        reverse("oauth_provider:token"),
        urlencode([("grant_type", "client_credentials"), ("resource", ELSEWHERE)]),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_target"
    assert get_access_token_model().objects.count() == 1


def test_resource_off_by_default(flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCES": []}
    _, challenge = pkce_pair()
    answer = query_of(authorize(flow, confidential_client, [MCP], challenge)["Location"])
    assert answer["error"] == "invalid_target"


# -- the resource server side -------------------------------------------------------


def test_validate_access_token_checks_the_audience(flow, confidential_client):
    code, verifier = code_for(flow, confidential_client, [MCP])
    token = exchange(flow, confidential_client, code, verifier).json()["access_token"]
    assert validate_access_token(token, audience=MCP).audience == frozenset([MCP])
    from oauth_provider.core.errors import InvalidToken

    with pytest.raises(InvalidToken, match="another resource"):
        validate_access_token(token, audience=REPORTS)
    assert validate_access_token(token, audience=None).client_id == confidential_client.client_id


def test_token_without_audience_is_refused_where_one_is_required(flow, confidential_client):
    from oauth_provider.core.errors import InvalidToken

    token = flow.tokens_for(confidential_client)["access_token"]
    with pytest.raises(InvalidToken, match="names no resource"):
        validate_access_token(token, audience=MCP)


def test_resource_server_refuses_a_token_for_another_resource(flow, confidential_client, settings):
    code, verifier = code_for(flow, confidential_client, [REPORTS])
    token = exchange(flow, confidential_client, code, verifier).json()["access_token"]
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCE_SERVER_AUDIENCE": MCP}
    for url in ("/api/scoped/", "/plain/function/"):
        response = flow.api.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401, url
        challenge = response["WWW-Authenticate"]
        assert 'error="invalid_token"' in challenge
        assert f'resource_metadata="{protected_resource_metadata_url(MCP)}"' in challenge


def test_resource_server_accepts_its_own_audience(flow, confidential_client, settings):
    code, verifier = code_for(flow, confidential_client, [MCP])
    token = exchange(flow, confidential_client, code, verifier).json()["access_token"]
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCE_SERVER_AUDIENCE": MCP}
    assert flow.api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_401_without_a_token_names_the_resource_metadata_rfc9728_5_1(flow, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCE_SERVER_AUDIENCE": MCP}
    for url in ("/api/scoped/", "/plain/function/", "/plain/class/"):
        response = flow.api.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == (
            'Bearer realm="api", resource_metadata="https://api.example/.well-known/oauth-protected-resource/mcp"'
        )


def test_no_resource_metadata_without_an_audience(flow):
    response = flow.api.get("/api/scoped/")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://api.example/mcp", True),
        ("urn:example:resource", False),  # no authority: not a network resource here
        ("https://api.example/mcp#x", False),
        ("mcp", False),
        ("https://[::1", False),
        ("https://api.example:99999/", False),
    ],
)
def test_resource_uri_rules_rfc8707_2(value, ok):
    assert (resource_uri_problem(value) is None) is ok


@pytest.mark.parametrize(
    ("resource", "url"),
    [
        ("https://api.example/mcp", "https://api.example/.well-known/oauth-protected-resource/mcp"),
        ("https://api.example/", "https://api.example/.well-known/oauth-protected-resource"),
        ("https://api.example", "https://api.example/.well-known/oauth-protected-resource"),
        ("http://127.0.0.1:8000/a/b/", "http://127.0.0.1:8000/.well-known/oauth-protected-resource/a/b"),
    ],
)
def test_metadata_url_rfc9728_3_1(resource, url):
    assert protected_resource_metadata_url(resource) == url
