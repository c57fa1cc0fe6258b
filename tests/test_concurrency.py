"""Races on real PostgreSQL row locks: parallel requests, each thread with its own connection.

docs/security.rst, policy items 4 and 6: of N parallel exchanges of one code exactly one succeeds;
of N parallel refreshes of one refresh token at most one does; the rest get clean
invalid_grant answers, never a 500. A revocation racing a refresh still ends the whole
token family (item 9), and a secret rotation racing token requests neither fails them
nor gets undone.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from oauth_provider.core import signals
from oauth_provider.core.hashing import hash_client_secret, hash_token
from oauth_provider.storage.clients import rotate_client_secret

from .conftest import CLIENT_SECRET, Flow, basic_auth, commit_elsewhere
from .factories import ApplicationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

#: Races repeated with fresh tokens, to land in more interleavings.
ROUNDS = 10


def race(count: int, request) -> list:
    """Run ``request(client)`` in ``count`` threads released together; return the responses."""
    return race_each([request] * count)


def race_each(requests: list) -> list:
    """Run each ``request(client)`` in a thread of its own, released together."""
    count = len(requests)
    barrier = threading.Barrier(count)
    responses: list = [None] * count

    def worker(index: int) -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=30)
            responses[index] = requests[index](Client())
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


def token_request(data: dict, client_id: str, secret: str = CLIENT_SECRET, path: str = "/oauth/token/"):
    """A token (or revocation) request a thread can send with its own test client."""
    body = urlencode(data)

    def send(client: Client):
        return client.post(
            path,
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic_auth(client_id, secret),
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


@pytest.mark.parametrize("grant", ["refresh_token", "authorization_code"])
def test_a_token_used_between_the_read_and_the_write_is_a_reuse(flow: Flow, confidential_client, grant):
    """Another request spends the code or refresh token after this one has read it and
    before it stores its tokens: this one stores nothing, and is the reuse."""
    if grant == "refresh_token":
        tokens = flow.tokens_for(confidential_client)
        data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        table = get_refresh_token_model()._meta.db_table
        spent_elsewhere = (
            f"UPDATE {table} SET revoked = now() WHERE token_checksum = %s",
            [hash_token(tokens["refresh_token"])],
        )
        reused = signals.refresh_token_reused
        left = 0  # the family is revoked: its access token too
    else:
        flow.tokens_for(confidential_client)
        code = flow.get_code(confidential_client)["code"]
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://client.example/callback",
        }
        spent_elsewhere = (
            f"UPDATE {get_grant_model()._meta.db_table} SET consumed = now() WHERE code = %s",
            [hash_token(code)],
        )
        reused = signals.authorization_code_reused
        left = get_access_token_model().objects.count()  # the earlier family's token
    sent: list = []
    reused.connect(lambda **kwargs: sent.append(kwargs), weak=False, dispatch_uid="reused")

    spent: list = []

    def spend_first(execute, sql, params, many, context):
        # The first write is the spend, whichever store makes it (one statement or an UPDATE).
        if sql.startswith(("WITH spent AS", "UPDATE")) and not spent:
            commit_elsewhere(*spent_elsewhere)
            spent.append(sql)
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(spend_first):
            response = flow.token(
                data, HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET)
            )
    finally:
        reused.disconnect(dispatch_uid="reused")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_grant"
    assert len(sent) == 1
    assert get_access_token_model().objects.count() == left


@pytest.fixture
def revoked_families():
    """The token families a revocation request found and revoked (``token_revoked``)."""
    families: list = []

    def receiver(token_family=None, **kwargs):
        families.append(token_family)

    signals.token_revoked.connect(receiver, weak=False, dispatch_uid="revoked_families")
    yield families
    signals.token_revoked.disconnect(dispatch_uid="revoked_families")


@pytest.mark.parametrize("revoked", ["refresh_token", "access_token"])
def test_revocation_racing_a_refresh_leaves_no_usable_token_rfc7009_2_1(
    flow: Flow, confidential_client, revoked, revoked_families
):
    """A revocation that lands while its family is being refreshed ends the whole family,
    the successor of a refresh that held the row lock included. One refresher per round:
    with more, the losers' reuse detection would revoke the family anyway.

    Revoking the access token can come too late: a refresh that committed first has
    replaced it, and revoking a token that is no longer valid does nothing (RFC 7009
    §2.2). The refresh token is kept after rotation, so revoking it always ends the family.
    """
    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    client_id = confidential_client.client_id
    results: Counter = Counter()
    for _ in range(ROUNDS):
        tokens = flow.tokens_for(confidential_client)
        family = RefreshToken.objects.get(token_checksum=hash_token(tokens["refresh_token"])).token_family
        refresh = token_request(
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}, client_id
        )
        revoke = token_request(
            {"token": tokens[revoked], "token_type_hint": revoked}, client_id, path="/oauth/revoke/"
        )

        revocation, refreshed = race_each([revoke, refresh])

        assert revocation is not None and revocation.status_code == 200, revocation
        results.update(outcome([refreshed]))
        assert outcome([refreshed]) in (Counter({(200, None): 1}), Counter({(400, "invalid_grant"): 1}))
        if family not in revoked_families:
            # Only the access token case, and only after the refresh had replaced it.
            assert revoked == "access_token" and refreshed.status_code == 200
            results["revoked token already replaced"] += 1
            continue
        # RFC 7009 §2.1: the family is over, whichever request won the row lock.
        assert not AccessToken.objects.filter(token_family=family).exists()
        assert not RefreshToken.objects.filter(token_family=family, revoked__isnull=True).exists()
        if refreshed.status_code == 200:
            again = flow.token(
                {"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"]},
                HTTP_AUTHORIZATION=basic_auth(client_id, CLIENT_SECRET),
            )
            assert again.status_code == 400
    # What the race looked like: refreshes that won the lock, and ones that found it revoked.
    print(f"revocation of the {revoked} vs a refresh, {ROUNDS} rounds: {dict(results)}")


@pytest.mark.parametrize("stored", ["keyed_hash", "legacy_hash"])
def test_secret_rotation_racing_token_requests(stored):
    """Rotating a secret while the client uses it: every answer is 200 or 401, never a 5xx;
    the new secret works at once, the old one through the grace period and not after.

    A secret stored with a legacy hash is rewritten with the keyed hash on use; that
    rewrite must not undo a rotation committed in between.
    """
    Application = get_application_model()
    results: Counter = Counter()
    for _ in range(ROUNDS):
        # Each round's expected 401 counts towards a lockout of the one test address.
        caches["default"].clear()
        old_secret = "old-" + secrets.token_urlsafe(32)
        service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
        if stored == "legacy_hash":  # as django-oauth-toolkit stored it
            stored_hash = make_password(old_secret, hasher="md5")
        else:
            stored_hash = hash_client_secret(old_secret)
        Application.objects.filter(pk=service.pk).update(client_secret=stored_hash)
        service.refresh_from_db()
        request = token_request({"grant_type": "client_credentials"}, service.client_id, old_secret)
        new_secrets: list[str] = []

        def rotate(client: Client, application=service, new_secrets=new_secrets):
            new_secrets.append(rotate_client_secret(application, grace_seconds=3600))

        responses = race_each([rotate] + [request] * 10)

        token_responses = outcome(responses[1:])
        assert set(token_responses) <= {(200, None), (401, "invalid_client")}, token_responses
        results.update(token_responses)
        new = basic_auth(service.client_id, new_secrets[0])
        old = basic_auth(service.client_id, old_secret)
        assert send_token(new).status_code == 200
        assert send_token(old).status_code == 200  # within the grace period
        # The grace period ends.
        Application.objects.filter(pk=service.pk).update(
            previous_client_secret_expires=timezone.now() - timedelta(seconds=1)
        )
        assert send_token(old).status_code == 401
        assert send_token(new).status_code == 200
    print(f"secret rotation ({stored}) vs 10 token requests, {ROUNDS} rounds: {dict(results)}")


def send_token(authorization: str):
    return Client().post(
        "/oauth/token/",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=authorization,
    )
