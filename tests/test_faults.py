"""Backing services failing mid-request: a clean 503, and no half state.

The database fails at a chosen statement with a real database error (the statement is
swapped for one naming a table that does not exist, so SQLite and PostgreSQL raise
their own errors and PostgreSQL aborts the transaction as it would on a lost
connection). The answer is ``503`` with ``temporarily_unavailable`` (RFC 6749 §5.2,
§4.1.2.1), and the request's transaction is rolled back as a whole: a token is issued
if and only if its code was consumed, and a refresh token is rotated only if its
successor was stored. When the rate-limit cache is down the limiter fails open or
closed, as ``RATE_LIMIT_FAIL_OPEN`` says, at every endpoint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from oauth_provider.models import Consent

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair
from .factories import ApplicationFactory

MISSING_TABLE_SQL = "SELECT 1 FROM oauth_provider_fault_injected"


# A write may sit in a WITH clause of a statement that does several (two tokens stored
# and a replaced one deleted in one round trip, on PostgreSQL): it fails that statement.
STATEMENTS = {
    "SELECT": r"SELECT .* FROM {table}",
    "INSERT": r"(WITH .*)?INSERT INTO {table}",
    "UPDATE": r"(WITH .*)?UPDATE {table}",
    "DELETE": r"(WITH .*)?DELETE FROM {table}",
}


@contextmanager
def database_fails(statement: str, model) -> Iterator[list[str]]:
    """Every ``statement`` (SELECT, INSERT, UPDATE or DELETE) on ``model``'s table fails
    inside the block; yields the statements that were failed."""
    table = re.escape(connection.ops.quote_name(model._meta.db_table))
    pattern = re.compile(STATEMENTS[statement].format(table=table) + r"(\s|$)", re.DOTALL)
    failed: list[str] = []

    def wrapper(execute, sql, params, many, context):
        if pattern.match(sql):
            failed.append(sql)
            return execute(MISSING_TABLE_SQL, (), False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield failed


def assert_unavailable(response) -> None:
    """RFC 6749 §5.2 body, no-store, status 503, nothing else."""
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = json.loads(response.content)
    assert set(body) == {"error", "error_description"}
    assert body["error"] == "temporarily_unavailable"
    assert body["error_description"]


def token_count() -> int:
    return get_access_token_model().objects.count() + get_refresh_token_model().objects.count()


# -- the database ----------------------------------------------------------------------------

# Committed for real, as in production: the code or refresh token is read outside any
# transaction, where a failed statement aborts nothing else.
commits_for_real = pytest.mark.django_db(transaction=True)


@commits_for_real
@pytest.mark.parametrize(
    ("statement", "model"),
    [
        ("SELECT", get_grant_model()),
        ("INSERT", get_access_token_model()),
        ("INSERT", get_refresh_token_model()),
        # The code is marked used after the tokens are stored (oauthlib's order).
        ("UPDATE", get_grant_model()),
    ],
    ids=["reading-the-code", "storing-the-access-token", "storing-the-refresh-token", "consuming-the-code"],
)
def test_database_failure_during_a_code_exchange_is_503_and_keeps_the_code(
    flow, confidential_client, statement, model
):
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]

    with database_fails(statement, model) as failed:
        response = flow.exchange(confidential_client, code, verifier=verifier)

    assert failed
    assert_unavailable(response)
    # No half state: no token, and the code is not consumed, so the client may retry.
    assert token_count() == 0
    assert get_grant_model().objects.get().consumed is None
    retry = flow.exchange(confidential_client, code, verifier=verifier)
    assert retry.status_code == 200, retry.content
    assert get_grant_model().objects.get().consumed is not None
    assert get_access_token_model().objects.count() == 1


@commits_for_real
@pytest.mark.parametrize(
    ("statement", "model"),
    [
        # Rotation revokes the presented token first, then stores its successors.
        ("INSERT", get_access_token_model()),
        ("INSERT", get_refresh_token_model()),
    ],
    ids=["storing-the-access-token", "storing-the-refresh-token"],
)
def test_database_failure_during_a_refresh_is_503_and_keeps_the_refresh_token(
    flow, confidential_client, statement, model
):
    tokens = flow.tokens_for(confidential_client)
    auth = {"HTTP_AUTHORIZATION": basic_auth(confidential_client.client_id, CLIENT_SECRET)}
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}

    with database_fails(statement, model) as failed:
        response = flow.token(data, **auth)

    assert failed
    assert_unavailable(response)
    # The rotation was rolled back: the old pair is live, and the refresh token still works
    # once (a retry is not mistaken for a reuse).
    assert get_refresh_token_model().objects.filter(revoked__isnull=True).count() == 1
    assert get_access_token_model().objects.count() == 1
    retry = flow.token(data, **auth)
    assert retry.status_code == 200, retry.content


@pytest.mark.parametrize(
    ("statement", "model"),
    [("UPDATE", get_refresh_token_model()), ("DELETE", get_access_token_model())],
    ids=["revoking-the-refresh-token", "deleting-the-access-token"],
)
def test_database_failure_during_revocation_is_503_and_revokes_nothing(
    flow, confidential_client, statement, model
):
    tokens = flow.tokens_for(confidential_client)
    auth = {"HTTP_AUTHORIZATION": basic_auth(confidential_client.client_id, CLIENT_SECRET)}

    with database_fails(statement, model) as failed:
        response = flow.post("revoke", {"token": tokens["access_token"]}, **auth)

    assert failed
    # RFC 7009 §2.2.1: the client is told to retry, and the token is not half revoked.
    assert_unavailable(response)
    assert get_refresh_token_model().objects.filter(revoked__isnull=True).count() == 1
    assert get_access_token_model().objects.count() == 1
    assert flow.post("revoke", {"token": tokens["access_token"]}, **auth).status_code == 200
    assert token_count() == 1  # the revoked refresh token is kept to catch reuse


def test_database_failure_during_introspection_is_503(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    auth = {"HTTP_AUTHORIZATION": basic_auth(confidential_client.client_id, CLIENT_SECRET)}

    with database_fails("SELECT", get_access_token_model()) as failed:
        response = flow.post("introspect", {"token": tokens["access_token"]}, **auth)

    assert failed
    assert_unavailable(response)


@pytest.mark.parametrize(
    ("statement", "model"),
    [("INSERT", get_grant_model()), ("INSERT", Consent)],
    ids=["storing-the-code", "storing-the-consent"],
)
def test_database_failure_at_consent_is_an_error_page_and_issues_no_code(
    flow, confidential_client, statement, model
):
    page = flow.authorize(
        response_type="code",
        client_id=confidential_client.client_id,
        redirect_uri="https://client.example/callback",
        scope="read",
        state="xyz",
    )

    with database_fails(statement, model) as failed:
        response = flow.consent(page)

    assert failed
    # No redirect: the client gets no code, the owner a page saying to try again.
    assert response.status_code == 503
    assert "Location" not in response
    assert response.context["error"] == "temporarily_unavailable"
    assert not get_grant_model().objects.exists()
    assert not Consent.objects.exists()


# -- the rate-limit cache ------------------------------------------------------------------


@pytest.fixture
def cache_down(settings):
    """The rate-limit cache is a Redis server nobody listens for."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/7",
        }
    }


