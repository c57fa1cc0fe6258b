"""Rate limits and lockouts (docs/security.rst, policy item 10), against a real Redis server."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.test import Client

from oauth_provider.core import hashing, signals
from oauth_provider.server.throttling import client_ip, parse_rate

from .conftest import CLIENT_SECRET, PASSWORD, basic_auth
from .factories import ApplicationFactory


def limits(settings, **values):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, **values}


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("5/minute", (5, 60)), ("10/s", (10, 1)), ("3/hour", (3, 3600)), ("1/day", (1, 86400))],
)
def test_parse_rate(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.fixture(params=["redis", "locmem"])
def limiter_cache(request, settings):
    """The rate-limit cache: the real Redis server (one round trip a request), and Django's
    local-memory cache (the plain cache API), which must behave the same."""
    if request.param == "redis":
        return request.getfixturevalue("redis_cache")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return caches["default"]


def client_credentials(flow, client, secret=CLIENT_SECRET, address="127.0.0.1"):
    return flow.token(
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, secret),
        REMOTE_ADDR=address,
    )


def test_client_secret_brute_force_is_cut_off_within_20_tries(flow, settings, limiter_cache, monkeypatch):
    limits(settings, FAILED_ATTEMPTS_LIMIT=10, FAILED_ATTEMPTS_WINDOW_SECONDS=2)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    checks = []
    real_verify = hashing.verify_client_secret
    monkeypatch.setattr(
        "oauth_provider.server.client_authentication.verify_client_secret",
        lambda *a: checks.append(1) or real_verify(*a),
    )

    statuses = [client_credentials(flow, service, f"guess-{attempt}").status_code for attempt in range(20)]

    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429] * 10
    # Refused before any secret was hashed.
    assert len(checks) == 10
    locked = client_credentials(flow, service)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) >= 1
    assert locked.json()["error"] == "temporarily_unavailable"

    time.sleep(int(locked["Retry-After"]) + 0.2)
    assert client_credentials(flow, service).status_code == 200


def test_lockouts_escalate(flow, settings, limiter_cache):
    limits(settings, FAILED_ATTEMPTS_LIMIT=2, FAILED_ATTEMPTS_WINDOW_SECONDS=1)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    for _ in range(2):
        client_credentials(flow, service, "nope")
    first = client_credentials(flow, service, "nope")
    assert first.status_code == 429
    time.sleep(int(first["Retry-After"]) + 0.2)
    client_credentials(flow, service, "nope")
    client_credentials(flow, service, "nope")
    second = client_credentials(flow, service, "nope")
    assert second.status_code == 429
    assert int(second["Retry-After"]) > int(first["Retry-After"])


@pytest.mark.parametrize("attackers", [1, 12])
def test_an_attacker_without_the_secret_cannot_lock_the_client_out(flow, settings, limiter_cache, attackers):
    """Wrong secrets naming a client, from one address or from many, lock out those
    addresses, never the client: its right secret from its own address still works."""
    limits(settings, FAILED_ATTEMPTS_LIMIT=10, FAILED_ATTEMPTS_WINDOW_SECONDS=300)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    for attempt in range(30):
        client_credentials(flow, service, f"guess-{attempt}", address=f"203.0.113.{attempt % attackers}")
    assert client_credentials(flow, service, address="198.51.100.1").status_code == 200
    # One attacker address that failed 30 times is locked out, even with the right secret;
    # twelve that failed at most 3 times each are not.
    expected = 429 if attackers == 1 else 200
    assert client_credentials(flow, service, address="203.0.113.0").status_code == expected


def test_a_public_clients_id_cannot_be_used_to_block_its_revocations(flow, settings, limiter_cache):
    """Anyone can send a public client's id; its users' revocations keep working."""
    limits(settings, FAILED_ATTEMPTS_LIMIT=10)
    public = ApplicationFactory(client_type="public", grant_types="authorization_code refresh_token")
    for attempt in range(15):
        flow.post(
            "revoke",
            {"token": "x"},
            HTTP_AUTHORIZATION=basic_auth(public.client_id, f"not-a-secret-{attempt}"),
            REMOTE_ADDR="203.0.113.7",
        )
    response = flow.post("revoke", {"token": "x", "client_id": public.client_id}, REMOTE_ADDR="198.51.100.2")
    assert response.status_code == 200


def test_failed_introspection_authentication_counts_towards_the_lockout_2_1(flow, settings, limiter_cache):
    """RFC 7662 §2.1 needs client authentication; guessing it there is cut off like anywhere."""
    limits(settings, FAILED_ATTEMPTS_LIMIT=10, FAILED_ATTEMPTS_WINDOW_SECONDS=300)
    server = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    statuses = [
        flow.post(
            "introspect", {"token": "x"}, HTTP_AUTHORIZATION=basic_auth(server.client_id, f"guess-{i}")
        ).status_code
        for i in range(12)
    ]
    assert statuses == [401] * 10 + [429] * 2
    right = flow.post(
        "introspect", {"token": "x"}, HTTP_AUTHORIZATION=basic_auth(server.client_id, CLIENT_SECRET)
    )
    assert right.status_code == 429
    elsewhere = flow.post(
        "introspect",
        {"token": "x"},
        HTTP_AUTHORIZATION=basic_auth(server.client_id, CLIENT_SECRET),
        REMOTE_ADDR="198.51.100.3",
    )
    assert elsewhere.status_code == 200


def test_failed_revocation_authentication_counts_towards_the_lockout(flow, settings, limiter_cache):
    """RFC 7009 §2.1 authenticates a confidential client; its failures count like the token
    endpoint's, per client at an address."""
    limits(settings, FAILED_ATTEMPTS_LIMIT=10, FAILED_ATTEMPTS_WINDOW_SECONDS=300)
    confidential = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    statuses = [
        flow.post(
            "revoke", {"token": "x"}, HTTP_AUTHORIZATION=basic_auth(confidential.client_id, f"guess-{i}")
        ).status_code
        for i in range(12)
    ]
    assert statuses == [401] * 10 + [429] * 2
    right = basic_auth(confidential.client_id, CLIENT_SECRET)
    assert flow.post("revoke", {"token": "x"}, HTTP_AUTHORIZATION=right).status_code == 429
    elsewhere = flow.post("revoke", {"token": "x"}, HTTP_AUTHORIZATION=right, REMOTE_ADDR="198.51.100.4")
    assert elsewhere.status_code == 200


