"""The hand-written store (``oauth_provider.storage.sql``), on its own: each function against
what the ORM would do, on SQLite and on PostgreSQL.

The endpoints' tests run on both stores (``make test`` runs the suite once more with
``TOKEN_STORE = "orm"``); these pin down the module's own promises: a lookup builds the
instances the queryset would, a spend happens once, a write depends on a row read earlier
only while that row is unchanged, and a pair of rows is written whole or not at all.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
    set_token_value,
)

from oauth_provider.core.hashing import hash_token
from oauth_provider.storage import sql
from oauth_provider.storage.token_store import AlreadyUsed, NewTokens, RowChanged

from .factories import ApplicationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sql_store")]


def a_token(application, owner, value="v" * 40, **fields):
    token = get_access_token_model()(
        application=application,
        user=owner,
        scope="read",
        expires=timezone.now() + timedelta(hours=1),
        **fields,
    )
    set_token_value(token, value)
    return token


def test_a_lookup_builds_the_instance_the_queryset_would(confidential_client, owner):
    token = a_token(confidential_client, owner)
    token.save()
    found = sql.ACCESS_TOKEN_BY_CHECKSUM.first(hash_token("v" * 40))
    expected = get_access_token_model().objects.select_related("application", "user").get(pk=token.pk)
    assert found == expected
    assert found.expires == expected.expires
    assert found.user == owner and found.user.get_username() == owner.get_username()
    assert found.application == confidential_client
    assert found._state.db == "default" and not found._state.adding


def test_a_lookup_finds_nothing_for_an_unknown_value(db):
    assert sql.ACCESS_TOKEN_BY_CHECKSUM.first(hash_token("unknown")) is None
    assert sql.CLIENT_BY_ID.first("unknown") is None


def test_a_lookup_reads_named_columns_without_building_instances(confidential_client, owner):
    a_token(confidential_client, owner).save()
    row = sql.ACCESS_TOKEN_BY_CHECKSUM.row(hash_token("v" * 40))
    values = row.values()
    assert values["client_id"] == confidential_client.client_id
    assert values["client_is_active"] is True
    assert values["username"] == owner.get_username()
    assert values["scope"] == "read"
    assert values["expires"] > timezone.now()


def test_a_versioned_lookup_reads_the_rows_version_and_sees_it_change(confidential_client):
    found = sql.VERSIONED_CLIENT_BY_ID.first(confidential_client.client_id)
    assert sql.row_version(found)
    assert sql.unchanged(found)
    get_application_model().objects.filter(pk=found.pk).update(name="renamed")
    assert not sql.unchanged(found)


def test_insert_stores_the_row_save_would(confidential_client, owner):
    token = a_token(confidential_client, owner)
    sql.insert(token)
    stored = get_access_token_model().objects.get(pk=token.pk)
    assert stored.token_checksum == hash_token("v" * 40) and stored.token == ""
    assert stored.created is not None


def test_insert_if_unchanged_refuses_when_the_row_changed(confidential_client, owner):
    client = sql.VERSIONED_CLIENT_BY_ID.first(confidential_client.client_id)
    get_application_model().objects.filter(pk=client.pk).update(is_active=False)
    with pytest.raises(RowChanged):
        sql.insert(a_token(confidential_client, owner), if_unchanged=client)
    assert not get_access_token_model().objects.exists()


def test_update_unless_set_applies_once(confidential_client, owner):
    grant = get_grant_model().objects.create(
        application=confidential_client,
        user=owner,
        code=hash_token("code"),
        expires=timezone.now() + timedelta(minutes=1),
        redirect_uri="https://client.example/callback",
        scope="read",
    )
    now = timezone.now()
    assert sql.update(type(grant), grant.pk, unless_set="consumed", consumed=now) == 1
    assert sql.update(type(grant), grant.pk, unless_set="consumed", consumed=now) == 0


def new_pair(application, owner, value):
    access = a_token(application, owner, value=f"access-{value}")
    refresh = get_refresh_token_model()(application=application, user=owner, scope="read")
    set_token_value(refresh, f"refresh-{value}")
    return access, refresh


def test_a_pair_with_a_spend_is_written_whole_once(confidential_client, owner):
    store = sql.SQLTokenStore()
    grant = get_grant_model().objects.create(
        application=confidential_client,
        user=owner,
        code=hash_token("code"),
        expires=timezone.now() + timedelta(minutes=1),
        redirect_uri="https://client.example/callback",
        scope="read",
    )
    access, refresh = new_pair(confidential_client, owner, "first")
    store.store(NewTokens(access, refresh, confidential_client, timezone.now(), code=grant))
    stored = get_refresh_token_model().objects.get(pk=refresh.pk)
    assert stored.access_token_id == access.pk
    assert get_grant_model().objects.get(pk=grant.pk).consumed is not None

    again, again_refresh = new_pair(confidential_client, owner, "second")
    with pytest.raises(AlreadyUsed):
        store.store(NewTokens(again, again_refresh, confidential_client, timezone.now(), code=grant))
    assert get_access_token_model().objects.count() == 1
    assert get_refresh_token_model().objects.count() == 1


def test_a_rotation_ends_the_access_token_it_replaces(confidential_client, owner):
    store = sql.SQLTokenStore()
    access, refresh = new_pair(confidential_client, owner, "first")
    store.store(NewTokens(access, refresh, confidential_client, timezone.now()))
    presented = get_refresh_token_model().objects.get(pk=refresh.pk)
    successor, successor_refresh = new_pair(confidential_client, owner, "second")
    store.store(
        NewTokens(successor, successor_refresh, confidential_client, timezone.now(), rotated=presented)
    )
    assert get_refresh_token_model().objects.get(pk=refresh.pk).revoked is not None
    assert get_access_token_model().objects.get(pk=access.pk).is_expired()
    assert not get_access_token_model().objects.get(pk=successor.pk).is_expired()


def test_a_model_with_save_receivers_is_written_by_the_orm(confidential_client, owner):
    """Receivers see every save: the hand-written INSERT steps aside for them."""
    from django.db.models.signals import post_save

    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append(created)

    post_save.connect(receiver, sender=get_access_token_model())
    try:
        sql.insert(a_token(confidential_client, owner))
    finally:
        post_save.disconnect(receiver, sender=get_access_token_model())
    assert seen == [True]


def test_clients_kept_in_memory_are_read_once(confidential_client, django_assert_num_queries):
    with sql._serving():
        served = sql._served()
        assert served is not None
        first = served.client(confidential_client.client_id)
        with django_assert_num_queries(0):
            again = served.client(confidential_client.client_id)
    assert first == again and first is not again  # a new instance for each use
    sql.clear_clients()


def test_a_client_unknown_to_the_database_is_not_kept(db):
    with sql._serving():
        assert sql._served().client("nobody") is None
    assert ("default", "nobody") not in sql._rows


def test_a_new_client_is_a_new_row_version(db):
    first = ApplicationFactory()
    version = sql.row_version(sql.VERSIONED_CLIENT_BY_ID.first(first.client_id))
    get_application_model().objects.filter(pk=first.pk).update(name="other")
    assert sql.row_version(sql.VERSIONED_CLIENT_BY_ID.first(first.client_id)) != version
