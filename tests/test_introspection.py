"""Token introspection (RFC 7662)."""

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory


def introspect(flow, client, token, **extra):
    return flow.post(
        "introspect",
        {"token": token, **extra},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )


def test_active_access_token_2_2(flow, owner, confidential_client):
    tokens = flow.tokens_for(confidential_client, scope="read")
    response = introspect(flow, confidential_client, tokens["access_token"])
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["active"] is True
    assert body["scope"] == "read"
    assert body["client_id"] == confidential_client.client_id
    assert body["username"] == owner.username
    assert body["token_type"] == "Bearer"
    assert body["iss"] == "http://testserver"
    assert body["exp"] > body["iat"]


def test_refresh_token_2_2(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    body = introspect(
        flow, confidential_client, tokens["refresh_token"], token_type_hint="refresh_token"
    ).json()
    assert body["active"] is True


def test_unknown_token_is_inactive_2_2(flow, confidential_client):
    assert introspect(flow, confidential_client, "nope").json() == {"active": False}


def test_other_clients_tokens_are_inactive_unless_allowed(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    other = ApplicationFactory()
    assert introspect(flow, other, tokens["access_token"]).json() == {"active": False}
    resource_server = ApplicationFactory(can_introspect_any_token=True)
    assert introspect(flow, resource_server, tokens["access_token"]).json()["active"] is True


def test_introspection_requires_client_authentication_2_1(flow, confidential_client, public_client):
    tokens = flow.tokens_for(confidential_client)
    anonymous = flow.post("introspect", {"token": tokens["access_token"]})
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_client"
    wrong = flow.post(
        "introspect",
        {"token": tokens["access_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, "x"),
    )
    assert wrong.status_code == 401
    public = flow.post("introspect", {"token": tokens["access_token"], "client_id": public_client.client_id})
    assert public.status_code == 401


def test_missing_token_is_invalid_request(flow, confidential_client):
    response = flow.post(
        "introspect", {}, HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_revoked_token_is_inactive(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    flow.post(
        "revoke",
        {"token": tokens["access_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert introspect(flow, confidential_client, tokens["access_token"]).json() == {"active": False}
    assert introspect(flow, confidential_client, tokens["refresh_token"]).json() == {"active": False}


def test_refresh_tokens_are_not_reported_as_bearer_tokens(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    body = introspect(flow, confidential_client, tokens["refresh_token"]).json()
    assert body["active"] is True
    assert body["token_type"] == "refresh_token"


def test_tokens_of_a_disabled_owner_are_inactive(flow, owner, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    owner.is_active = False
    owner.save()
    assert introspect(flow, confidential_client, tokens["access_token"]).json() == {"active": False}
    assert introspect(flow, confidential_client, tokens["refresh_token"]).json() == {"active": False}
