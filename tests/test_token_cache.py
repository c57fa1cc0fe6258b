"""The per-process cache of validated access tokens (``ACCESS_TOKEN_CACHE_SECONDS``).

Off by default: every protected request asks the database, so a revocation takes
effect everywhere at once (RFC 7009 §2). On, a process accepts a token it validated
in the last few seconds without a query; it forgets the token at once when it revokes
it itself, and never keeps it past its expiry.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model
from rest_framework.request import Request

from oauth_provider.core.hashing import hash_token
from oauth_provider.resource import BearerTokenAuthentication
from oauth_provider.storage import token_cache
from oauth_provider.storage.clients import disable_client
from oauth_provider.storage.revocation import revoke_consent

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

UNKNOWN = (
    'Bearer realm="api", error="invalid_token", '
    'error_description="The access token is unknown or was revoked."'
)
EXPIRED = 'Bearer realm="api", error="invalid_token", error_description="The access token has expired."'
DISABLED_CLIENT = (
    'Bearer realm="api", error="invalid_token", '
    'error_description="The client this access token was issued to is disabled."'
)
PROTECTED = ["/api/scoped/", "/plain/function/", "/plain/class/"]


@pytest.fixture
def cache_seconds(settings):
    """Turn the cache on for 30 seconds; returns the setter for other values."""

    def set_to(seconds: int) -> None:
        settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ACCESS_TOKEN_CACHE_SECONDS": seconds}

    set_to(30)
    return set_to


@pytest.fixture
def tokens(flow, confidential_client):
    """The token response of a code grant for ``read``."""
    return flow.tokens_for(confidential_client, scope="read")


def get(path: str, token: str):
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


class Clock:
    """Moves the cache's clock forward without waiting."""

    def __init__(self, monkeypatch) -> None:
        self.offset = 0.0
        real_time = time.time
        monkeypatch.setattr(token_cache.time, "time", lambda: real_time() + self.offset)

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def delete_in_another_process(token: str) -> None:
    """What a revocation through another worker looks like from here: the row is gone."""
    checksum = hash_token(token)
    assert get_access_token_model().objects.filter(token_checksum=checksum).delete()[0] == 1


# --- off by default ---------------------------------------------------------------------------


def test_off_by_default_every_request_asks_the_database(tokens, django_assert_num_queries):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    with django_assert_num_queries(1):
        assert get("/api/scoped/", token).status_code == 200


