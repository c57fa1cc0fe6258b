"""Client ID metadata documents: fetched safely, checked, cached, and shown by domain."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_application_model

from oauth_provider.server.metadata_documents import (
    MetadataDocumentError,
    _public,
    fetch_document,
    url_problem,
)

from .conftest import pkce_pair
from .document_server import Route, serving_documents

PATH = "/agent/client.json"


def document(url: str, **changes):
    return {
        "client_id": url,
        "client_name": "Desk Agent",
        "redirect_uris": ["http://127.0.0.1:33418/callback"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        **changes,
    }


@pytest.fixture
def documents(settings, db):
    settings.DEBUG = True
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "CLIENT_ID_METADATA_DOCUMENTS": True,
        # The test's server is on 127.0.0.1, over http: development mode.
        "CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES": True,
        "CLIENT_ID_METADATA_DOCUMENT_TIMEOUT_SECONDS": 1,
    }
    with serving_documents() as server:
        yield server


def authorize(owner, client_id, redirect_uri="http://127.0.0.1:33418/callback"):
    browser = Client()
    browser.force_login(owner)
    _, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "read",
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return browser, browser.get("/oauth/authorize/?" + urlencode(params))


def Applications():
    return get_application_model().objects


def test_metadata_names_support(documents):
    assert (
        Client()
        .get("/.well-known/oauth-authorization-server")
        .json()["client_id_metadata_document_supported"]
    )


def test_off_by_default(db, settings, owner):
    with serving_documents() as server:
        server.routes[PATH] = Route.document(document(server.url(PATH)))
        _, page = authorize(owner, server.url(PATH))
        assert page.status_code == 400
        assert server.hits[PATH] == 0
    assert (
        "client_id_metadata_document_supported"
        not in Client().get("/.well-known/oauth-authorization-server").json()
    )


def test_document_client_runs_the_code_flow_and_consent_shows_the_domain(documents, owner):
    url = documents.url(PATH)
    documents.routes[PATH] = Route.document(document(url), **{"Cache-Control": "max-age=600"})
    browser, page = authorize(owner, url)
    assert page.status_code == 200, page.content
    assert page.context["client_domain"] == "127.0.0.1"
    assert b"oauth-client-domain" in page.content
    application = Applications().get(client_id=url)
    assert application.registration_source == "cimd"
    assert application.client_type == "public"
    assert application.name == "Desk Agent"
    expires = application.cimd_expires_at - timezone.now()
    assert timedelta(seconds=590) < expires <= timedelta(seconds=600)
    # Cached: the next request does not fetch again.
    authorize(owner, url)
    assert documents.hits[PATH] == 1


def test_stale_document_is_fetched_again(documents, owner):
    url = documents.url(PATH)
    documents.routes[PATH] = Route.document(document(url))
    authorize(owner, url)
    Applications().filter(client_id=url).update(cimd_expires_at=timezone.now() - timedelta(seconds=1))
    documents.routes[PATH] = Route.document(document(url, client_name="Renamed Agent"))
    authorize(owner, url)
    assert documents.hits[PATH] == 2
    assert Applications().get(client_id=url).name == "Renamed Agent"


def test_no_store_is_kept_the_minimum(documents, settings, owner):
    url = documents.url(PATH)
    documents.routes[PATH] = Route.document(document(url), **{"Cache-Control": "no-store"})
    authorize(owner, url)
    expires = Applications().get(client_id=url).cimd_expires_at - timezone.now()
    assert expires <= timedelta(seconds=60)


def refused(owner, server, path=PATH):
    _, page = authorize(owner, server.url(path))
    # An unknown client: an error page, never a redirect (docs/security.rst, policy item 1).
    assert page.status_code == 400
    assert "Location" not in page
    assert not Applications().exists()
    return page


def test_private_address_is_refused_without_a_request(documents, settings, owner):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES": False,
    }
    url = documents.url(PATH).replace("http://", "https://")
    _, page = authorize(owner, url)
    assert page.status_code == 400
    assert documents.hits[PATH] == 0
    with pytest.raises(MetadataDocumentError, match="non-public address"):
        fetch_document(url)


def test_too_large_document_is_refused(documents, owner):
    url = documents.url(PATH)
    documents.routes[PATH] = Route.document(document(url, client_name="x" * 200, padding="y" * 6000))
    refused(owner, documents)
    with pytest.raises(MetadataDocumentError, match="larger than"):
        fetch_document(url)


def test_slow_document_is_refused(documents, owner):
    url = documents.url(PATH)
    documents.routes[PATH] = Route(b"{}", delay=2)
    with pytest.raises(MetadataDocumentError, match="too long|could not be fetched"):
        fetch_document(url)


def test_inconsistent_client_id_is_refused(documents, owner):
    documents.routes[PATH] = Route.document(document("https://someone-else.example/client.json"))
    refused(owner, documents)


def test_redirect_is_not_followed(documents, owner):
    documents.routes[PATH] = Route(b"", 302, {"Location": "/elsewhere.json"})
    refused(owner, documents)
    assert documents.hits["/elsewhere.json"] == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uris": ["http://evil.example/callback"]},
        {"token_endpoint_auth_method": "client_secret_basic"},
        {"client_secret": "hunter2"},
        {"grant_types": ["client_credentials"], "response_types": []},
    ],
)
def test_document_breaking_the_registration_rules_is_refused(documents, owner, changes):
    documents.routes[PATH] = Route.document(document(documents.url(PATH), **changes))
    refused(owner, documents)


def test_not_json_is_refused(documents, owner):
    documents.routes[PATH] = Route(b"<html>", headers={"Content-Type": "text/html"})
    refused(owner, documents)


def test_redirect_uri_outside_the_document_is_refused(documents, owner):
    documents.routes[PATH] = Route.document(document(documents.url(PATH)))
    _, page = authorize(owner, documents.url(PATH), redirect_uri="https://evil.example/cb")
    assert page.status_code == 400
    assert "Location" not in page


def test_document_clients_stop_when_the_feature_is_turned_off(documents, owner, settings):
    url = documents.url(PATH)
    documents.routes[PATH] = Route.document(document(url))
    assert authorize(owner, url)[1].status_code == 200
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "CLIENT_ID_METADATA_DOCUMENTS": False}
    _, page = authorize(owner, url)
    assert page.status_code == 400
    assert documents.hits[PATH] == 1


def test_disabled_document_client_stays_disabled(documents, owner):
    url = documents.url(PATH)
    documents.routes[PATH] = Route.document(document(url))
    authorize(owner, url)
    Applications().filter(client_id=url).update(
        is_active=False, cimd_expires_at=timezone.now() - timedelta(seconds=1)
    )
    _, page = authorize(owner, url)
    assert page.status_code == 400
    assert not Applications().get(client_id=url).is_active


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://agent.example/client.json", True),
        ("https://agent.example/", False),
        ("https://agent.example", False),
        ("https://user@agent.example/c.json", False),
        ("https://agent.example/a/../c.json", False),
        ("https://agent.example/c.json#x", False),
        ("ftp://agent.example/c.json", False),
    ],
)
def test_url_rules(url, ok, settings):
    assert (url_problem(url) is None) is ok


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("2002:7f00:0001::1", False),  # 6to4 of 127.0.0.1
        ("224.0.0.1", False),
    ],
)
def test_public_addresses_only(address, public):
    assert _public(address) is public
