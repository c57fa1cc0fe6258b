"""Remote resource server mode, tested with two live servers.

pytest-django's ``live_server`` is the authorization server; the Django test client is
the resource server, in the same process, validating bearer tokens through the live
server's RFC 7662 introspection endpoint with its own confidential client (one that may
introspect any token). Introspection results are cached in a real Redis server.

Tokens are revoked and client credentials tokens issued over HTTP on the live server;
the authorization code grant needs a browser session, so it runs through the test
client's ``flow`` against the same database. Where the authorization server has to
misbehave (a 500, a page that is not JSON, a hang, an answer for a user this resource
server has never seen), a tiny stand-in server answers instead.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from oauth_provider.resource import AccessTokenInfo, BearerTokenAuthentication

from .conftest import CLIENT_SECRET
from .factories import ApplicationFactory

# The live server thread only sees committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

# Nothing listens on the discard port: connections are refused at once.
CLOSED_PORT_URL = "http://127.0.0.1:9/"
CLOSED_REDIS_URL = "redis://127.0.0.1:9/5"

AS_UNAVAILABLE = {"detail": "The authorization server could not be reached to check the access token."}
NOT_ACTIVE = 'Bearer realm="api", error="invalid_token", error_description="The access token is not active."'
EXPIRED = 'Bearer realm="api", error="invalid_token", error_description="The access token has expired."'

# One of each way a view is protected: DRF permission class, @require_scopes on a plain
# view, ScopeRequiredMixin. All three need the "read" scope on GET.
READ_PROTECTED = ["/api/scoped/", "/plain/function/", "/plain/class/"]


def cache_key(token: str) -> str:
    """The key the resource server caches an introspection answer under."""
    return "oauth_provider:introspection:" + hashlib.sha256(token.encode()).hexdigest()


def redis_ttl_ms(token: str) -> int:
    """Milliseconds Redis keeps the cached answer for ``token``: -2 when there is none."""
    cache = caches["default"]
    key = cache.make_key(cache_key(token))
    return cache._cache.get_client(key).pttl(key)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def call(path: str, token: str, method: str = "get"):
    """A request to the resource server, as an API client sends it."""
    return getattr(Client(enforce_csrf_checks=True), method)(path, **bearer(token))


def assert_unavailable(response) -> None:
    """503 with a JSON body and no challenge: the token is neither valid nor known bad."""
    assert response.status_code == 503, response.content
    assert response.json() == AS_UNAVAILABLE
    assert not response.has_header("WWW-Authenticate")


# --- the servers --------------------------------------------------------------------------


@dataclass
class AuthorizationServer:
    """The live authorization server, and the resource server's settings that point at it."""

    url: str
    settings: Any
    client_id: str
    client_secret: str = CLIENT_SECRET

    def configure(self, **values: Any) -> None:
        """Point the resource server at the live server, with ``values`` on top."""
        self.settings.OAUTH_PROVIDER = {
            **self.settings.OAUTH_PROVIDER,
            "INTROSPECTION_URL": self.url + "/oauth/introspect/",
            "INTROSPECTION_CLIENT_ID": self.client_id,
            "INTROSPECTION_CLIENT_SECRET": self.client_secret,
            **values,
        }

    def post(self, path: str, client: Any, data: dict[str, str]) -> requests.Response:
        return requests.post(self.url + path, data=data, auth=(client.client_id, CLIENT_SECRET), timeout=10)

    def revoke(self, client: Any, token: str) -> None:
        """RFC 7009 revocation on the live server, by the client the token was issued to."""
        response = self.post("/oauth/revoke/", client, {"token": token, "token_type_hint": "access_token"})
        assert response.status_code == 200, response.text

    def client_credentials_token(self, client: Any, scope: str) -> str:
        response = self.post("/oauth/token/", client, {"grant_type": "client_credentials", "scope": scope})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]


