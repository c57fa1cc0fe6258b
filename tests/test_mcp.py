"""The official MCP Python SDK's own OAuth client against the demo's MCP endpoint.

Given nothing but the endpoint's URL, the SDK's ``OAuthClientProvider`` gets a 401 with
``resource_metadata`` (RFC 9728 §5.1), reads the protected resource metadata and the
authorization server metadata (RFC 8414), registers itself (RFC 7591, or a client ID
metadata document), runs the authorization code grant with PKCE and ``resource``
(RFC 8707) while a person logs in and consents through the demo's HTML forms, and calls
the tools. The demo runs as ``make demo`` runs it (``manage.py run_demo``), on SQLite, or on
PostgreSQL with ``TEST_DATABASE=postgres``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
import requests
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from pydantic import AnyUrl

from .demo_servers import Demo, free_port, running_demo
from .document_server import Route, self_signed_certificate, serving_documents

ALICE = ("alice", "alice-demo-password")
TIMEOUT = 20  # seconds, for each HTTP request the browser side makes


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> tuple[Path, Path]:
    """A certificate for the https server of the client metadata document test."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory, tls) -> Iterator[Demo]:
    # The demo trusts the test's certificate (and no other: it fetches nothing else over https).
    previous = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(tls[0])
    try:
        with running_demo(tmp_path_factory.mktemp("mcp-demo")) as running:
            yield running
    finally:
        if previous is None:
            del os.environ["SSL_CERT_FILE"]
        else:
            os.environ["SSL_CERT_FILE"] = previous


