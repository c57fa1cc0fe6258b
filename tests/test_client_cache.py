"""Clients from each process's memory at the token endpoint, on SQLite and PostgreSQL.

A client row kept in memory is never trusted past a change to it: a token is stored
only if the row is still the version read, and a refusal made with a row from memory
is made again with the row read afresh when the row has changed (the "sql" token store,
storage/sql.py). The behaviour tests hold for every store; the query counts are the "sql" store's.
Every change here goes around the ORM's save(), as a ``QuerySet.update()``, a
management command on another server or plain SQL would.
"""

from __future__ import annotations

import pytest
from django.db import connection
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from oauth_provider.core.hashing import hash_client_secret, hash_token

from .conftest import CLIENT_SECRET, basic_auth, commit_elsewhere
from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

NEW_SECRET = "a-new-secret-after-rotation-0123456789"


@pytest.fixture
def service(db):
    return ApplicationFactory(grant_types="client_credentials refresh_token", redirect_uris="")


def change(client, **fields) -> None:
    get_application_model().objects.filter(pk=client.pk).update(**fields)


def access_token_count() -> int:
    return get_access_token_model().objects.count()


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"is_active": False}, 401, "invalid_client"),
        ({"client_secret": hash_client_secret(NEW_SECRET)}, 401, "invalid_client"),
        ({"grant_types": "authorization_code"}, 400, "unauthorized_client"),
        ({"allowed_scopes": "write"}, 400, "invalid_scope"),
    ],
    ids=["disabled", "secret-rotated", "grant-type-removed", "scope-removed"],
)
def test_a_change_to_a_known_client_applies_to_the_next_request(flow, service, fields, status, error):
    assert flow.client_credentials(service).status_code == 200  # the client is now in memory
    change(service, **fields)

    response = flow.client_credentials(service)

    assert response.status_code == status, response.content
    assert response.json()["error"] == error
    assert access_token_count() == 1


def test_a_deleted_client_gets_no_token(flow, service):
    assert flow.client_credentials(service).status_code == 200
    get_access_token_model().objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {get_application_model()._meta.db_table} WHERE id = %s", [service.pk])

    response = flow.client_credentials(service)

    assert response.status_code == 401
    assert access_token_count() == 0


@pytest.mark.parametrize(
    ("before", "after", "secret"),
    [
        ({"is_active": False}, {"is_active": True}, CLIENT_SECRET),
        ({}, {"client_secret": hash_client_secret(NEW_SECRET)}, NEW_SECRET),
        ({"grant_types": "authorization_code"}, {"grant_types": "client_credentials"}, CLIENT_SECRET),
    ],
    ids=["re-enabled", "new-secret", "grant-type-added"],
)
def test_a_refusal_from_memory_is_not_kept_after_the_client_changes(flow, service, before, after, secret):
    """A row in memory that refuses is checked against the database before the refusal
    is sent; a client re-enabled or given a new secret works at once."""
    change(service, **before)
    flow.client_credentials(service)  # read and kept, whatever it answered
    change(service, **after)
    issued = access_token_count()

    response = flow.client_credentials(service, secret=secret)

    assert response.status_code == 200, response.content
    assert access_token_count() == issued + 1
    if secret != CLIENT_SECRET:
        assert flow.client_credentials(service).status_code == 401


@pytest.mark.usefixtures("sql_store")
def test_a_refusal_from_an_unchanged_client_costs_one_check(flow, service, django_assert_num_queries):
    assert flow.client_credentials(service).status_code == 200
    with django_assert_num_queries(1):  # is the row in memory still current?
        response = flow.client_credentials(service, secret="wrong")
    assert response.status_code == 401


def test_a_refresh_with_a_disabled_client_spends_nothing(flow, confidential_client):
    """The refresh token is revoked in the statement that checks the client, so a refresh
    refused there leaves it usable once the client is back."""
    tokens = flow.tokens_for(confidential_client, scope="read")  # the client is now in memory
    change(confidential_client, is_active=False)
    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    auth = {"HTTP_AUTHORIZATION": basic_auth(confidential_client.client_id, CLIENT_SECRET)}

    assert flow.token(data, **auth).status_code == 401
    refresh = get_refresh_token_model().objects.get(token_checksum=hash_token(tokens["refresh_token"]))
    assert refresh.revoked is None
    assert access_token_count() == 1

    change(confidential_client, is_active=True)
    assert flow.token(data, **auth).status_code == 200


def test_only_the_token_endpoint_uses_memory(flow, service):
    """Revocation and introspection read the client every time."""
    token = flow.client_credentials(service).json()["access_token"]
    change(service, is_active=False)
    auth = {"HTTP_AUTHORIZATION": basic_auth(service.client_id, CLIENT_SECRET)}
    assert flow.post("introspect", {"token": token}, **auth).status_code == 401
    assert flow.post("revoke", {"token": token}, **auth).status_code == 401


@pytest.mark.usefixtures("sql_store")
def test_memory_holds_at_most_client_cache_size_clients(flow, settings, django_assert_num_queries):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "CLIENT_CACHE_SIZE": 2}
    first, second, third = (ApplicationFactory(grant_types="client_credentials") for _ in range(3))
    for client in (first, second, third):
        assert flow.client_credentials(client).status_code == 200
    for known in (third, second):
        with django_assert_num_queries(1):  # the newest two are in memory: the INSERT alone
            assert flow.client_credentials(known).status_code == 200
    with django_assert_num_queries(2):  # the oldest was dropped: read again, then the INSERT
        assert flow.client_credentials(first).status_code == 200


@pytest.mark.usefixtures("sql_store")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_client_disabled_by_another_connection_mid_request_gets_no_token(flow, service):
    """The client is disabled and committed by another connection after this request
    authenticated it from memory and before its INSERT: no token is stored, and the
    request, run again with the row read afresh, is refused."""
    assert flow.client_credentials(service).status_code == 200
    table = get_application_model()._meta.db_table
    disabled = []

    def disable_first(execute, sql, params, many, context):
        if sql.startswith("INSERT INTO") and not disabled:
            commit_elsewhere(f"UPDATE {table} SET is_active = false WHERE id = %s", [service.pk])
            disabled.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(disable_first):
        response = flow.client_credentials(service)

    assert disabled
    assert response.status_code == 401, response.content
    assert access_token_count() == 1