@pytest.fixture
def authorization_server(settings, live_server) -> AuthorizationServer:
    """Remote mode against the live server, as the resource server's own client."""
    resource_server_client = ApplicationFactory(
        name="Resource server",
        grant_types="client_credentials",
        redirect_uris="",
        can_introspect_any_token=True,
    )
    server = AuthorizationServer(
        url=live_server.url, settings=settings, client_id=resource_server_client.client_id
    )
    server.configure()
    return server


@pytest.fixture
def remote(authorization_server, redis_cache) -> AuthorizationServer:
    """Remote mode with introspection answers cached in Redis."""
    return authorization_server


@pytest.fixture
def user_token(flow, confidential_client):
    """``user_token("read")``: an access token the owner granted through the code flow."""

    def issue(scope: str = "read") -> str:
        return flow.tokens_for(confidential_client, scope=scope)["access_token"]

    return issue


@dataclass
class StandIn:
    """A stand-in authorization server: every POST gets ``answer``, or hangs until released."""

    url: str
    answer: tuple[int, str, bytes] = (200, "application/json", b'{"active": false}')
    hang: bool = False
    released: threading.Event = field(default_factory=threading.Event)
    requests: list[dict[str, str]] = field(default_factory=list)

    def answer_json(self, data: Any, status: int = 200) -> None:
        self.answer = (status, "application/json", json.dumps(data).encode())


@pytest.fixture
def stand_in(authorization_server) -> Iterator[StandIn]:
    """Serves on a free loopback port; the resource server's INTROSPECTION_URL points at it."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            server.requests.append(dict(self.headers))
            if server.hang:
                server.released.wait(timeout=10)
            status, content_type, body = server.answer
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the resource server gave up waiting (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server = StandIn(url=f"http://127.0.0.1:{httpd.server_address[1]}/introspect")
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    authorization_server.configure(INTROSPECTION_URL=server.url)
    yield server
    server.released.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def active(**claims: Any) -> dict[str, Any]:
    """An RFC 7662 §2.2 answer for an active token that expires in a minute."""
    return {"active": True, "scope": "read", "client_id": "someone", "exp": int(time.time()) + 60, **claims}


# --- a valid token ------------------------------------------------------------------------


@pytest.mark.parametrize("path", READ_PROTECTED)
def test_a_valid_token_is_accepted_through_introspection(
    remote, user_token, owner, confidential_client, path
):
    token = user_token("read")
    response = call(path, token)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "user": owner.username,
        "client_id": confidential_client.client_id,
        "scopes": ["read"],
    }


def test_the_request_carries_the_introspection_answer(remote, user_token, owner, confidential_client):
    """``request.auth`` is built from the RFC 7662 answer; there is no local token row."""
    token = user_token("read write")
    request = Request(APIRequestFactory().get("/api/scoped/", **bearer(token)))
    user, info = BearerTokenAuthentication().authenticate(request)
    assert isinstance(info, AccessTokenInfo)
    assert user == owner
    assert info.token is None
    assert info.scopes == {"read", "write"}
    assert info.client_id == confidential_client.client_id
    assert info.subject == owner.username
    assert info.extra["iss"] == remote.url
    stored = get_access_token_model().objects.get(token_checksum=hashlib.sha256(token.encode()).hexdigest())
    assert info.expires is not None
    assert int(info.expires.timestamp()) == int(stored.expires.timestamp())


def test_a_client_credentials_token_has_no_user(remote):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    token = remote.client_credentials_token(service, "read")
    response = call("/api/client-only/", token)
    assert response.status_code == 200, response.content
    assert response.json() == {"user": None, "client_id": service.client_id, "scopes": ["read"]}
    assert call("/api/owner-only/", token).status_code == 403


def test_an_active_answer_is_cached_and_reused(remote, user_token, monkeypatch):
    token = user_token("read")
    assert call("/api/scoped/", token).status_code == 200
    assert 0 < redis_ttl_ms(token) <= 60_000  # INTROSPECTION_CACHE_SECONDS defaults to 60

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the cached answer should have been used")

    monkeypatch.setattr(requests, "post", no_network)
    assert call("/api/scoped/", token).status_code == 200


def test_an_unknown_token_is_401_and_not_cached(remote):
    token = "never-issued-" + "x" * 30
    response = call("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == NOT_ACTIVE
    assert redis_ttl_ms(token) == -2


# --- users are looked up by username ------------------------------------------------------


def test_the_owner_is_looked_up_by_username_not_by_sub(stand_in, redis_cache):
    """RFC 7662 ``sub`` is the authorization server's id; only ``username`` means anything here."""
    owner = get_user_model().objects.create_user(username="alice")
    bob = get_user_model().objects.create_user(username="bob")
    stand_in.answer_json(active(username="alice", sub=str(bob.pk)))
    response = call("/api/scoped/", "alices-token")
    assert response.status_code == 200, response.content
    assert response.json()["user"] == owner.username


