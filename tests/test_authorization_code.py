"""The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636) and `iss` (RFC 9207)."""

from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from oauth_provider.core.hashing import hash_token

from .conftest import pkce_pair, query_of


def test_confidential_client_gets_tokens_4_1_4(flow, confidential_client):
    verifier, challenge = pkce_pair()
    params = flow.get_code(confidential_client, scope="read write", state="s-1", challenge=challenge)
    assert params["state"] == "s-1"
    assert params["iss"] == "http://testserver"

    response = flow.exchange(confidential_client, params["code"], verifier=verifier)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read write"
    assert body["access_token"] and body["refresh_token"]


def test_confidential_client_without_pkce_is_allowed(flow, confidential_client):
    code = flow.get_code(confidential_client)["code"]
    assert flow.exchange(confidential_client, code).status_code == 200


def test_public_client_uses_pkce_and_no_secret(flow, public_client):
    tokens = flow.tokens_for(public_client)
    assert tokens["refresh_token"]


def test_loopback_redirect_uri_may_change_port_rfc8252_7_3(flow, public_client):
    verifier, challenge = pkce_pair()
    redirect_uri = "http://127.0.0.1:53124/callback"
    params = flow.get_code(public_client, challenge=challenge, redirect_uri=redirect_uri)
    response = flow.exchange(public_client, params["code"], verifier=verifier, redirect_uri=redirect_uri)
    assert response.status_code == 200


def test_tokens_and_codes_are_stored_only_as_hashes(flow, confidential_client):
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    grant = get_grant_model().objects.get()
    assert grant.code == hash_token(code)
    tokens = flow.exchange(confidential_client, code, verifier=verifier).json()

    access = get_access_token_model().objects.get()
    refresh = get_refresh_token_model().objects.get()
    assert access.token == "" and access.token_checksum == hash_token(tokens["access_token"])
    assert refresh.token == "" and refresh.token_checksum == hash_token(tokens["refresh_token"])


def test_code_lives_60_seconds_by_default(flow, confidential_client):
    flow.get_code(confidential_client)
    grant = get_grant_model().objects.get()
    lifetime = grant.expires - grant.created
    assert timedelta(seconds=59) < lifetime <= timedelta(seconds=60)


def test_code_is_single_use_and_replay_revokes_tokens_4_1_2(flow, confidential_client):
    code = flow.get_code(confidential_client)["code"]
    first = flow.exchange(confidential_client, code)
    assert first.status_code == 200

    replay = flow.exchange(confidential_client, code)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert not get_access_token_model().objects.exists()
    assert get_refresh_token_model().objects.get().revoked is not None


def test_expired_code_is_invalid_grant(flow, confidential_client):
    code = flow.get_code(confidential_client)["code"]
    get_grant_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = flow.exchange(confidential_client, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_is_bound_to_redirect_uri_4_1_3(flow, confidential_client):
    confidential_client.redirect_uris = "https://client.example/callback https://client.example/other"
    confidential_client.save()
    code = flow.get_code(confidential_client)["code"]
    response = flow.exchange(confidential_client, code, redirect_uri="https://client.example/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_verifier_must_match_challenge_rfc7636_4_6(flow, public_client):
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    code = flow.get_code(public_client, challenge=challenge)["code"]
    response = flow.exchange(public_client, code, verifier=other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_denied_consent_redirects_with_access_denied_and_state(flow, confidential_client):
    page = flow.authorize(
        response_type="code",
        client_id=confidential_client.client_id,
        redirect_uri="https://client.example/callback",
        scope="read",
        state="keep me",
    )
    response = flow.consent(page, allow=False)
    assert response.status_code == 302
    assert response["Location"].startswith("https://client.example/callback?")
    assert query_of(response["Location"]) == {
        "error": "access_denied",
        "error_description": "The resource owner denied the request.",
        "state": "keep me",
        "iss": "http://testserver",
    }
    assert not get_grant_model().objects.exists()


def test_consent_page_cannot_be_framed_or_cached(flow, confidential_client):
    page = flow.authorize(
        response_type="code",
        client_id=confidential_client.client_id,
        redirect_uri="https://client.example/callback",
        scope="read",
    )
    assert page.status_code == 200
    assert page["X-Frame-Options"] == "DENY"
    assert page["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert "no-store" in page["Cache-Control"]
    assert confidential_client.name.encode() in page.content


def test_scopes_outside_the_clients_allowed_scopes_are_invalid_scope_3_3(flow, confidential_client):
    confidential_client.allowed_scopes = "read"
    confidential_client.save()
    page = flow.authorize(
        response_type="code",
        client_id=confidential_client.client_id,
        redirect_uri="https://client.example/callback",
        scope="read write",
        state="s",
    )
    assert page.status_code == 302
    assert query_of(page["Location"])["error"] == "invalid_scope"


def test_no_refresh_token_without_the_refresh_grant(flow, confidential_client):
    confidential_client.grant_types = "authorization_code"
    confidential_client.save()
    tokens = flow.tokens_for(confidential_client)
    assert "refresh_token" not in tokens
    assert not get_refresh_token_model().objects.exists()