def test_guessing_from_many_addresses_is_signalled_once(flow, settings, limiter_cache):
    limits(settings, FAILED_ATTEMPTS_LIMIT=5, FAILED_ATTEMPTS_WINDOW_SECONDS=300)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    events = []
    signals.guessing_suspected.connect(lambda **kw: events.append(kw), weak=False, dispatch_uid="t")
    try:
        for attempt in range(12):
            client_credentials(flow, service, f"guess-{attempt}", address=f"203.0.113.{attempt}")
    finally:
        signals.guessing_suspected.disconnect(dispatch_uid="t")
    assert len(events) == 1
    assert events[0]["subject_kind"] == "client"
    assert events[0]["client_id"] == service.client_id
    assert events[0]["failures"] == 5
    assert client_credentials(flow, service, address="198.51.100.1").status_code == 200


def password(flow, client, username, secret, address="127.0.0.1"):
    return flow.token(
        {"grant_type": "password", "username": username, "password": secret},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
        REMOTE_ADDR=address,
    )


def test_password_guessing_locks_the_username_at_that_address(flow, owner, settings, limiter_cache):
    limits(settings, FAILED_ATTEMPTS_LIMIT=5, FAILED_ATTEMPTS_WINDOW_SECONDS=60)
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    statuses = [password(flow, legacy, owner.username, f"guess{i}").status_code for i in range(8)]
    assert statuses == [400] * 5 + [429] * 3
    assert password(flow, legacy, owner.username, PASSWORD).status_code == 429
    # The owner, from their own address, still gets in.
    assert password(flow, legacy, owner.username, PASSWORD, address="198.51.100.4").status_code == 200


