"""Authorization server metadata (RFC 8414)."""

import pytest
from django.db import DatabaseError

from oauth_provider.storage import signing_keys

pytestmark = pytest.mark.django_db


def test_metadata_document_3(client, settings):
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    body = response.json()
    assert body["issuer"] == "http://testserver"
    assert body["authorization_endpoint"] == "http://testserver/oauth/authorize/"
    assert body["token_endpoint"] == "http://testserver/oauth/token/"
    assert body["revocation_endpoint"] == "http://testserver/oauth/revoke/"
    assert body["introspection_endpoint"] == "http://testserver/oauth/introspect/"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["authorization_response_iss_parameter_supported"] is True
    assert set(body["response_types_supported"]) == {"code", "token"}
    # RFC 9700 §4.17: no response mode that travels through postMessage.
    assert body["response_modes_supported"] == ["query", "fragment"]
    assert "client_secret_basic" in body["token_endpoint_auth_methods_supported"]
    assert set(body["scopes_supported"]) == set(settings.OAUTH_PROVIDER["SCOPES"])


def test_configured_issuer_is_used_everywhere(client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ISSUER": "https://auth.example/"}
    assert client.get("/.well-known/oauth-authorization-server").json()["issuer"] == "https://auth.example"


def test_with_an_issuer_every_url_is_built_on_it_not_on_the_host(client, settings):
    """RFC 8414 §2: the document's URLs derive from the issuer, whatever Host the request
    carried (any allowed host, or http behind a TLS proxy)."""
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ISSUER": "https://auth.example"}
    for host in ("testserver", "localhost", "127.0.0.1"):
        response = client.get("/.well-known/oauth-authorization-server", HTTP_HOST=host)
        body = response.json()
        assert body["issuer"] == "https://auth.example"
        assert body["authorization_endpoint"] == "https://auth.example/oauth/authorize/"
        assert body["token_endpoint"] == "https://auth.example/oauth/token/"
        assert body["revocation_endpoint"] == "https://auth.example/oauth/revoke/"
        assert body["introspection_endpoint"] == "https://auth.example/oauth/introspect/"
        assert response["Cache-Control"] == "public, max-age=3600"


def test_without_an_issuer_the_document_is_not_shared_by_caches(client):
    response = client.get("/.well-known/oauth-authorization-server")
    assert response["Cache-Control"] == "no-cache"
    assert "Host" in response["Vary"]


def test_the_issuer_is_published_in_the_form_clients_compare(client, settings):
    """Scheme and host in lower case, no default port, no trailing slash."""
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ISSUER": "HTTPS://Auth.Example:443/"}
    body = client.get("/.well-known/oauth-authorization-server").json()
    assert body["issuer"] == "https://auth.example"
    assert body["token_endpoint"] == "https://auth.example/oauth/token/"


def test_a_new_site_advertises_no_legacy_grant(client, settings):
    """RFC 9700 §2.4 and §2.1.2: the password and implicit grants are off by default."""
    settings.OAUTH_PROVIDER = {"SCOPES": settings.OAUTH_PROVIDER["SCOPES"]}
    body = client.get("/.well-known/oauth-authorization-server").json()
    assert body["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert body["response_types_supported"] == ["code"]


def test_jwks_uri_is_named_once_a_signing_key_is_published(client):
    """RFC 8414 §2: the keys of JWT access tokens (docs/jwt.rst), found from the issuer alone,
    with OpenID Connect off; before any key exists there is no JWKS to name."""
    assert "jwks_uri" not in client.get("/.well-known/oauth-authorization-server").json()
    assert client.get("/oauth/jwks/").status_code == 404
    signing_keys.rotate("RS256")
    body = client.get("/.well-known/oauth-authorization-server").json()
    assert body["jwks_uri"] == "http://testserver/oauth/jwks/"
    keys = client.get(body["jwks_uri"]).json()["keys"]
    assert [key["alg"] for key in keys] == ["RS256"]


@pytest.mark.parametrize("path", ["/.well-known/oauth-authorization-server", "/oauth/jwks/"])
def test_a_database_outage_is_temporarily_unavailable_not_a_500(client, monkeypatch, path):
    def down(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(signing_keys, "_records", down)
    response = client.get(path)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
