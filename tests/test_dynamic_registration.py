"""Dynamic client registration (RFC 7591) and its management protocol (RFC 7592)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import get_access_token_model, get_application_model

from oauth_provider.core.hashing import hash_token
from oauth_provider.server.registration import create_initial_access_token
from oauth_provider.storage.models import InitialAccessToken

from .conftest import basic_auth, pkce_pair, query_of

REGISTER = "/oauth/register/"
NATIVE_APP = {
    "client_name": "Desk Agent",
    "redirect_uris": ["http://127.0.0.1:33418/callback"],
    "token_endpoint_auth_method": "none",
    "grant_types": ["authorization_code", "refresh_token"],
    "response_types": ["code"],
    "scope": "read",
}


@pytest.fixture
def open_registration(settings, db):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "DYNAMIC_REGISTRATION": "open"}


def register(data, client=None, **headers):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return (client or Client()).post(REGISTER, body, content_type="application/json", **headers)


def Applications():
    return get_application_model().objects


def test_off_by_default(db):
    assert register(NATIVE_APP).status_code == 404
    assert "registration_endpoint" not in Client().get("/.well-known/oauth-authorization-server").json()


def test_metadata_names_the_registration_endpoint_rfc8414_2(open_registration):
    body = Client().get("/.well-known/oauth-authorization-server").json()
    assert body["registration_endpoint"] == "http://testserver/oauth/register/"


def test_public_native_client_registers_rfc7591_3_2_1(open_registration):
    response = register(NATIVE_APP)
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    application = Applications().get(client_id=body["client_id"])
    assert application.registration_source == "dcr"
    assert application.client_type == "public"
    assert application.redirect_uri_list == NATIVE_APP["redirect_uris"]
    assert application.allowed_scope_list == ["read"]
    assert "client_secret" not in body
    assert body["redirect_uris"] == NATIVE_APP["redirect_uris"]
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    assert body["token_endpoint_auth_method"] == "none"
    assert body["client_name"] == "Desk Agent"
    assert body["client_id_issued_at"] > 0
    assert body["registration_client_uri"] == f"http://testserver/oauth/register/{body['client_id']}/"
    # Only a hash of the registration access token is kept.
    assert application.registration_access_token == hash_token(body["registration_access_token"])


def test_confidential_client_gets_a_hashed_secret(open_registration):
    data = {**NATIVE_APP, "token_endpoint_auth_method": "client_secret_basic"}
    data["redirect_uris"] = ["https://agent.example/callback"]
    body = register(data).json()
    application = Applications().get(client_id=body["client_id"])
    assert application.is_confidential
    assert body["client_secret_expires_at"] == 0
    assert body["client_secret"] not in application.client_secret
    # The secret works at the token endpoint (client credentials is not allowed, so: unauthorized_client).
    response = Client().post(
        "/oauth/token/",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(body["client_id"], body["client_secret"]),
    )
    assert response.json()["error"] in ("unauthorized_client", "unsupported_grant_type")


def test_registered_client_runs_the_code_flow(open_registration, owner):
    body = register(NATIVE_APP).json()
    browser = Client()
    browser.force_login(owner)
    verifier, challenge = pkce_pair()
    page = browser.get(
        "/oauth/authorize/",
        {
            "response_type": "code",
            "client_id": body["client_id"],
            "redirect_uri": NATIVE_APP["redirect_uris"][0],
            "scope": "read",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert page.status_code == 200
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    answer = browser.post(
        page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"], {**data, "allow": "1"}
    )
    code = query_of(answer["Location"])["code"]
    token = Client().post(
        "/oauth/token/",
        urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": body["client_id"],
                "redirect_uri": NATIVE_APP["redirect_uris"][0],
                "code_verifier": verifier,
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert token.status_code == 200, token.content


@pytest.mark.parametrize(
    "uri",
    [
        "http://agent.example/callback",  # plain http off loopback
        "https://agent.example/callback#frag",
        "https://*.agent.example/callback",
        "https://user@agent.example/callback",
        "javascript:alert(1)",
        "relative/callback",
    ],
)
def test_disallowed_redirect_uri_rfc7591_3_2_2(open_registration, uri):
    response = register({**NATIVE_APP, "redirect_uris": [uri]})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"
    assert response.json()["error_description"]
    assert not Applications().exists()


def test_loopback_redirect_uris_for_native_apps_rfc8252_7_3(open_registration):
    for uri in ("http://127.0.0.1/cb", "http://[::1]:8080/cb"):
        assert register({**NATIVE_APP, "redirect_uris": [uri]}).status_code == 201


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"grant_types": ["password"], "response_types": []}, "not open to registered clients"),
        ({"grant_types": ["client_credentials"], "response_types": []}, "not open"),
        ({"grant_types": ["implicit"], "response_types": ["token"]}, "not open"),
        ({"scope": "read admin"}, "'admin'"),
        ({"response_types": ["token"]}, "do not match"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "token_endpoint_auth_method"),
        ({"redirect_uris": "http://127.0.0.1/cb"}, "array of strings"),
        ({"client_uri": "javascript:alert(1)"}, "https URL"),
        ({"logo_uri": "http://agent.example/logo.png"}, "https URL"),
        ({"grant_types": ["refresh_token"], "response_types": []}, "refresh_token"),
    ],
)
def test_disallowed_metadata_rfc7591_3_2_2(open_registration, change, message):
    response = register({**NATIVE_APP, **change})
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_client_metadata"
    assert message in response.json()["error_description"]
    assert not Applications().exists()


def test_registration_scopes_narrow_what_may_be_asked(open_registration, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "REGISTRATION_SCOPES": ["bookings:read"]}
    assert register(NATIVE_APP).json()["error"] == "invalid_client_metadata"
    body = register({**NATIVE_APP, "scope": None}).json()
    assert Applications().get(client_id=body["client_id"]).allowed_scope_list == ["bookings:read"]


def test_confidential_clients_can_be_refused(open_registration, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "REGISTRATION_CONFIDENTIAL_CLIENTS": False}
    response = register({**NATIVE_APP, "token_endpoint_auth_method": "client_secret_post"})
    assert response.json()["error"] == "invalid_client_metadata"
    # RFC 7591 §2's default, client_secret_basic, is replaced by "none" (§3.2.1), and said so.
    data = {key: value for key, value in NATIVE_APP.items() if key != "token_endpoint_auth_method"}
    body = register(data).json()
    assert body["token_endpoint_auth_method"] == "none"
    assert Applications().get(client_id=body["client_id"]).client_type == "public"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[]", "application/json"),
        ("a=b", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_requests(open_registration, body, content_type):
    response = Client().post(REGISTER, body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


def test_software_statement_is_refused(open_registration):
    response = register({**NATIVE_APP, "software_statement": "eyJ..."})
    assert response.json()["error"] == "invalid_software_statement"


def test_get_is_not_allowed(open_registration):
    response = Client().get(REGISTER)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_per_ip_rate_limit(open_registration, settings, redis_cache):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "DYNAMIC_REGISTRATION": "open",
        "RATE_LIMITS": {"register": "2/hour"},
    }
    assert register(NATIVE_APP).status_code == 201
    assert register(NATIVE_APP).status_code == 201
    limited = register(NATIVE_APP)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert Applications().count() == 2
    # Another address is not limited.
    assert register(NATIVE_APP, REMOTE_ADDR="10.1.2.3").status_code == 201


# -- initial access tokens ----------------------------------------------------------


@pytest.fixture
def protected_registration(settings, db):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "DYNAMIC_REGISTRATION": "initial_access_token"}


def test_initial_access_token_required_rfc7591_3(protected_registration):
    missing = register(NATIVE_APP)
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    wrong = register(NATIVE_APP, HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_token"
    assert not Applications().exists()


def test_initial_access_token_is_spent(protected_registration):
    _, token = create_initial_access_token(uses=1)
    assert register(NATIVE_APP, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 201
    assert register(NATIVE_APP, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert Applications().count() == 1


def test_refused_registration_does_not_spend_the_token(protected_registration):
    _, token = create_initial_access_token(uses=1)
    bad = register(
        {**NATIVE_APP, "redirect_uris": ["http://evil.example/"]}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert bad.json()["error"] == "invalid_redirect_uri"
    assert InitialAccessToken.objects.get().remaining_uses == 1


def test_expired_or_revoked_initial_access_token(protected_registration):
    from django.utils import timezone

    row, token = create_initial_access_token(uses=None)
    row.revoked = timezone.now()
    row.save()
    assert register(NATIVE_APP, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_command_issues_an_initial_access_token(protected_registration):
    out = StringIO()
    call_command(
        "oauth_provider_create_initial_access_token",
        "--description",
        "partner onboarding",
        "--uses",
        "2",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["remaining_uses"] == 2
    row = InitialAccessToken.objects.get()
    assert row.token_checksum == hash_token(data["initial_access_token"])
    assert row.description == "partner onboarding"
    assert (
        register(NATIVE_APP, HTTP_AUTHORIZATION=f"Bearer {data['initial_access_token']}").status_code == 201
    )


# -- RFC 7592 management -------------------------------------------------------------


def manage(method, body, token, data=None):
    client = Client()
    url = body["registration_client_uri"].removeprefix("http://testserver")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if data is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, json.dumps(data), content_type="application/json", **headers)


def test_read_registration_rfc7592_2_1(open_registration):
    body = register(NATIVE_APP).json()
    response = manage("get", body, body["registration_access_token"])
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert answer["client_id"] == body["client_id"]
    assert answer["redirect_uris"] == NATIVE_APP["redirect_uris"]
    assert answer["registration_client_uri"] == body["registration_client_uri"]
    # RFC 7592 §3: a registration access token in every answer; only a hash is kept, so a new
    # one, and the old one stops working (§2.1).
    assert answer["registration_access_token"] != body["registration_access_token"]
    assert manage("get", body, body["registration_access_token"]).status_code == 401
    assert manage("get", body, answer["registration_access_token"]).status_code == 200
    assert manage("get", body, "wrong").status_code == 401


def test_update_registration_rfc7592_2_2(open_registration):
    body = register(NATIVE_APP).json()
    token = body["registration_access_token"]
    new = {**NATIVE_APP, "client_id": body["client_id"], "redirect_uris": ["http://127.0.0.1:9/cb"]}
    response = manage("put", body, token, new)
    assert response.status_code == 200, response.content
    assert Applications().get().redirect_uri_list == ["http://127.0.0.1:9/cb"]
    token = response.json()["registration_access_token"]
    bad = manage("put", body, token, {**new, "redirect_uris": ["http://evil.example/"]})
    assert bad.json()["error"] == "invalid_redirect_uri"
    assert Applications().get().redirect_uri_list == ["http://127.0.0.1:9/cb"]
    other = manage("put", body, token, {**new, "client_id": "someone-else"})
    assert other.json()["error"] == "invalid_client_metadata"


def test_delete_registration_rfc7592_2_3(open_registration, owner):
    body = register(NATIVE_APP).json()
    response = manage("delete", body, body["registration_access_token"])
    assert response.status_code == 204
    assert not Applications().exists()
    assert manage("get", body, body["registration_access_token"]).status_code == 401


def test_another_clients_registration_token_is_refused(open_registration):
    first = register(NATIVE_APP).json()
    second = register(NATIVE_APP).json()
    assert manage("get", first, second["registration_access_token"]).status_code == 401
    assert manage("delete", first, second["registration_access_token"]).status_code == 401
    assert Applications().count() == 2


def test_admin_lists_registration_source_and_disables_in_bulk(open_registration, admin_client):
    for _ in range(2):
        register(NATIVE_APP)
    listing = admin_client.get("/admin/oauth_provider/application/?registration_source__exact=dcr")
    assert listing.status_code == 200
    assert b"Dynamic Client Registration" in listing.content  # the filter
    assert listing.content.count(b"Public (dcr)") == 2  # the client type column
    assert listing.context["cl"].result_count == 2
    ids = list(Applications().values_list("pk", flat=True))
    admin_client.post(
        "/admin/oauth_provider/application/",
        {"action": "disable", "_selected_action": ids},
    )
    assert not Applications().filter(is_active=True).exists()
    assert not get_access_token_model().objects.exists()


def test_the_admin_issues_an_initial_access_token_shown_once(protected_registration, admin_client):
    add = "/admin/oauth_provider/initialaccesstoken/add/"
    form = admin_client.get(add)
    assert form.status_code == 200
    assert {"description", "expires_in", "uses"} <= set(form.context["adminform"].form.fields)
    added = admin_client.post(add, {"description": "partner onboarding", "expires_in": "3600", "uses": "2"})
    assert added.status_code == 302, added.content
    page = admin_client.get(added["Location"])
    assert "no-store" in page["Cache-Control"]
    [(row, token)] = page.context["secrets"]
    assert page.content.decode().count(token) == 1
    stored = InitialAccessToken.objects.get()
    assert stored.pk == row.pk and stored.description == "partner onboarding"
    assert stored.token_checksum == hash_token(token) and stored.remaining_uses == 2
    assert timedelta(minutes=59) < stored.expires - stored.created <= timedelta(hours=1)
    reloaded = admin_client.get(added["Location"])
    assert token not in reloaded.content.decode() and reloaded.context["secrets"] == []
    assert register(NATIVE_APP, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 201
    assert InitialAccessToken.objects.get().remaining_uses == 1


def test_the_admin_refuses_negative_lifetimes_and_uses(protected_registration, admin_client):
    add = "/admin/oauth_provider/initialaccesstoken/add/"
    refused = admin_client.post(add, {"description": "", "expires_in": "-1", "uses": "-2"})
    assert refused.status_code == 200
    assert set(refused.context["adminform"].form.errors) == {"expires_in", "uses"}
    assert not InitialAccessToken.objects.exists()
