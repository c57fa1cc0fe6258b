"""What each hot path costs in database queries: the numbers docs/performance.rst states.

The counts are maxima, so that a change that adds a query fails here rather than in
the benchmark. Inside a test the endpoint's transaction is a savepoint: the SAVEPOINT
and RELEASE SAVEPOINT statements are counted too (two queries a production request
does not send, which sends BEGIN and COMMIT instead, or nothing for client credentials).
"""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair
from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return ApplicationFactory(grant_types="client_credentials", redirect_uris="")


def test_client_credentials_costs_at_most_three_queries(flow, service, django_assert_max_num_queries):
    """A client the process has not read yet: the client (one indexed lookup) and the token
    (one INSERT); no transaction around them."""
    with django_assert_max_num_queries(3) as captured:
        response = flow.client_credentials(service)
    assert response.status_code == 200, response.content
    assert not any("SAVEPOINT" in query["sql"] for query in captured.captured_queries)


def test_a_protected_get_costs_one_query(flow, service, django_assert_max_num_queries):
    token = flow.client_credentials(service).json()["access_token"]
    with django_assert_max_num_queries(1):
        response = Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def spend_savepoint() -> int:
    """The ORM store spends a code or refresh token in a savepoint of its own
    (SAVEPOINT and RELEASE SAVEPOINT: two statements more; see storage/token_store.py)."""
    from oauth_provider.settings import provider_settings

    return 2 if provider_settings.TOKEN_STORE == "orm" else 0


def test_a_refresh_costs_at_most_eight_queries(flow, confidential_client, django_assert_max_num_queries):
    """Client, refresh token, rotation UPDATE, UPDATE ending the old access token, two
    INSERTs; plus the savepoint pair."""
    tokens = flow.tokens_for(confidential_client, scope="read")
    with django_assert_max_num_queries(8 + spend_savepoint()):
        response = flow.token(
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
        )
    assert response.status_code == 200, response.content


def test_a_code_exchange_costs_at_most_seven_queries(
    flow, confidential_client, django_assert_max_num_queries
):
    """Client, code with its owner, the code marked used, two INSERTs; plus the savepoint pair."""
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    with django_assert_max_num_queries(7 + spend_savepoint()):
        response = flow.exchange(confidential_client, code, verifier=verifier)
    assert response.status_code == 200, response.content


def test_an_introspection_costs_at_most_two_queries(flow, service, django_assert_max_num_queries):
    token = flow.client_credentials(service).json()["access_token"]
    with django_assert_max_num_queries(2):
        response = flow.post(
            "introspect", {"token": token}, HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET)
        )
    assert response.json()["active"] is True


# -- the "sql" store: clients from memory; on PostgreSQL, a grant's writes in one statement ------


@pytest.mark.usefixtures("sql_store")
def test_client_credentials_is_one_insert_once_the_client_is_known(flow, service, django_assert_num_queries):
    """The client comes from the process's memory; the INSERT checks its row is unchanged."""
    flow.client_credentials(service)
    with django_assert_num_queries(1) as captured:
        response = flow.client_credentials(service)
    assert response.status_code == 200, response.content
    assert captured.captured_queries[0]["sql"].startswith('INSERT INTO "oauth_provider_accesstoken"')


@pytest.mark.usefixtures("sql_store")
def test_with_the_client_cache_off_the_client_is_read_every_time(
    flow, service, settings, django_assert_num_queries
):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "CLIENT_CACHE_SIZE": 0}
    flow.client_credentials(service)
    with django_assert_num_queries(2):
        assert flow.client_credentials(service).status_code == 200


