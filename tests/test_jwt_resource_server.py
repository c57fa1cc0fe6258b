"""A separate resource server accepts the JWT access tokens of the demo's authorization
server (RFC 9068), and refuses them once revoked when the denylist is on (docs/jwt.rst).

The demo runs as ``make demo`` runs it (tests/demo_servers.py); the resource server is
another Django site (tests/resource_site/) served by ``runserver`` on a port of its own,
with a database of its own that has no table at all, on SQLite or, in a PostgreSQL run, on
PostgreSQL. It knows the issuer and the JWKS URL, nothing else; the two share only Redis,
for the denylist.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from .conftest import REDIS_URL, redis_reachable
from .demo_servers import (
    Demo,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    postgres_database,
    running_demo,
)

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    if not redis_reachable():
        if os.environ.get("CI"):
            pytest.fail("Redis must be reachable at 127.0.0.1:6379 in CI")
        pytest.skip("Redis not reachable at 127.0.0.1:6379; the denylist needs it")
    prefix = f"jwt{uuid.uuid4().hex}"
    yield prefix
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, redis_prefix) -> Iterator[Demo]:
    previous = {
        name: os.environ.get(name) for name in ("DEMO_JWT_DENYLIST_REDIS_URL", "DEMO_JWT_DENYLIST_KEY_PREFIX")
    }
    os.environ.update(DEMO_JWT_DENYLIST_REDIS_URL=REDIS_URL, DEMO_JWT_DENYLIST_KEY_PREFIX=redis_prefix)
    try:
        with running_demo(tmp_path_factory.mktemp("demo")) as running:
            yield running
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def resource_site(directory: Path, demo: Demo, redis_prefix: str) -> Iterator[str]:
    """The separate resource server, serving until the block ends; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.resource_site.settings",
        PYTHONPATH=str(REPOSITORY),
        RESOURCE_SITE_ISSUER=demo.as_url,
        RESOURCE_SITE_JWKS_URL=f"{demo.as_url}/oauth/jwks/",
        RESOURCE_SITE_AUDIENCE=url,
        RESOURCE_SITE_REDIS_URL=REDIS_URL,
        RESOURCE_SITE_REDIS_PREFIX=redis_prefix,
    )
    database = postgres_database()
    if database:
        database += "_resource"
        create_postgres_database(database)
        env.update(RESOURCE_SITE_DATABASE="postgres", RESOURCE_SITE_DATABASE_NAME=database)
    else:
        env.update(RESOURCE_SITE_DATABASE_NAME=str(directory / "resource.sqlite3"))
    log = directory / "resource_site.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=REPOSITORY,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"the resource site stopped with status {process.returncode}:\n{log.read_text()}")
            try:
                requests.get(f"{url}/api/reports/", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait()
        if database:
            drop_postgres_database(database)


def create_client(demo: Demo, *options: str) -> dict:
    result = demo.manage("oauth_provider_create_client", "--token-format", "jwt", *options)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def token(demo: Demo, client: dict, **form: str) -> str:
    response = requests.post(
        f"{demo.as_url}/oauth/token/",
        data=form,
        auth=(client["client_id"], client["client_secret"]),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def get(url: str, value: str) -> requests.Response:
    return requests.get(url, headers={"Authorization": f"Bearer {value}"}, timeout=10)


def test_a_separate_site_accepts_the_demo_s_jwt_and_refuses_it_once_revoked(demo, redis_prefix, tmp_path):
    with resource_site(tmp_path, demo, redis_prefix) as api:
        service = create_client(
            demo, "--name", "Reports job", "--grant-type", "client_credentials",
            "--scope", "reports:read", "--access-token-audience", api,
        )  # fmt: skip
        cli = create_client(
            demo, "--name", "Bookings command line", "--grant-type", "password",
            "--scope", "bookings:read", "--access-token-audience", api,
        )  # fmt: skip
        elsewhere = create_client(
            demo,
            "--name",
            "Another API's job",
            "--grant-type",
            "client_credentials",
            "--scope",
            "reports:read",
        )

        service_token = token(demo, service, grant_type="client_credentials", scope="reports:read")
        response = get(f"{api}/api/reports/", service_token)
        assert response.status_code == 200, response.text
        assert (
            response["X-Database-Queries"] == "0" if False else response.headers["X-Database-Queries"] == "0"
        )
        body = response.json()
        assert body["client_id"] == service["client_id"]
        assert body["is_client_token"] is True
        assert body["scopes"] == ["reports:read"]

        owner_token = token(
            demo,
            cli,
            grant_type="password",
            username="alice",
            password="alice-demo-password",
            scope="bookings:read",
        )
        response = get(f"{api}/api/bookings/", owner_token)
        assert response.status_code == 200, response.text
        assert response.headers["X-Database-Queries"] == "0"
        assert response.json()["subject"] and response.json()["is_client_token"] is False
        response = get(f"{api}/api/reports/", owner_token)
        assert response.status_code == 403
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]

        # A token for the demo's own API (its default audience) is not for this one.
        response = get(f"{api}/api/reports/", token(demo, elsewhere, grant_type="client_credentials"))
        assert response.status_code == 401
        assert "another audience" in response.headers["WWW-Authenticate"]

        # RFC 7009 at the authorization server; the denylist carries it here at once.
        revoked = requests.post(
            f"{demo.as_url}/oauth/revoke/",
            data={"token": service_token},
            auth=(service["client_id"], service["client_secret"]),
            timeout=10,
        )
        assert revoked.status_code == 200
        response = get(f"{api}/api/reports/", service_token)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        assert "revoked" in response.headers["WWW-Authenticate"]
        assert get(f"{api}/api/bookings/", owner_token).status_code == 200
