"""The demo through Debian's PgBouncer in transaction mode, and on Django's own connection
pool (docs/deployment.rst, "Database connections").

PgBouncer hands each transaction whichever server connection is free. Debian 12's
PgBouncer (1.18) does not carry prepared statements from one to the next, so a statement
prepared on one is missing, or named twice, on another. The package prepares none of its
statements on a database that Django's ``DISABLE_SERVER_SIDE_CURSORS`` marks as behind such
a pooler, and every grant works there; the same server told that the pooler keeps them
(``POOLER_KEEPS_PREPARED_STATEMENTS``) fails, which shows the rig does reach the hazard.
"""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import pkce_pair
from .fleet import PGBOUNCER, client, pgbouncer, remove_pgbouncer, require_executable, serve, stop_all

pytestmark = pytest.mark.fleet

REPORT = "/api/reports/occupancy/"
BOOKINGS = "/api/bookings/"


@pytest.fixture(scope="module")
def bouncer():
    require_executable(PGBOUNCER, "pgbouncer")
    server = pgbouncer(pool_size=2)
    yield server
    remove_pgbouncer(server)


@pytest.fixture
def prefix():
    prefix = f"pool-{uuid.uuid4().hex[:8]}"
    yield prefix
    stop_all([], prefix)


def behind(bouncer, prefix: str, **env: str) -> dict[str, str]:
    """A server's environment for a database behind PgBouncer in transaction mode, with
    psycopg's prepared statements asked for (``prepare_threshold`` 0: at the first use)."""
    return {
        "PGPORT": str(bouncer.port),
        "DEMO_POOLER": "transaction",
        "DEMO_PREPARE_THRESHOLD": "0",
        "DEMO_CACHE_PREFIX": prefix,
        **env,
    }


def client_round(server, address: str) -> list[int]:
    """Five rounds of: a client credentials token, the API with it, introspection,
    revocation, and the API refusing it."""
    api = client(server.url, address)
    statuses = []
    for _ in range(5):
        issued = api.client_credentials()
        statuses.append(issued.status_code)
        if issued.status_code != 200:
            continue
        token = issued.json()["access_token"]
        statuses += [api.get(REPORT, token).status_code, api.introspect(token).status_code]
        statuses += [api.revoke(token).status_code, 200 if api.get(REPORT, token).status_code == 401 else 500]
    return statuses


def owner_round(server, browser, address: str) -> list[int]:
    """A code exchange, three refreshes and the API with each access token."""
    verifier, challenge = pkce_pair()
    api = client(server.url, address)
    tokens = api.exchange(browser.clone().code(challenge), verifier)
    statuses = [tokens.status_code]
    for _ in range(3):
        if tokens.status_code != 200:
            break
        statuses.append(api.get(BOOKINGS, tokens.json()["access_token"]).status_code)
        tokens = api.refresh(tokens.json()["refresh_token"])
        statuses.append(tokens.status_code)
    return statuses


def exercise(server, network: str) -> Counter:
    """Four clients and four owners at once, each from an address of its own."""
    browser = client(server.url, f"{network}.1")
    browser.login()
    with ThreadPoolExecutor(8) as pool:
        rounds = [pool.submit(client_round, server, f"{network}.{10 + n}") for n in range(4)]
        rounds += [pool.submit(owner_round, server, browser, f"{network}.{20 + n}") for n in range(4)]
        return Counter(status for future in rounds for status in future.result())


def test_every_grant_works_through_a_transaction_pooler(fleet_database, bouncer, prefix):
    server = serve(fleet_database, "pgbouncer", workers=2, **behind(bouncer, prefix))
    try:
        statuses = exercise(server, "127.0.20")
    finally:
        stop_all([server])
    assert set(statuses) == {200}, (statuses, server.output())
    assert "Traceback" not in server.output()


def test_the_check_says_prepare_threshold_has_no_effect_there(fleet_database, bouncer, prefix):
    result = fleet_database.manage("check", **behind(bouncer, prefix))
    assert "oauth_provider.W012" in result.stderr
    told = fleet_database.manage(
        "check", **behind(bouncer, prefix, DEMO_POOLER_KEEPS_PREPARED_STATEMENTS="1")
    )
    assert "oauth_provider.W012" not in told.stderr


def test_prepared_statements_break_behind_a_pooler_that_does_not_keep_them(fleet_database, bouncer, prefix):
    """The hazard itself: told (wrongly, for PgBouncer 1.18) that the pooler keeps prepared
    statements, the package prepares its statements, and token requests fail with 503."""
    server = serve(
        fleet_database,
        "pgbouncer-wrong",
        workers=2,
        **behind(bouncer, prefix, DEMO_POOLER_KEEPS_PREPARED_STATEMENTS="1"),
    )
    try:
        api = client(server.url, "127.0.21.1")
        statuses = Counter(api.client_credentials().status_code for _ in range(12))
    finally:
        stop_all([server])
    assert statuses[503] > 0, statuses
    assert "prepared statement" in server.output()


def test_every_grant_works_on_djangos_connection_pool(fleet_database, prefix):
    """Django 5.1+'s ``"OPTIONS": {"pool": ...}`` (psycopg's pool), straight to PostgreSQL,
    with prepared statements on: each pooled connection keeps its own."""
    import django

    if django.VERSION < (5, 1):
        pytest.skip("Django's connection pool needs Django 5.1")
    env = {"DEMO_DB_POOL": "1", "DEMO_PREPARE_THRESHOLD": "0", "DEMO_CACHE_PREFIX": prefix}
    server = serve(fleet_database, "pool", workers=2, **env)
    try:
        statuses = exercise(server, "127.0.22")
    finally:
        stop_all([server])
    assert set(statuses) == {200}, (statuses, server.output())
    assert "Traceback" not in server.output()