def token_writes(captured) -> list[str]:
    """The statements that wrote to a token table."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if any(
            f"{verb} {table}" in query["sql"]
            for verb in ("INSERT INTO", "UPDATE", "DELETE FROM")
            for table in ('"oauth_provider_accesstoken"', '"oauth_provider_refreshtoken"')
        )
    ]


@pytest.mark.usefixtures("sql_store")
def test_a_refresh_writes_in_one_statement_or_one_short_transaction(
    flow, confidential_client, django_assert_num_queries
):
    """On PostgreSQL, the lookup and one statement (see the next test). On SQLite, every
    parameter is built before the transaction begins: between its start and its end come
    the four writes and nothing else. (In a test the transaction is a savepoint.)"""
    from django.db import connection

    tokens = flow.tokens_for(confidential_client, scope="read")
    with django_assert_num_queries(7 if connection.vendor == "sqlite" else 2) as captured:
        response = flow.token(
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
        )
    assert response.status_code == 200, response.content
    if connection.vendor != "sqlite":
        return
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[0].startswith("SELECT ")
    assert statements[1].startswith("SAVEPOINT ")
    writes = [
        'UPDATE "oauth_provider_refreshtoken" SET "revoked" = ',
        'UPDATE "oauth_provider_accesstoken" SET "expires" = ',
        'INSERT INTO "oauth_provider_accesstoken" ',
        'INSERT INTO "oauth_provider_refreshtoken" ',
    ]
    assert [sql[: len(start)] for sql, start in zip(statements[2:6], writes, strict=True)] == writes
    assert statements[6].startswith("RELEASE SAVEPOINT ")


@pytest.mark.usefixtures("sql_store")
@pytest.mark.postgres
def test_on_postgresql_a_refresh_is_two_statements(flow, confidential_client, django_assert_num_queries):
    from oauth2_provider.models import get_access_token_model, get_refresh_token_model

    from oauth_provider.core.hashing import hash_token

    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    tokens = flow.tokens_for(confidential_client, scope="read")
    old_access = AccessToken.objects.get(token_checksum=hash_token(tokens["access_token"]))
    old_refresh = RefreshToken.objects.get(token_checksum=hash_token(tokens["refresh_token"]))

    with django_assert_num_queries(2) as captured:
        response = flow.token(
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
        )
    assert response.status_code == 200, response.content
    # The refresh token (no lock, no transaction), then one statement that revokes it,
    # deletes its access token and stores the new pair.
    assert captured.captured_queries[0]["sql"].startswith("SELECT ")
    spend_and_store = captured.captured_queries[1]["sql"]
    assert spend_and_store.startswith('WITH spent AS (UPDATE "oauth_provider_refreshtoken"')
    assert len(token_writes(captured)) == 1
    assert RefreshToken.objects.get(pk=old_refresh.pk).revoked is not None

    new = response.json()
    access = AccessToken.objects.get(token_checksum=hash_token(new["access_token"]))
    refresh = RefreshToken.objects.get(token_checksum=hash_token(new["refresh_token"]))
    assert refresh.access_token_id == access.pk
    assert access.source_refresh_token_id == old_refresh.pk
    assert access.token_family == refresh.token_family == old_refresh.token_family
    old_access.refresh_from_db()
    assert old_access.is_expired()
    assert Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {new['access_token']}").status_code == 200


@pytest.mark.usefixtures("sql_store")
@pytest.mark.postgres
def test_on_postgresql_a_code_exchange_is_two_statements(
    flow, confidential_client, django_assert_num_queries
):
    from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

    from oauth_provider.core.hashing import hash_token

    flow.tokens_for(confidential_client, scope="read")  # the token endpoint now knows the client
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    with django_assert_num_queries(2) as captured:
        response = flow.exchange(confidential_client, code, verifier=verifier)
    assert response.status_code == 200, response.content
    # The code with its owner, then one statement that marks it used and stores both tokens.
    assert captured.captured_queries[1]["sql"].startswith('WITH spent AS (UPDATE "oauth_provider_grant"')
    assert len(token_writes(captured)) == 1
    assert get_grant_model().objects.filter(consumed__isnull=True).count() == 0
    tokens = response.json()
    access = get_access_token_model().objects.get(token_checksum=hash_token(tokens["access_token"]))
    refresh = get_refresh_token_model().objects.get(token_checksum=hash_token(tokens["refresh_token"]))
    assert refresh.access_token_id == access.pk
    assert access.source_refresh_token_id is None


def test_with_a_save_receiver_each_token_is_saved_by_the_orm(flow, confidential_client):
    """Receivers of a token model's save signals see every save, on every database."""
    from django.db.models.signals import post_save
    from oauth2_provider.models import get_refresh_token_model

    saved = []

    def receiver(sender, instance, created, **kwargs):
        saved.append((instance.pk, instance.access_token_id, created))

    post_save.connect(receiver, sender=get_refresh_token_model())
    try:
        tokens = flow.tokens_for(confidential_client, scope="read")
    finally:
        post_save.disconnect(receiver, sender=get_refresh_token_model())
    assert tokens["refresh_token"]
    assert len(saved) == 1
    pk, access_token_id, created = saved[0]
    assert created and pk is not None and access_token_id is not None


@pytest.mark.usefixtures("sql_store")
def test_a_token_check_reads_a_few_columns_and_builds_instances_only_when_asked(
    flow, confidential_client, owner, django_assert_num_queries
):
    """The "sql" store's access token lookup: one query, the check reads its columns without
    building models; the instances come from the same row, the owner whole, the client
    without the columns a check skips (its secret, URIs, texts), which one more query loads."""
    from oauth_provider.core.hashing import hash_token
    from oauth_provider.storage.token_store import token_store

    token = flow.tokens_for(confidential_client, scope="read")["access_token"]
    with django_assert_num_queries(1):
        found = token_store().access_token(hash_token(token))
        assert (found.client_id, found.client_is_active, found.username) == (
            confidential_client.client_id,
            True,
            owner.get_username(),
        )
        instance = found.instance()
        assert instance.user.get_username() == owner.get_username()
        assert instance.application.client_id == confidential_client.client_id
    with django_assert_num_queries(1):
        assert instance.application.redirect_uris == confidential_client.redirect_uris
