"""Fixtures: an owner, a confidential and a public client, and helpers that run whole grants;
OpenID Connect on, with a signing key (``openid_connect``)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from .factories import CLIENT_SECRET, PASSWORD, ApplicationFactory, PublicApplicationFactory, UserFactory

__all__ = ["PASSWORD", "CLIENT_SECRET"]


@pytest.fixture(autouse=True)
def postgres_marker(request):
    """Tests marked ``postgres`` need the real server; `make test-sqlite` deselects them."""
    from django.db import connection

    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL; `make test` runs tests marked postgres with TEST_DATABASE=postgres")


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache, clients in each process's memory; each test
    starts with neither."""
    from django.core.cache import caches

    from oauth_provider.storage import signing_keys, sql

    for cache in caches.all():
        cache.clear()
    sql.clear_clients()
    signing_keys.clear_cache()


@pytest.fixture
def sql_store(settings):
    """The hand-written token store (``TOKEN_STORE = "sql"``), whatever the run's default:
    for the tests of what it alone does (clients in memory, its statements)."""
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "TOKEN_STORE": "sql"}


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def confidential_client(db):
    return ApplicationFactory()


@pytest.fixture
def public_client(db):
    return PublicApplicationFactory(grant_types="authorization_code refresh_token")


def commit_elsewhere(sql: str, params: list) -> None:
    """Run ``sql`` on a connection of its own to the test database, and commit it: another
    process's change, landing in the middle of a request (PostgreSQL)."""
    import psycopg
    from django.db import connection

    options = connection.settings_dict
    with psycopg.connect(
        dbname=options["NAME"],
        user=options["USER"],
        host=options["HOST"],
        port=options["PORT"],
        autocommit=True,
    ) as other:
        other.execute(sql, params)


def basic_auth(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    return {k: v[0] for k, v in parse_qs(parts.query or parts.fragment).items()}


@dataclass
class Flow:
    """Drives the endpoints the way a client and a browser would."""

    browser: Client
    api: Client

    def authorize(self, **params: str):
        return self.browser.get(reverse("oauth_provider:authorize") + "?" + urlencode(params))

    def consent(self, page, allow: bool = True):
        form = page.context["form"]
        data = {name: value for name, value in form.initial.items() if value is not None}
        if allow:
            data["allow"] = "Authorize"
        return self.browser.post(page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"], data)

    def post(self, name: str, data: dict[str, str], **headers: str):
        """A form-encoded POST to a back-channel endpoint, as RFC 6749 §3.2 requires."""
        return self.api.post(
            reverse(f"oauth_provider:{name}"),
            urlencode(data),
            content_type="application/x-www-form-urlencoded",
            **headers,
        )

    def token(self, data: dict[str, str], **headers: str):
        return self.post("token", data, **headers)

    def client_credentials(self, application, *, secret=CLIENT_SECRET, scope="read"):
        """A client credentials token request, the client authenticated with HTTP Basic."""
        return self.token(
            {"grant_type": "client_credentials", "scope": scope},
            HTTP_AUTHORIZATION=basic_auth(application.client_id, secret),
        )

    def get_code(self, application, *, scope="read", state="xyz", challenge=None, redirect_uri=None):
        """Authorization request + consent; returns the redirect's query parameters."""
        params = {
            "response_type": "code",
            "client_id": application.client_id,
            "redirect_uri": redirect_uri or application.redirect_uri_list[0],
            "scope": scope,
            "state": state,
        }
        if challenge:
            params.update(code_challenge=challenge, code_challenge_method="S256")
        page = self.authorize(**params)
        if page.status_code == 200:
            page = self.consent(page)
        assert page.status_code == 302, page.content
        return query_of(page["Location"])

    def exchange(self, application, code, *, verifier=None, secret=CLIENT_SECRET, redirect_uri=None):
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri or application.redirect_uri_list[0],
        }
        headers = {}
        if verifier:
            data["code_verifier"] = verifier
        if application.client_type == "confidential":
            headers["HTTP_AUTHORIZATION"] = basic_auth(application.client_id, secret)
        else:
            data["client_id"] = application.client_id
        return self.token(data, **headers)

    def tokens_for(self, application, **kwargs):
        """A full authorization code grant; returns the token response JSON."""
        verifier, challenge = pkce_pair()
        code = self.get_code(application, challenge=challenge, **kwargs)["code"]
        response = self.exchange(application, code, verifier=verifier)
        assert response.status_code == 200, response.content
        return response.json()


@pytest.fixture
def flow(owner):
    browser = Client()
    browser.force_login(owner)
    return Flow(browser=browser, api=Client())


REDIS = ("127.0.0.1", 6379)
# TEST_REDIS_DB keeps parallel runs (two checkouts on one machine) out of each other's way.
REDIS_URL = f"redis://127.0.0.1:6379/{os.environ.get('TEST_REDIS_DB', '5')}"


def redis_reachable() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_cache(settings) -> Iterator:
    """Django's cache on the real Redis server, with a key prefix of this test's own.

    In CI an unreachable server fails the test; elsewhere it skips with the reason.
    """
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("Redis must be reachable at 127.0.0.1:6379 in CI")
        pytest.skip("Redis not reachable at 127.0.0.1:6379; start it to run the tests that need it")
    prefix = f"t{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    cache = caches["default"]
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def openid_connect(settings, db):
    """OpenID Connect on, the OpenID scopes offered, and an RS256 key that signs."""
    from oauth_provider.storage import signing_keys

    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "OIDC_ENABLED": True}
    signing_keys.rotate("RS256")
    return settings


@pytest.fixture(scope="session")
def fleet_database(tmp_path_factory):
    """The fleet rig's database (tests/fleet.py): created, migrated and seeded with the demo's
    users and clients once per run, for every test marked ``fleet``."""
    import psycopg

    from . import fleet
    from .demo_servers import postgres_server

    try:
        psycopg.connect(dbname="postgres", connect_timeout=3, **postgres_server()).close()
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            pytest.fail("the fleet tests need PostgreSQL in CI")
        pytest.skip("PostgreSQL not reachable; the fleet tests need it")
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("the fleet tests need Redis in CI")
        pytest.skip("Redis not reachable at 127.0.0.1:6379; the fleet tests need it")
    with fleet.fleet_database(tmp_path_factory.mktemp("fleet")) as database:
        yield database
