"""Prepared statements on PostgreSQL.

Where a site turns on psycopg's prepared statements (Django's ``prepare_threshold``
option), the statements the token endpoint and the resource server run on every request
are prepared, and every grant still works, including a code's reuse. The whole suite
also runs this way (``TEST_PREPARED_STATEMENTS=1``, see the Makefile).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair
from .factories import ApplicationFactory

# Prepared statements are the "sql" token store's (its own cursors bind on the server).
pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.usefixtures("sql_store")]


@pytest.fixture
def statements_prepared(db) -> Iterator[None]:
    """The site's ``"OPTIONS": {"prepare_threshold": 0}``, on the connection already open."""
    connection.ensure_connection()
    options = connection.settings_dict.setdefault("OPTIONS", {})
    saved_options, saved_threshold = dict(options), connection.connection.prepare_threshold
    options["prepare_threshold"] = 0
    connection.connection.prepare_threshold = 0
    yield
    options.clear()
    options.update(saved_options)
    connection.connection.prepare_threshold = saved_threshold


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def prepared(prefix: str) -> bool:
    return any(statement.startswith(prefix) for statement in prepared_statements())


@pytest.fixture
def service(db):
    return ApplicationFactory(grant_types="client_credentials", redirect_uris="")


def test_a_token_and_its_use_are_prepared_statements(flow, service, statements_prepared):
    for _ in range(2):
        response = flow.client_credentials(service)
        assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    assert Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    assert prepared('INSERT INTO "oauth_provider_accesstoken"')
    assert prepared('SELECT "oauth_provider_application"."id"')
    assert prepared('SELECT "oauth_provider_accesstoken"."id"')


def test_a_code_exchange_and_a_refresh_are_prepared_statements(
    flow, confidential_client, statements_prepared
):
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    exchanged = flow.exchange(confidential_client, code, verifier=verifier)
    assert exchanged.status_code == 200, exchanged.content
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": exchanged.json()["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert refreshed.status_code == 200, refreshed.content
    new_token = refreshed.json()["access_token"]
    assert Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {new_token}").status_code == 200

    # The prepared statement that spends the code finds it spent: a reuse, which ends the family.
    again = flow.exchange(confidential_client, code, verifier=verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {new_token}").status_code == 401

    assert prepared('WITH spent AS (UPDATE "oauth_provider_grant"')
    assert prepared('WITH spent AS (UPDATE "oauth_provider_refreshtoken"')
    assert prepared('SELECT "oauth_provider_grant"."id"')
    assert prepared('SELECT "oauth_provider_refreshtoken"."id"')


def test_the_query_log_still_shows_each_statement_with_its_values(
    flow, service, statements_prepared, django_assert_num_queries
):
    """While Django logs queries, the statements go through Django's own cursor."""
    with django_assert_num_queries(2) as captured:
        response = flow.client_credentials(service)
    assert response.status_code == 200, response.content
    assert service.client_id in captured.captured_queries[0]["sql"]


@pytest.fixture
def behind_a_transaction_pooler(statements_prepared) -> Iterator[None]:
    """Django's marker of a transaction-mode pooler (``DISABLE_SERVER_SIDE_CURSORS``)."""
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    yield
    connection.settings_dict.pop("DISABLE_SERVER_SIDE_CURSORS")


def test_nothing_is_prepared_behind_a_transaction_pooler(flow, service, behind_a_transaction_pooler):
    """Each transaction may run on another server connection there (docs/deployment.rst);
    PgBouncer before 1.21 does not carry prepared statements across them."""
    for _ in range(3):
        assert flow.client_credentials(service).status_code == 200
    assert not prepared('INSERT INTO "oauth_provider_accesstoken"')


def test_a_pooler_said_to_keep_them_gets_prepared_statements(
    flow, service, behind_a_transaction_pooler, settings
):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "POOLER_KEEPS_PREPARED_STATEMENTS": True}
    for _ in range(2):
        assert flow.client_credentials(service).status_code == 200
    assert prepared('INSERT INTO "oauth_provider_accesstoken"')
