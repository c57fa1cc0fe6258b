"""Rate limits and lockouts (SECURITY.md item 10), against a real Redis server."""

from __future__ import annotations

import time

import pytest

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


def test_client_secret_brute_force_is_cut_off_within_20_tries(flow, settings, redis_cache, monkeypatch):
    limits(settings, FAILED_ATTEMPTS_LIMIT=10, FAILED_ATTEMPTS_WINDOW_SECONDS=2)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    checks = []
    real_verify = hashing.verify_client_secret
    monkeypatch.setattr(
        "oauth_provider.server.client_authentication.verify_client_secret",
        lambda *a: checks.append(1) or real_verify(*a),
    )

    statuses = []
    for attempt in range(20):
        guess = basic_auth(service.client_id, f"guess-{attempt}")
        statuses.append(
            flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=guess).status_code
        )

    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429] * 10
    # Refused before any secret was hashed.
    assert len(checks) == 10
    right = basic_auth(service.client_id, CLIENT_SECRET)
    locked = flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=right)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) >= 1
    assert locked.json()["error"] == "temporarily_unavailable"

    time.sleep(int(locked["Retry-After"]) + 0.2)
    assert flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=right).status_code == 200


def test_lockouts_escalate(flow, settings, redis_cache):
    limits(settings, FAILED_ATTEMPTS_LIMIT=2, FAILED_ATTEMPTS_WINDOW_SECONDS=1)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    wrong = basic_auth(service.client_id, "nope")
    for _ in range(2):
        flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=wrong)
    first = flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=wrong)
    assert first.status_code == 429
    time.sleep(int(first["Retry-After"]) + 0.2)
    flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=wrong)
    flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=wrong)
    second = flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=wrong)
    assert second.status_code == 429
    assert int(second["Retry-After"]) > int(first["Retry-After"])


def test_password_guessing_locks_the_username(flow, owner, settings, redis_cache):
    limits(settings, FAILED_ATTEMPTS_LIMIT=5, FAILED_ATTEMPTS_WINDOW_SECONDS=60)
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    auth = basic_auth(legacy.client_id, CLIENT_SECRET)
    statuses = [
        flow.token(
            {"grant_type": "password", "username": owner.username, "password": f"guess{i}"},
            HTTP_AUTHORIZATION=auth,
        ).status_code
        for i in range(8)
    ]
    assert statuses == [400] * 5 + [429] * 3
    right = flow.token(
        {"grant_type": "password", "username": owner.username, "password": PASSWORD}, HTTP_AUTHORIZATION=auth
    )
    assert right.status_code == 429


def test_request_rate_per_client_and_per_address(flow, settings, redis_cache):
    limits(settings, RATE_LIMITS={"token": "5/minute"})
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    auth = basic_auth(service.client_id, CLIENT_SECRET)
    statuses = [
        flow.token(
            {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=auth, REMOTE_ADDR=f"10.0.0.{i}"
        ).status_code
        for i in range(7)
    ]
    assert statuses == [200] * 5 + [429] * 2  # one client, many addresses

    other = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    other_auth = basic_auth(other.client_id, CLIENT_SECRET)
    statuses = [
        flow.token(
            {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=other_auth, REMOTE_ADDR="10.9.9.9"
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_authorize_endpoint_rate_limit_is_an_error_page(flow, confidential_client, settings, redis_cache):
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


def test_rate_limit_hit_is_signalled(flow, settings, redis_cache):
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
