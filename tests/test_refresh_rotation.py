"""Refresh tokens (RFC 6749 §6) rotate on every use; reuse revokes the family (RFC 9700 §4.14.2)."""

from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from oauth_provider.core.hashing import hash_token

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory


def api_get(flow, access_token):
    return flow.api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {access_token}")


def refresh(flow, client, refresh_token, **extra):
    return flow.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )


def test_refresh_rotates_both_tokens(flow, confidential_client):
    first = flow.tokens_for(confidential_client, scope="read write")
    response = refresh(flow, confidential_client, first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == "read write"
    RefreshToken = get_refresh_token_model()
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 1


def test_refresh_ends_the_access_token_it_replaces(flow, confidential_client):
    first = flow.tokens_for(confidential_client, scope="read")
    assert api_get(flow, first["access_token"]).status_code == 200
    second = refresh(flow, confidential_client, first["refresh_token"]).json()

    refused = api_get(flow, first["access_token"])
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]
    assert api_get(flow, second["access_token"]).status_code == 200
    # The rotated refresh token keeps its link to the access token it was issued with,
    # which expired at the rotation (oauth_provider_clear_expired deletes it).
    rotated = get_refresh_token_model().objects.get(revoked__isnull=False)
    assert rotated.access_token.is_expired()
    assert rotated.access_token.expires == rotated.revoked
    assert (
        not get_access_token_model()
        .objects.get(token_checksum=hash_token(second["access_token"]))
        .is_expired()
    )


def test_reuse_of_a_rotated_refresh_token_revokes_the_family(flow, confidential_client):
    first = flow.tokens_for(confidential_client)
    second = refresh(flow, confidential_client, first["refresh_token"]).json()

    reuse = refresh(flow, confidential_client, first["refresh_token"])

    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert not get_access_token_model().objects.exists()
    assert not get_refresh_token_model().objects.filter(revoked__isnull=True).exists()
    assert refresh(flow, confidential_client, second["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_family_revoked_after_refreshes_counts_only_the_tokens_still_usable(flow, confidential_client):
    from oauth_provider.core import signals

    reused = []

    def receiver(sender, tokens_revoked, **kwargs):
        reused.append(tokens_revoked)

    signals.refresh_token_reused.connect(receiver)
    try:
        first = flow.tokens_for(confidential_client)
        second = refresh(flow, confidential_client, first["refresh_token"]).json()
        refresh(flow, confidential_client, second["refresh_token"])
        assert refresh(flow, confidential_client, first["refresh_token"]).status_code == 400
    finally:
        signals.refresh_token_reused.disconnect(receiver)
    # The third pair: its refresh token and its access token. The two access tokens the
    # refreshes ended had expired already; they are deleted too, but not counted.
    assert reused == [2]
    assert not get_access_token_model().objects.exists()


def test_narrower_scope_on_refresh_6(flow, confidential_client):
    first = flow.tokens_for(confidential_client, scope="read write")
    response = refresh(flow, confidential_client, first["refresh_token"], scope="read")
    assert response.status_code == 200
    assert response.json()["scope"] == "read"
    # The refresh token keeps what the owner granted, so a later refresh may ask for it again.
    again = refresh(flow, confidential_client, response.json()["refresh_token"], scope="read write")
    assert again.status_code == 200


def test_wider_scope_on_refresh_is_invalid_scope_6(flow, confidential_client):
    first = flow.tokens_for(confidential_client, scope="read")
    response = refresh(flow, confidential_client, first["refresh_token"], scope="read write")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_refresh_token_is_bound_to_its_client_6(flow, confidential_client):
    first = flow.tokens_for(confidential_client)
    other = ApplicationFactory()
    response = refresh(flow, other, first["refresh_token"])
    assert response.json()["error"] == "invalid_grant"
    # The rightful client can still use it.
    assert refresh(flow, confidential_client, first["refresh_token"]).status_code == 200


def test_expired_refresh_token_is_invalid_grant(flow, confidential_client, settings):
    first = flow.tokens_for(confidential_client)
    get_refresh_token_model().objects.update(created=timezone.now() - timedelta(days=31))
    assert refresh(flow, confidential_client, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_public_client_refreshes_with_its_client_id(flow, public_client):
    first = flow.tokens_for(public_client)
    response = flow.token(
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": public_client.client_id,
        }
    )
    assert response.status_code == 200
