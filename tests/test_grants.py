"""Client credentials (§4.4), password (§4.3) and implicit (§4.2) grants, and several grants on one client."""

from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from .conftest import CLIENT_SECRET, PASSWORD, basic_auth, query_of
from .factories import ApplicationFactory


def test_client_credentials_4_4(flow, db):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="", allowed_scopes="read")
    response = flow.token(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "read"
    # RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
    assert "refresh_token" not in body
    token = get_access_token_model().objects.get()
    assert token.user is None and token.application == service


def test_client_secret_post_4_4(flow, db):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    response = flow.token(
        {"grant_type": "client_credentials", "client_id": service.client_id, "client_secret": CLIENT_SECRET}
    )
    assert response.status_code == 200


def test_one_client_holds_several_grants(flow, owner):
    client = ApplicationFactory(grant_types="authorization_code refresh_token client_credentials")
    assert flow.tokens_for(client)["refresh_token"]
    response = flow.token(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET)
    )
    assert response.status_code == 200


def test_password_grant_when_enabled_4_3(flow, owner):
    legacy = ApplicationFactory(grant_types="password refresh_token", redirect_uris="")
    response = flow.token(
        {"grant_type": "password", "username": owner.username, "password": PASSWORD, "scope": "read"},
        HTTP_AUTHORIZATION=basic_auth(legacy.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200
    assert response.json()["refresh_token"]
    assert get_access_token_model().objects.get().user == owner


def test_password_grant_wrong_password_is_invalid_grant_5_2(flow, owner):
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    response = flow.token(
        {"grant_type": "password", "username": owner.username, "password": "nope"},
        HTTP_AUTHORIZATION=basic_auth(legacy.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_password_grant_off_unless_enabled_on_client(flow, owner, confidential_client):
    response = flow.token(
        {"grant_type": "password", "username": owner.username, "password": PASSWORD},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_password_grant_off_site_wide(flow, owner, settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": ["authorization_code", "refresh_token"],
    }
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    response = flow.token(
        {"grant_type": "password", "username": owner.username, "password": PASSWORD},
        HTTP_AUTHORIZATION=basic_auth(legacy.client_id, CLIENT_SECRET),
    )
    assert response.json()["error"] == "unsupported_grant_type"


def test_implicit_grant_when_enabled_4_2(flow, owner):
    legacy = ApplicationFactory(grant_types="implicit", client_type="public", client_secret="")
    page = flow.authorize(
        response_type="token",
        client_id=legacy.client_id,
        redirect_uri=legacy.redirect_uris,
        scope="read",
        state="i",
    )
    response = flow.consent(page)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("https://client.example/callback#")
    fragment = query_of(location)
    assert fragment["token_type"] == "Bearer"
    assert fragment["state"] == "i"
    assert fragment["iss"] == "http://testserver"
    # RFC 6749 §4.2.2: the authorization server MUST NOT issue a refresh token.
    assert "refresh_token" not in fragment
    assert not get_refresh_token_model().objects.exists()


def test_implicit_grant_off_unless_enabled(flow, confidential_client):
    page = flow.authorize(
        response_type="token",
        client_id=confidential_client.client_id,
        redirect_uri="https://client.example/callback",
        state="i",
    )
    assert page.status_code == 302
    assert query_of(page["Location"])["error"] == "unauthorized_client"


def test_public_client_cannot_use_client_credentials_4_4(flow, db):
    from .factories import PublicApplicationFactory

    public = PublicApplicationFactory(grant_types="client_credentials")
    response = flow.token({"grant_type": "client_credentials", "client_id": public.client_id})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


# --- RFC 9700 §2.4 and §2.1.2: the legacy grants are off unless the site lists them ---------


def test_password_grant_is_off_by_default_with_a_clear_description(flow, owner, settings):
    settings.OAUTH_PROVIDER = {"SCOPES": settings.OAUTH_PROVIDER["SCOPES"]}
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    response = flow.token(
        {"grant_type": "password", "username": owner.username, "password": PASSWORD},
        HTTP_AUTHORIZATION=basic_auth(legacy.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": "The password grant is off on this server (RFC 9700 discourages it); "
        "grant_type must be one of: authorization_code, refresh_token, client_credentials.",
    }


def test_implicit_grant_is_off_by_default_with_a_clear_description(flow, owner, settings):
    settings.OAUTH_PROVIDER = {"SCOPES": settings.OAUTH_PROVIDER["SCOPES"]}
    legacy = ApplicationFactory(grant_types="implicit", client_type="public", client_secret="")
    response = flow.authorize(
        response_type="token", client_id=legacy.client_id, redirect_uri=legacy.redirect_uris, state="i"
    )
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["error"] == "unsupported_response_type"
    assert params["error_description"] == (
        "The implicit grant is off on this server (RFC 9700 discourages it); "
        "response_type must be one of: code."
    )
    assert params["state"] == "i"
