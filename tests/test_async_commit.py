"""ASYNC_COMMIT_CLIENT_CREDENTIALS_TOKENS on a real PostgreSQL server.

A deferred constraint trigger fires at commit, so it sees the ``synchronous_commit``
that the commit itself obeys: a client credentials token commits with it ``off``;
every other write keeps waiting for the disk, and the connection's own setting is
left as it was.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory

# Asynchronous commit is the "sql" token store's (one INSERT that sets it for itself).
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("sql_store"),
]

WATCH = """
CREATE TABLE commit_settings (synchronous_commit text);
CREATE FUNCTION record_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO commit_settings VALUES (current_setting('synchronous_commit'));
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER record_commit_setting AFTER INSERT ON oauth_provider_accesstoken
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION record_commit_setting();
"""
UNWATCH = """
DROP TRIGGER record_commit_setting ON oauth_provider_accesstoken;
DROP FUNCTION record_commit_setting();
DROP TABLE commit_settings;
"""


@pytest.fixture
def commit_settings():
    """What ``synchronous_commit`` was when each new access token's transaction committed."""
    with connection.cursor() as cursor:
        cursor.execute(WATCH)

    def read() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT synchronous_commit FROM commit_settings")
            return [row[0] for row in cursor.fetchall()]

    yield read
    with connection.cursor() as cursor:
        cursor.execute(UNWATCH)


def session_setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def client_credentials(flow):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    return flow.token(
        {"grant_type": "client_credentials", "scope": "read"},
        HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET),
    )


def test_a_client_credentials_token_commits_without_waiting_for_the_disk(flow, commit_settings):
    response = client_credentials(flow)
    assert response.status_code == 200, response.content
    assert commit_settings() == ["off"]
    assert session_setting() == "on", "the setting must end with the token's own transaction"


def test_the_token_is_stored(flow, commit_settings):
    from oauth2_provider.models import get_access_token_model

    from oauth_provider.core.hashing import hash_token

    token = client_credentials(flow).json()["access_token"]
    assert get_access_token_model().objects.filter(token_checksum=hash_token(token)).exists()


def test_turned_off_every_commit_waits(flow, commit_settings, settings):
    settings.OAUTH_PROVIDER = {"ASYNC_COMMIT_CLIENT_CREDENTIALS_TOKENS": False}
    assert client_credentials(flow).status_code == 200
    assert commit_settings() == ["on"]


def test_a_code_exchange_and_a_refresh_wait_for_the_disk(flow, confidential_client, commit_settings):
    """They spend a code or a refresh token: losing that in a crash would let it be used again."""
    tokens = flow.tokens_for(confidential_client, scope="read")
    response = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200, response.content
    assert commit_settings() == ["on", "on"]


def test_inside_a_transaction_of_the_site_nothing_changes(flow, commit_settings):
    """With ATOMIC_REQUESTS or a surrounding atomic block the INSERT is not a transaction
    of its own; turning the setting off there would loosen the site's whole transaction."""
    with transaction.atomic():
        assert client_credentials(flow).status_code == 200
    assert commit_settings() == ["on"]