def test_off_by_default_a_revocation_elsewhere_is_seen_at_once(tokens):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    delete_in_another_process(token)
    response = get("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == UNKNOWN


def test_off_by_default_a_client_disabled_in_the_database_is_seen_at_once(tokens, confidential_client):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    get_application_model().objects.filter(pk=confidential_client.pk).update(is_active=False)
    response = get("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == DISABLED_CLIENT


# --- on: no query inside the window -----------------------------------------------------------


@pytest.mark.parametrize("path", PROTECTED)
def test_a_cached_token_costs_no_query(cache_seconds, tokens, owner, django_assert_num_queries, path):
    token = tokens["access_token"]
    assert get(path, token).status_code == 200
    with django_assert_num_queries(0):
        response = get(path, token)
    assert response.status_code == 200
    assert response.json()["user"] == owner.username


def test_a_cached_client_credentials_token_has_no_user_4_4(cache_seconds, flow, django_assert_num_queries):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    response = flow.token(
        {"grant_type": "client_credentials", "scope": "read"},
        HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET),
    )
    token = response.json()["access_token"]
    assert get("/api/client-only/", token).status_code == 200
    with django_assert_num_queries(0):
        response = get("/api/client-only/", token)
    assert response.json() == {"user": None, "client_id": service.client_id, "scopes": ["read"]}


def test_each_request_gets_its_own_instances(cache_seconds, tokens):
    """Nothing one request does to request.user or request.auth.token reaches another."""
    header = f"Bearer {tokens['access_token']}"
    first_user, first = BearerTokenAuthentication().authenticate(
        Request(RequestFactory().get("/", HTTP_AUTHORIZATION=header))
    )
    first_user.first_name = "changed by one request"
    second_user, second = BearerTokenAuthentication().authenticate(
        Request(RequestFactory().get("/", HTTP_AUTHORIZATION=header))
    )
    assert second.token is not first.token
    assert second_user.first_name != "changed by one request"
    # request.user and request.auth.token.user are one object, as on a request that queried.
    second_user.last_name = "seen through the token"
    assert second.token.user.last_name == "seen through the token"
    assert second.token.user.pk == second_user.pk


def test_the_trade_off_a_revocation_elsewhere_is_seen_when_the_window_ends(cache_seconds, tokens, clock):
    """Documented: for up to ACCESS_TOKEN_CACHE_SECONDS another process's revocation is not seen."""
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    delete_in_another_process(token)
    assert get("/api/scoped/", token).status_code == 200
    clock.advance(31)
    response = get("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == UNKNOWN


def test_never_past_the_tokens_expiry(cache_seconds, tokens, clock):
    token = tokens["access_token"]
    expires = timezone.now() + timedelta(seconds=5)
    get_access_token_model().objects.filter(token_checksum=hash_token(token)).update(expires=expires)
    assert get("/api/scoped/", token).status_code == 200
    clock.advance(6)
    # The entry is gone with the token's expiry: the database is asked, and it says expired.
    get_access_token_model().objects.filter(token_checksum=hash_token(token)).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    response = get("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == EXPIRED


def test_an_expiry_inside_the_window_is_checked_on_every_request(cache_seconds, tokens, monkeypatch):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr("oauth_provider.resource.local.timezone.now", lambda: later)
    response = get("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == EXPIRED


def test_an_invalid_token_is_not_cached(cache_seconds, tokens, confidential_client, owner):
    token = tokens["access_token"]
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert get("/api/scoped/", token).status_code == 401
    owner.is_active = True
    owner.save(update_fields=["is_active"])
    assert get("/api/scoped/", token).status_code == 200
    assert len(token_cache._entries) == 1


# --- on: what this process revokes, it forgets at once ------------------------------------------


def test_a_revocation_in_this_process_is_seen_at_once_rfc7009(
    cache_seconds, flow, tokens, confidential_client
):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    response = flow.post(
        "revoke",
        {"token": token},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200
    response = get("/api/scoped/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == UNKNOWN


def test_revoking_the_refresh_token_ends_its_access_token_at_once(
    cache_seconds, flow, tokens, confidential_client
):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    response = flow.post(
        "revoke",
        {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200
    assert get("/api/scoped/", token).status_code == 401


def test_a_refresh_ends_the_access_token_it_replaces(cache_seconds, flow, tokens, confidential_client):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    response = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200, response.content
    assert get("/api/scoped/", token).status_code == 401
    assert get("/api/scoped/", response.json()["access_token"]).status_code == 200


def test_deactivating_the_owner_in_this_process_is_seen_at_once(cache_seconds, tokens, owner):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    owner.last_login = timezone.now()
    owner.save(update_fields=["last_login"])  # a login: the entry stays
    assert len(token_cache._entries) == 1
    owner.is_active = False
    owner.save()
    assert get("/api/scoped/", token).status_code == 401


def test_a_refresh_token_reuse_ends_the_family_at_once(cache_seconds, flow, tokens, confidential_client):
    auth = basic_auth(confidential_client.client_id, CLIENT_SECRET)
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    rotated = flow.token(refresh, HTTP_AUTHORIZATION=auth).json()["access_token"]
    assert get("/api/scoped/", rotated).status_code == 200
    assert flow.token(refresh, HTTP_AUTHORIZATION=auth).status_code == 400  # reuse: the family ends
    assert get("/api/scoped/", rotated).status_code == 401


def test_disabling_the_client_is_seen_at_once(cache_seconds, tokens, confidential_client):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    disable_client(confidential_client)
    assert get("/api/scoped/", token).status_code == 401


def test_revoking_the_consent_is_seen_at_once(cache_seconds, tokens, confidential_client, owner):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    revoke_consent(owner, confidential_client)
    assert get("/api/scoped/", token).status_code == 401


# --- opting a view out, and the cache's bounds ------------------------------------------------


class ImmediateRevocation(BearerTokenAuthentication):
    use_token_cache = False


def test_an_authentication_class_can_opt_out(cache_seconds, tokens, django_assert_num_queries):
    request = Request(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"))
    BearerTokenAuthentication().authenticate(request)
    with django_assert_num_queries(1):
        ImmediateRevocation().authenticate(
            Request(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"))
        )


def test_the_cache_is_keyed_by_hash_never_by_token(cache_seconds, tokens):
    token = tokens["access_token"]
    assert get("/api/scoped/", token).status_code == 200
    assert list(token_cache._entries) == [hash_token(token)]


def test_a_full_cache_drops_its_oldest_entry(cache_seconds, flow, confidential_client, monkeypatch):
    monkeypatch.setattr(token_cache, "MAX_ENTRIES", 2)
    issued = [flow.tokens_for(confidential_client, scope="read")["access_token"] for _ in range(3)]
    for token in issued:
        assert get("/api/scoped/", token).status_code == 200
    assert list(token_cache._entries) == [hash_token(token) for token in issued[1:]]


def test_changing_the_settings_empties_the_cache(cache_seconds, tokens):
    assert get("/api/scoped/", tokens["access_token"]).status_code == 200
    assert token_cache._entries
    cache_seconds(0)
    assert not token_cache._entries