class Forms(HTMLParser):
    """The inputs of each form of a page: {form id or index: {name: value}}."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, list[str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((values.get("id", ""), values.get("action", ""), {}))
        elif tag in ("input", "button") and self.forms and values.get("name"):
            if values.get("type") == "checkbox" and "checked" not in values:
                return
            if tag == "button":
                return
            self.forms[-1][2].setdefault(values["name"], []).append(values.get("value", ""))


def form_of(html: str, form_id: str | None = None) -> dict[str, list[str]]:
    parser = Forms()
    parser.feed(html)
    for found_id, _, fields in parser.forms:
        if form_id is None or found_id == form_id:
            return fields
    raise AssertionError(f"no form {form_id!r} on the page:\n{html[:2000]}")


class Person:
    """A person at a browser: logs in to the hotel site and approves the consent page."""

    def __init__(self, username: str, password: str) -> None:
        self.session = requests.Session()
        self.username, self.password = username, password
        self.consent_pages: list[str] = []

    def authorize(self, url: str) -> str:
        """Follow the authorization URL through login and consent; the redirect to the client."""
        page = self.session.get(url, timeout=TIMEOUT)
        assert page.status_code == 200, page.text[:2000]
        if "/accounts/login/" in page.url:
            fields = form_of(page.text)
            data = {name: values[0] for name, values in fields.items()}
            data.update(username=self.username, password=self.password)
            page = self.session.post(page.url, data=data, timeout=TIMEOUT)
            assert page.status_code == 200, page.text[:2000]
        self.consent_pages.append(page.text)
        fields = form_of(page.text, "oauth-consent-form")
        data: list[tuple[str, str]] = [(name, value) for name, values in fields.items() for value in values]
        data.append(("allow", "Authorize"))
        answer = self.session.post(page.url, data=data, allow_redirects=False, timeout=TIMEOUT)
        assert answer.status_code == 302, answer.text[:2000]
        return answer.headers["Location"]


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


def mcp_url(demo: Demo) -> str:
    return f"{demo.as_url}/mcp"


async def connect_and_call(
    demo: Demo, person: Person, storage: MemoryStorage, client_metadata_url: str | None = None
) -> dict[str, Any]:
    """What an MCP host does: connect with the SDK's OAuth provider, list and call tools."""
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    redirected: dict[str, str] = {}

    async def open_browser(authorization_url: str) -> None:
        redirected["location"] = await asyncio.to_thread(person.authorize, authorization_url)

    async def wait_for_callback() -> AuthorizationCodeResult:
        location = redirected["location"]
        assert location.startswith(redirect_uri), location
        query = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
        return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))

    oauth = OAuthClientProvider(
        server_url=mcp_url(demo),
        client_metadata=OAuthClientMetadata(
            client_name="Test agent",
            redirect_uris=[AnyUrl(redirect_uri)],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=open_browser,
        callback_handler=wait_for_callback,
        client_metadata_url=client_metadata_url,
    )
    async with httpx2.AsyncClient(auth=oauth, follow_redirects=True, timeout=TIMEOUT) as http:
        async with Client(streamable_http_client(mcp_url(demo), http_client=http)) as client:
            tools = await client.list_tools()
            rooms = await client.call_tool("search_rooms", {"city": "Lisbon"})
            bookings = await client.call_tool("list_my_bookings", {})
    return {
        "tools": sorted(tool.name for tool in tools.tools),
        "rooms": rooms,
        "bookings": bookings,
        "redirect_uri": redirect_uri,
    }


def result_data(result: Any) -> Any:
    assert not result.is_error, result
    if result.structured_content is not None:
        return result.structured_content.get("result", result.structured_content)
    return json.loads(result.content[0].text)


def test_unauthenticated_request_points_at_the_metadata_rfc9728_5_1(demo):
    response = requests.post(mcp_url(demo), json={}, timeout=TIMEOUT)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    metadata_url = f"{demo.as_url}/.well-known/oauth-protected-resource/mcp"
    assert f'resource_metadata="{metadata_url}"' in challenge
    metadata = requests.get(metadata_url, timeout=TIMEOUT).json()
    assert metadata["resource"] == mcp_url(demo)
    assert metadata["authorization_servers"] == [demo.as_url]
    assert metadata["scopes_supported"] == ["bookings:read"]
    server = requests.get(f"{demo.as_url}/.well-known/oauth-authorization-server", timeout=TIMEOUT).json()
    assert server["issuer"] == demo.as_url
    assert server["registration_endpoint"] == f"{demo.as_url}/oauth/register/"
    assert server["client_id_metadata_document_supported"] is True


def test_sdk_registers_itself_and_calls_tools(demo):
    person = Person(*ALICE)
    storage = MemoryStorage()
    result = asyncio.run(connect_and_call(demo, person, storage))
    assert result["tools"] == ["list_my_bookings", "search_rooms"]
    rooms = result_data(result["rooms"])
    assert rooms and all(room["city"] == "Lisbon" for room in rooms)
    bookings = result_data(result["bookings"])
    assert len(bookings) == 2  # alice's two bookings (demo/credentials.py)
    # It registered by RFC 7591, as a public client with its loopback redirect URI ...
    info = storage.client_info
    assert info is not None and info.client_id and not info.client_secret
    assert [str(uri) for uri in info.redirect_uris] == [result["redirect_uri"]]
    # ... and its token is for the MCP endpoint only (RFC 8707).
    token = storage.tokens.access_token
    api = requests.get(
        f"{demo.as_url}/api/bookings/", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert api.status_code == 200  # the REST API takes tokens for any audience
    assert "Test agent" in person.consent_pages[0]
    assert mcp_url(demo) in person.consent_pages[0]


def test_token_for_another_resource_is_refused(demo):
    """A token the REST API would take, without the MCP endpoint's audience: 401 at /mcp."""
    session = requests.Session()
    page = session.get(f"{demo.as_url}/accounts/login/", timeout=TIMEOUT)
    data = {name: values[0] for name, values in form_of(page.text).items()}
    data.update(username="alice", password="alice-demo-password")
    session.post(page.url, data=data, timeout=TIMEOUT)
    registration = requests.post(
        f"{demo.as_url}/oauth/register/",
        json={
            "client_name": "Plain client",
            "redirect_uris": ["http://127.0.0.1:9/cb"],
            "token_endpoint_auth_method": "none",
            "scope": "bookings:read",
        },
        timeout=TIMEOUT,
    ).json()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": registration["client_id"],
        "redirect_uri": "http://127.0.0.1:9/cb",
        "scope": "bookings:read",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = session.get(f"{demo.as_url}/oauth/authorize/", params=params, timeout=TIMEOUT)
    fields = form_of(page.text, "oauth-consent-form")
    answer = session.post(
        page.url,
        data=[(n, v) for n, values in fields.items() for v in values] + [("allow", "1")],
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token = requests.post(
        f"{demo.as_url}/oauth/token/",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": registration["client_id"],
            "redirect_uri": "http://127.0.0.1:9/cb",
            "code_verifier": verifier,
        },
        timeout=TIMEOUT,
    ).json()["access_token"]
    response = requests.post(
        mcp_url(demo),
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "resource_metadata=" in response.headers["WWW-Authenticate"]
    # A resource the server does not serve is invalid_target (RFC 8707 §2).
    page = session.get(
        f"{demo.as_url}/oauth/authorize/",
        params={**params, "resource": "https://elsewhere.example/mcp"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert page.status_code == 302
    assert parse_qs(urlsplit(page.headers["Location"]).query)["error"] == ["invalid_target"]


def test_sdk_uses_a_client_id_metadata_document(demo, tls):
    """The SDK's client_metadata_url: its client_id is the URL of a document the test serves
    over https; the demo fetches it (private addresses are allowed in the demo only)."""
    person = Person(*ALICE)
    storage = MemoryStorage()
    with serving_documents(tls) as documents:
        url = documents.url("/agent/client.json")

        async def run() -> dict[str, Any]:
            # The redirect URI is picked inside connect_and_call: serve the document lazily.
            original = Person.authorize

            def authorize(self: Person, authorization_url: str) -> str:
                query = parse_qs(urlsplit(authorization_url).query)
                documents.routes["/agent/client.json"] = Route.document(
                    {
                        "client_id": url,
                        "client_name": "Document Agent",
                        "redirect_uris": query["redirect_uri"],
                        "token_endpoint_auth_method": "none",
                        "grant_types": ["authorization_code", "refresh_token"],
                        "response_types": ["code"],
                        "scope": "bookings:read",
                    },
                    **{"Cache-Control": "max-age=300"},
                )
                return original(self, authorization_url)

            person.authorize = authorize.__get__(person)  # type: ignore[method-assign]
            return await connect_and_call(demo, person, storage, client_metadata_url=url)

        result = asyncio.run(run())
        assert documents.hits["/agent/client.json"] == 1
    assert storage.client_info is not None and storage.client_info.client_id == url
    assert len(result_data(result["bookings"])) == 2
    # The consent page names the document's domain, and the name it claims.
    assert "oauth-client-domain" in person.consent_pages[0]
    assert "Document Agent" in person.consent_pages[0]