def test_an_unknown_owner_is_anonymous_unless_users_are_created(stand_in, redis_cache):
    stand_in.answer_json(active(username="remote-only"))
    response = call("/api/scoped/", "a-token-for-remote-only")
    assert response.status_code == 200, response.content
    assert response.json()["user"] is None
    assert not get_user_model().objects.filter(username="remote-only").exists()


def test_an_unknown_owner_gets_a_local_user_when_users_are_created(
    authorization_server, stand_in, redis_cache
):
    authorization_server.configure(
        INTROSPECTION_URL=stand_in.url, INTROSPECTION_CREATE_USERS=True, INTROSPECTION_CACHE_SECONDS=0
    )
    stand_in.answer_json(active(username="remote-only"))
    for _ in range(2):
        response = call("/api/scoped/", "a-token-for-remote-only")
        assert response.status_code == 200, response.content
        assert response.json()["user"] == "remote-only"
    assert len(stand_in.requests) == 2
    created = get_user_model().objects.get(username="remote-only")
    assert not created.has_usable_password()


def test_a_client_credentials_answer_creates_no_user(authorization_server, stand_in, redis_cache):
    authorization_server.configure(INTROSPECTION_URL=stand_in.url, INTROSPECTION_CREATE_USERS=True)
    users = get_user_model().objects.count()
    stand_in.answer_json(active())
    response = call("/api/client-only/", "a-service-token")
    assert response.status_code == 200, response.content
    assert response.json()["user"] is None
    assert get_user_model().objects.count() == users


def test_a_disabled_owners_token_is_401(remote, user_token, owner):
    """The authorization server calls a disabled owner's token inactive."""
    remote.configure(INTROSPECTION_CACHE_SECONDS=0)
    token = user_token("read")
    assert call("/api/scoped/", token).status_code == 200
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    response = call("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == NOT_ACTIVE


@pytest.mark.parametrize("path", ["/api/scoped/", "/api/owner-only/", "/plain/function/"])
def test_a_token_for_a_user_disabled_here_is_401(stand_in, redis_cache, path):
    """Disabled on this resource server, still active at the authorization server."""
    get_user_model().objects.create_user(username="mallory", is_active=False)
    stand_in.answer_json(active(username="mallory"))
    response = call(path, "mallorys-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", '
        'error_description="The resource owner\'s account is disabled."'
    )


def test_a_user_disabled_here_is_401_even_when_users_are_created(authorization_server, stand_in, redis_cache):
    authorization_server.configure(INTROSPECTION_URL=stand_in.url, INTROSPECTION_CREATE_USERS=True)
    get_user_model().objects.create_user(username="mallory", is_active=False)
    stand_in.answer_json(active(username="mallory"))
    response = call("/api/scoped/", "mallorys-token")
    assert response.status_code == 401
    assert "The resource owner's account is disabled." in response["WWW-Authenticate"]
    assert get_user_model().objects.filter(username="mallory").count() == 1


def test_creating_the_local_user_is_safe_when_another_request_created_it_first(
    authorization_server, stand_in, redis_cache, monkeypatch
):
    """Two first requests for one new owner at once: the loser finds the winner's user."""
    authorization_server.configure(
        INTROSPECTION_URL=stand_in.url, INTROSPECTION_CREATE_USERS=True, INTROSPECTION_CACHE_SECONDS=0
    )
    stand_in.answer_json(active(username="newcomer"))
    User = get_user_model()
    real_get = QuerySet.get
    created_first = []

    def get_then_lose_the_race(self: QuerySet, *args: Any, **kwargs: Any):
        # The lookup misses; then another request creates the user before this one does.
        if self.model is User and kwargs.get("username") == "newcomer" and not created_first:
            created_first.append(User.objects.create_user(username="newcomer"))
            raise User.DoesNotExist
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "get", get_then_lose_the_race)
    response = call("/api/scoped/", "a-token-for-newcomer")
    assert response.status_code == 200, response.content
    assert response.json()["user"] == "newcomer"
    assert created_first
    assert User.objects.filter(username="newcomer").count() == 1