def fail_open(settings, value: bool) -> None:
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RATE_LIMIT_FAIL_OPEN": value}


@pytest.mark.parametrize("endpoint", ["revoke", "introspect"])
def test_cache_outage_fails_closed_when_told_to(flow, confidential_client, settings, cache_down, endpoint):
    fail_open(settings, False)
    auth = {"HTTP_AUTHORIZATION": basic_auth(confidential_client.client_id, CLIENT_SECRET)}

    response = flow.post(endpoint, {"token": "unknown"}, **auth)

    assert_unavailable(response)


@pytest.mark.parametrize("endpoint", ["revoke", "introspect"])
def test_cache_outage_fails_open_by_default(flow, confidential_client, settings, cache_down, endpoint):
    fail_open(settings, True)
    auth = {"HTTP_AUTHORIZATION": basic_auth(confidential_client.client_id, CLIENT_SECRET)}

    response = flow.post(endpoint, {"token": "unknown"}, **auth)

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("value", "status"), [(True, 200), (False, 503)])
def test_cache_outage_at_the_authorization_endpoint(
    flow, confidential_client, settings, cache_down, value, status
):
    fail_open(settings, value)

    response = flow.authorize(
        response_type="code",
        client_id=confidential_client.client_id,
        redirect_uri="https://client.example/callback",
    )

    assert response.status_code == status
    assert "Location" not in response
    if status == 503:
        assert response.context["error"] == "temporarily_unavailable"


def test_cache_outage_does_not_stop_a_failed_login_from_failing(flow, settings, cache_down):
    """Failing open skips the lockout bookkeeping, never the credential check."""
    fail_open(settings, True)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")

    response = flow.token(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(service.client_id, "wrong")
    )

    assert response.status_code == 401
    assert json.loads(response.content)["error"] == "invalid_client"
