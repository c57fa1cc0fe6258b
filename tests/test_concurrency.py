"""Races on real PostgreSQL row locks: parallel requests, each thread with its own connection.

SECURITY.md items 4 and 6: of N parallel exchanges of one code exactly one succeeds;
of N parallel refreshes of one refresh token at most one does; the rest get clean
invalid_grant answers, never a 500.
"""

from __future__ import annotations

import threading
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from oauth2_provider.models import get_access_token_model

from .conftest import CLIENT_SECRET, Flow, basic_auth

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; `make test` runs this module with TEST_DATABASE=postgres")


def race(count: int, request) -> list:
    """Run ``request(client)`` in ``count`` threads released together; return the responses."""
    barrier = threading.Barrier(count)
    responses: list = [None] * count

    def worker(index: int) -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=30)
            responses[index] = request(Client())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def outcome(responses: list) -> Counter:
    return Counter(
        (r.status_code, r.json().get("error")) if r is not None else ("no response", None) for r in responses
    )


def token_request(data: dict, client_id: str):
    """A token request a thread can send with its own test client."""
    body = urlencode(data)

    def send(client: Client):
        return client.post(
            "/oauth/token/",
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic_auth(client_id, CLIENT_SECRET),
        )

    return send


def test_twenty_parallel_exchanges_of_one_code_yield_one_token(flow: Flow, confidential_client):
    code = flow.get_code(confidential_client)["code"]
    send = token_request(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": "https://client.example/callback"},
        confidential_client.client_id,
    )

    results = outcome(race(20, send))

    assert results == Counter({(200, None): 1, (400, "invalid_grant"): 19})
    # The 19 replays revoked what the one success issued (RFC 6749 §4.1.2).
    assert not get_access_token_model().objects.exists()


def test_ten_parallel_refreshes_yield_at_most_one_pair(flow: Flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    send = token_request(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        confidential_client.client_id,
    )

    results = outcome(race(10, send))

    assert results[(200, None)] <= 1
    assert results[(400, "invalid_grant")] == 10 - results[(200, None)]
    assert sum(results.values()) == 10
    # Reuse of the rotated token revoked the family, the new pair included.
    assert not get_access_token_model().objects.exists()