def test_a_refresh_token_is_not_an_access_token_rfc6749_1_5(remote, flow, confidential_client):
    """The authorization server calls a live refresh token active, but not a Bearer token."""
    refresh_token = flow.tokens_for(confidential_client, scope="read")["refresh_token"]
    response = call("/api/scoped/", refresh_token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", error_description="The token is not an access token."'
    )


# --- revocation reaches the resource server within the cache window (DOT #970) ---------------


def test_a_revoked_token_is_401_once_the_cached_answer_is_gone_rfc7009(
    remote, user_token, confidential_client
):
    # Two seconds: room for a busy machine between the first call and the second.
    remote.configure(INTROSPECTION_CACHE_SECONDS=2)
    token = user_token("read")
    assert call("/api/scoped/", token).status_code == 200
    assert 0 < redis_ttl_ms(token) <= 2000

    remote.revoke(confidential_client, token)
    # Still inside the window: the cached answer stands.
    assert call("/api/scoped/", token).status_code == 200

    time.sleep(2.2)
    response = call("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == NOT_ACTIVE
    assert redis_ttl_ms(token) == -2


@pytest.mark.parametrize("path", READ_PROTECTED)
def test_without_a_cache_window_revocation_is_immediate_rfc7009(
    remote, user_token, confidential_client, path
):
    remote.configure(INTROSPECTION_CACHE_SECONDS=0)
    token = user_token("read")
    assert call(path, token).status_code == 200
    assert redis_ttl_ms(token) == -2

    remote.revoke(confidential_client, token)
    response = call(path, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == NOT_ACTIVE


def test_a_revoked_client_credentials_token_is_401(remote):
    remote.configure(INTROSPECTION_CACHE_SECONDS=0)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    token = remote.client_credentials_token(service, "read")
    assert call("/api/client-only/", token).status_code == 200
    remote.revoke(service, token)
    assert call("/api/client-only/", token).status_code == 401


# --- expiry: never valid, never cached, past ``exp`` ---------------------------------------


def set_expiry(token: str, expires) -> None:
    checksum = hashlib.sha256(token.encode()).hexdigest()
    assert get_access_token_model().objects.filter(token_checksum=checksum).update(expires=expires) == 1


def test_an_expired_token_is_401_and_not_cached(remote, user_token):
    token = user_token("read")
    set_expiry(token, timezone.now() - timedelta(seconds=5))
    response = call("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == NOT_ACTIVE
    assert redis_ttl_ms(token) == -2


def test_the_cached_answer_never_outlives_the_tokens_exp(remote, user_token):
    """The cache window is ``min(INTROSPECTION_CACHE_SECONDS, exp - now)``."""
    remote.configure(INTROSPECTION_CACHE_SECONDS=3600)
    token = user_token("read")
    expires = timezone.now() + timedelta(seconds=30)
    set_expiry(token, expires)
    assert call("/api/scoped/", token).status_code == 200

    seconds_until_exp = int(expires.timestamp()) - time.time()
    ttl_ms = redis_ttl_ms(token)
    # Redis reports whole milliseconds, rounded: allow the one it may round up.
    assert 0 < ttl_ms <= seconds_until_exp * 1000 + 1


def test_an_active_answer_with_a_past_exp_is_401_and_not_cached(stand_in, redis_cache):
    """An authorization server whose clock is behind may call a token active past its ``exp``."""
    stand_in.answer_json(active(exp=int(time.time()) - 10))
    response = call("/api/scoped/", "a-token-past-its-exp")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == EXPIRED
    assert redis_ttl_ms("a-token-past-its-exp") == -2


def test_a_cached_answer_past_its_exp_is_401_without_asking(authorization_server, redis_cache):
    """A cache that kept an entry too long (another backend, a clock step) cannot revive a token."""
    authorization_server.configure(INTROSPECTION_URL=CLOSED_PORT_URL)
    redis_cache.set(cache_key("a-stale-token"), active(exp=int(time.time()) - 1), 60)
    response = call("/api/scoped/", "a-stale-token")
    assert response.status_code == 401  # a question to the (closed) server would be a 503
    assert response["WWW-Authenticate"] == EXPIRED


# --- scope -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("get", "/api/decorated-method/", "write"),
        ("post", "/api/method-scoped/", "write"),
        ("get", "/api/bookings/", "bookings:read"),
        ("post", "/plain/class/", "write"),
    ],
)
def test_a_token_short_of_scope_is_403_insufficient_scope_rfc6750_3_1(
    remote, user_token, method, path, scope
):
    response = call(path, user_token("read"), method)
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        f'Bearer realm="api", error="insufficient_scope", '
        f'error_description="The access token lacks a required scope: {scope}.", scope="{scope}"'
    )
    assert response.json() == {"detail": f"The access token lacks a required scope: {scope}."}


