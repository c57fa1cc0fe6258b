"""``oauth_provider.resource.mcp.mcp_view``: the MCP SDK's server behind bearer tokens, with
the endpoint's audience (RFC 8707) and per-tool scopes (RFC 6750 §3.1 insufficient_scope)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from oauth_provider.resource.mcp import tools_called

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory
from .mcp_tools import AUDIENCE

URL = "/mcp-test"
HEADERS = {"HTTP_ACCEPT": "application/json, text/event-stream"}


@pytest.fixture(autouse=True)
def resources(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCES": [AUDIENCE, "https://other.example/"]}


def token(flow, scope: str, resource: str = AUDIENCE) -> str:
    client = ApplicationFactory(grant_types="client_credentials")
    response = flow.api.post(
        "/oauth/token/",
        f"grant_type=client_credentials&scope={scope}&resource={resource}",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def call(value: str | None, method: str, params: dict | None = None):
    headers = dict(HEADERS)
    if value:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {value}"
    message = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
    return Client().post(URL, json.dumps(message), content_type="application/json", **headers)


def test_no_token_is_401_with_resource_metadata(db):
    response = call(None, "tools/list")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", resource_metadata="http://testserver/.well-known/oauth-protected-resource/mcp-test"'
    )


def test_a_tool_call_with_the_right_token(flow):
    response = call(token(flow, "read"), "tools/call", {"name": "echo", "arguments": {"text": "hi"}})
    assert response.status_code == 200, response.content
    assert response.json()["result"]["content"][0]["text"] == "hi"


def test_tool_scopes_are_enforced_before_the_tool_runs(flow):
    response = call(token(flow, "read"), "tools/call", {"name": "whoami", "arguments": {}})
    assert response.status_code == 403
    challenge = response["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="write"' in challenge
    ok = call(token(flow, "read write"), "tools/call", {"name": "whoami", "arguments": {}})
    assert ok.status_code == 200, ok.content
    result = ok.json()["result"]
    data = result.get("structuredContent") or json.loads(result["content"][0]["text"])
    assert data["scopes"] == ["read", "write"]
    assert data["user_id"] is None  # a client credentials token


def test_a_token_for_another_resource_is_refused(flow):
    response = call(token(flow, "read write", "https://other.example/"), "tools/list")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        (b'{"method": "tools/call", "params": {"name": "a"}}', ["a"]),
        (b'[{"method": "tools/call", "params": {"name": "a"}}, {"method": "tools/list"}]', ["a"]),
        (b'{"method": "tools/call", "params": {"name": 1}}', []),
        (b"not json", []),
        (b"", []),
    ],
)
def test_tools_called(body, names):
    assert tools_called(body) == names