def test_request_rate_per_address_and_per_client_at_an_address(flow, settings, limiter_cache):
    limits(settings, RATE_LIMITS={"token": "5/minute"})
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    statuses = [client_credentials(flow, service, address="10.9.9.9").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # The same client from another address has an allowance of its own.
    assert client_credentials(flow, service, address="10.0.0.1").status_code == 200

    # One address, several clients: the address's own limit.
    others = [ApplicationFactory(grant_types="client_credentials", redirect_uris="") for _ in range(6)]
    statuses = [client_credentials(flow, other, address="10.8.8.8").status_code for other in others]
    assert statuses == [200] * 5 + [429]


def test_anonymous_requests_naming_a_client_use_up_only_their_own_address(
    flow, confidential_client, settings, limiter_cache
):
    """A public client id sent by anyone must not exhaust that client's allowance for its users."""
    limits(settings, RATE_LIMITS={"authorize": "3/minute"})
    params = {
        "response_type": "code",
        "client_id": confidential_client.client_id,
        "redirect_uri": "https://client.example/callback",
    }
    url = "/oauth/authorize/?" + urlencode(params)
    anonymous = Client()
    statuses = [anonymous.get(url, REMOTE_ADDR="203.0.113.9").status_code for _ in range(5)]
    assert statuses[-1] == 429
    assert flow.browser.get(url, REMOTE_ADDR="198.51.100.5").status_code == 200


def test_authorize_endpoint_rate_limit_is_an_error_page(flow, confidential_client, settings, limiter_cache):
    limits(settings, RATE_LIMITS={"authorize": "2/minute"})
    params = {
        "response_type": "code",
        "client_id": confidential_client.client_id,
        "redirect_uri": "https://client.example/callback",
    }
    assert [flow.authorize(**params).status_code for _ in range(3)] == [200, 200, 429]
    limited = flow.authorize(**params)
    assert "Location" not in limited
    assert int(limited["Retry-After"]) >= 1


def test_rate_limit_hit_is_signalled(flow, settings, limiter_cache):
    limits(settings, RATE_LIMITS={"revoke": "1/minute"})
    events = []
    signals.rate_limit_hit.connect(lambda **kw: events.append(kw["endpoint"]), weak=False, dispatch_uid="t")
    try:
        service = ApplicationFactory()
        auth = basic_auth(service.client_id, CLIENT_SECRET)
        flow.post("revoke", {"token": "x"}, HTTP_AUTHORIZATION=auth)
        assert flow.post("revoke", {"token": "x"}, HTTP_AUTHORIZATION=auth).status_code == 429
    finally:
        signals.rate_limit_hit.disconnect(dispatch_uid="t")
    assert events == ["revoke"]


def test_one_round_trip_to_redis_checks_a_request(flow, settings, redis_cache, monkeypatch):
    """Rate limits and lockouts of one request: one command to Redis (a server-side script)."""
    import redis

    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    assert client_credentials(flow, service).status_code == 200  # loads the scripts once
    commands = []
    real = redis.Redis.execute_command
    monkeypatch.setattr(
        redis.Redis,
        "execute_command",
        lambda self, *args, **kw: commands.append(args[0]) or real(self, *args, **kw),
    )
    assert client_credentials(flow, service).status_code == 200
    assert commands == ["EVALSHA"]
    commands.clear()
    assert client_credentials(flow, service, "wrong").status_code == 401
    assert commands == ["EVALSHA", "EVALSHA"]  # the check, then the failure


@pytest.mark.parametrize(("fail_open", "status"), [(True, 200), (False, 503)])
def test_cache_outage_fails_open_or_closed(flow, settings, fail_open, status):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    limits(settings, RATE_LIMIT_FAIL_OPEN=fail_open)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    response = flow.token(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET)
    )
    assert response.status_code == status
    if status == 503:
        assert response.json()["error"] == "temporarily_unavailable"


@pytest.mark.parametrize(
    ("num_proxies", "forwarded", "address"),
    [
        # Not trusted by default: a client cannot pick the address it is limited by.
        (0, "203.0.113.9", "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        # Only the hops our own proxies appended count; what the client sent is ignored.
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.7, 203.0.113.9", "198.51.100.7"),
    ],
)
def test_the_address_is_taken_from_trusted_proxies_only(rf, settings, num_proxies, forwarded, address):
    limits(settings, NUM_PROXIES=num_proxies)
    request = rf.post("/oauth/token/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == address