# --- an authorization server that cannot answer: 503, never a valid token ----------------------


@pytest.mark.parametrize("path", READ_PROTECTED)
def test_an_unreachable_authorization_server_is_503(authorization_server, redis_cache, user_token, path):
    token = user_token("read")
    authorization_server.configure(INTROSPECTION_URL=CLOSED_PORT_URL)
    assert_unavailable(call(path, token))
    assert redis_ttl_ms(token) == -2


@pytest.mark.parametrize(
    "answer",
    [
        (500, "text/html", b"<h1>Server Error (500)</h1>"),
        (502, "application/json", b'{"active": true, "scope": "read"}'),
        (404, "text/html", b"<h1>Not Found</h1>"),
        (200, "text/html", b"<html><form>Log in</form></html>"),
        (200, "application/json", b'[{"active": true}]'),
        (200, "application/json", b'{"scope": "read"}'),
        (200, "application/json", b'{"active": "true", "scope": "read"}'),
        (200, "application/json", b""),
    ],
    ids=["500", "502-json", "404", "html", "json-list", "no-active", "active-string", "empty"],
)
def test_a_misbehaving_authorization_server_is_503(stand_in, redis_cache, answer):
    stand_in.answer = answer
    assert_unavailable(call("/api/scoped/", "some-token"))
    assert len(stand_in.requests) == 1
    assert redis_ttl_ms("some-token") == -2


@pytest.mark.parametrize(
    "claims",
    [
        {"scope": ["read"]},
        {"scope": 1},
        {"exp": 1e20},
        {"exp": float("nan")},
        {"exp": float("inf")},
        {"exp": 10**400},
        {"exp": "1700000000"},
        {"exp": True},
        {"username": ["alice"]},
        {"username": 42},
        {"client_id": {"id": "x"}},
        {"token_type": 1},
    ],
    ids=[
        "scope-list",
        "scope-number",
        "exp-overflow",
        "exp-nan",
        "exp-infinity",
        "exp-huge-int",
        "exp-string",
        "exp-bool",
        "username-list",
        "username-number",
        "client-id-object",
        "token-type-number",
    ],
)
def test_a_malformed_active_answer_is_503(stand_in, redis_cache, claims):
    """RFC 7662 §2.2 types: ``scope``, ``client_id``, ``username`` strings, ``exp`` a number."""
    stand_in.answer_json(active(**claims))
    assert_unavailable(call("/api/scoped/", "some-token"))
    assert redis_ttl_ms("some-token") == -2


