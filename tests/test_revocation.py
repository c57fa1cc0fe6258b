"""Token revocation (RFC 7009): immediate, client-bound, and whole-family."""

from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory


def revoke(flow, client, token, **extra):
    return flow.post(
        "revoke", {"token": token, **extra}, HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET)
    )


def test_revoking_an_access_token_revokes_its_refresh_token_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    response = revoke(flow, confidential_client, tokens["access_token"], token_type_hint="access_token")
    assert response.status_code == 200
    assert not get_access_token_model().objects.exists()
    assert get_refresh_token_model().objects.get().revoked is not None


def test_revoking_a_refresh_token_revokes_the_access_token_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    assert (
        revoke(
            flow, confidential_client, tokens["refresh_token"], token_type_hint="refresh_token"
        ).status_code
        == 200
    )
    assert not get_access_token_model().objects.exists()


def test_wrong_hint_still_finds_the_token_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    assert (
        revoke(flow, confidential_client, tokens["refresh_token"], token_type_hint="access_token").status_code
        == 200
    )
    assert not get_access_token_model().objects.exists()


def test_another_clients_token_is_not_touched_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    other = ApplicationFactory()
    response = revoke(flow, other, tokens["access_token"])
    # RFC 7009 §2.2: 200 whether or not the token was found.
    assert response.status_code == 200
    assert get_access_token_model().objects.count() == 1
    assert get_refresh_token_model().objects.get().revoked is None


def test_unknown_token_is_200_2_2(flow, confidential_client):
    assert revoke(flow, confidential_client, "no-such-token").status_code == 200


def test_revocation_needs_client_authentication_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    response = flow.post("revoke", {"token": tokens["access_token"]})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")
    assert get_access_token_model().objects.count() == 1


def test_unknown_hint_is_ignored_2_1(flow, confidential_client):
    """RFC 7009 §2.1: the server MAY ignore the hint and must search all token types."""
    tokens = flow.tokens_for(confidential_client)
    response = revoke(flow, confidential_client, tokens["access_token"], token_type_hint="id_token")
    assert response.status_code == 200
    assert not get_access_token_model().objects.exists()


def test_public_client_revokes_with_its_client_id(flow, public_client):
    tokens = flow.tokens_for(public_client)
    response = flow.post("revoke", {"token": tokens["refresh_token"], "client_id": public_client.client_id})
    assert response.status_code == 200
    assert not get_access_token_model().objects.exists()
