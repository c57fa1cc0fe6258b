"""Protected resource metadata (RFC 9728) served by the package's view."""

from __future__ import annotations

from django.test import Client

from oauth_provider.core.resources import protected_resource_metadata_url

URL = "/.well-known/oauth-protected-resource/mcp"


def test_document_rfc9728_2(db):
    response = Client().get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "resource": "http://testserver/mcp",
        "authorization_servers": ["http://testserver"],
        "scopes_supported": ["read", "write", "bookings:read"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Test MCP server",
    }


def test_resource_is_the_configured_audience_rfc9728_3_3(db, settings):
    audience = "https://api.example/mcp"
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "RESOURCE_SERVER_AUDIENCE": audience,
        "RESOURCE_SERVER_AUTHORIZATION_SERVERS": ["https://login.example"],
        "ACCESS_TOKEN_IN_BODY": True,
    }
    body = Client().get(URL).json()
    # RFC 9728 §3.3: the resource is the one whose metadata URL this is.
    assert body["resource"] == audience
    assert protected_resource_metadata_url(audience).endswith(URL)
    assert body["authorization_servers"] == ["https://login.example"]
    assert body["bearer_methods_supported"] == ["header", "body"]


def test_issuer_is_an_authorization_server_the_metadata_names(db):
    # A client checks the issuer in the authorization server's metadata against this list.
    client = Client()
    prm = client.get(URL).json()
    asm = client.get("/.well-known/oauth-authorization-server").json()
    assert asm["issuer"] in prm["authorization_servers"]
