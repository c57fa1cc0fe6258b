"""Authorization server metadata (RFC 8414)."""


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


def test_a_new_site_advertises_no_legacy_grant(client, settings):
    """RFC 9700 §2.4 and §2.1.2: the password and implicit grants are off by default."""
    settings.OAUTH_PROVIDER = {"SCOPES": settings.OAUTH_PROVIDER["SCOPES"]}
    body = client.get("/.well-known/oauth-authorization-server").json()
    assert body["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]
    assert body["response_types_supported"] == ["code"]