def test_a_hanging_authorization_server_is_503_after_the_timeout(authorization_server, stand_in, redis_cache):
    authorization_server.configure(INTROSPECTION_URL=stand_in.url, INTROSPECTION_TIMEOUT_SECONDS=0.2)
    stand_in.hang = True
    stand_in.answer_json(active())
    assert_unavailable(call("/api/scoped/", "some-token"))


def test_the_resource_server_authenticates_with_basic_credentials_rfc7662_2_1(stand_in, redis_cache):
    stand_in.answer_json(active())
    assert call("/api/scoped/", "some-token").status_code == 200
    assert stand_in.requests[0]["Authorization"].startswith("Basic ")
    assert stand_in.requests[0]["Content-Type"] == "application/x-www-form-urlencoded"


def test_wrong_introspection_credentials_are_503(remote, user_token):
    """The authorization server answers 401 invalid_client: no token can be checked."""
    token = user_token("read")
    remote.configure(INTROSPECTION_CLIENT_SECRET="not-the-secret")
    response = requests.post(
        remote.url + "/oauth/introspect/",
        data={"token": token},
        auth=(remote.client_id, "not-the-secret"),
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert_unavailable(call("/api/scoped/", token))


def test_a_client_that_may_not_introspect_others_tokens_gets_inactive_answers(remote, user_token):
    """docs/security.rst, policy item 9: the resource server's client must be allowed to
    introspect any token."""
    ordinary = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    remote.configure(INTROSPECTION_CLIENT_ID=ordinary.client_id)
    response = call("/api/scoped/", user_token("read"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == NOT_ACTIVE


# --- a cache outage -------------------------------------------------------------------------


def test_a_cache_outage_still_validates_through_the_authorization_server(
    authorization_server, settings, user_token, owner, confidential_client
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_REDIS_URL,
            "KEY_PREFIX": f"t{uuid.uuid4().hex}",
        }
    }
    with pytest.raises(RedisConnectionError):
        caches["default"].get("probe")
    token = user_token("read")
    for _ in range(2):
        response = call("/api/scoped/", token)
        assert response.status_code == 200, response.content
        assert response.json()["user"] == owner.username


def test_a_cache_outage_does_not_keep_a_revoked_token_alive(
    authorization_server, settings, user_token, confidential_client
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED_REDIS_URL}
    }
    token = user_token("read")
    assert call("/api/scoped/", token).status_code == 200
    authorization_server.revoke(confidential_client, token)
    assert call("/api/scoped/", token).status_code == 401


def test_remote_mode_checks_the_audience_rfc8707(stand_in, redis_cache, settings):
    """Introspection's ``aud`` (RFC 7662 §2.2) must name this resource server when it has an audience."""
    stand_in.answer_json(active(aud=["https://api.example/mcp", "https://reports.example/"]))
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "RESOURCE_SERVER_AUDIENCE": "https://other.example/",
    }
    refused = call("/api/scoped/", "a-token-for-two-resources")
    assert refused.status_code == 401
    assert "another resource" in refused["WWW-Authenticate"]
    assert (
        'resource_metadata="https://other.example/.well-known/oauth-protected-resource"'
        in (refused["WWW-Authenticate"])
    )
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "RESOURCE_SERVER_AUDIENCE": "https://reports.example/",
    }
    assert call("/api/scoped/", "a-token-for-two-resources").status_code == 200


def test_a_malformed_aud_is_not_a_valid_token(stand_in, redis_cache):
    stand_in.answer_json(active(aud=42))
    assert call("/api/scoped/", "a-token-with-a-bad-aud").status_code == 503
