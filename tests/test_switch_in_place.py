"""The issue's "done when", end to end: a site built as django-oauth-toolkit's tutorial builds
one, with clients and live tokens, follows docs/switching.rst in place (same database, new
settings and URLs, ``migrate``, ``oauth_provider_import_dot``), and its old client, driven by
requests-oauthlib against the running site, authenticates with its old secret, refreshes its
old refresh token and reaches a protected view with its old access token, at the URLs it was
configured with. Nothing is registered again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from .demo_servers import free_port
from .test_import_dot import build_dot_site, drop_location, fresh_location

ROOT = Path(__file__).resolve().parent.parent


def switched_env(location: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.dot_site.switched_settings",
        "DOT_SITE_DATABASE": location,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TEST_DATABASE", None)
    return env


def manage(location: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=switched_env(location),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def switched_site(tmp_path, django_db_blocker) -> Iterator[tuple[str, dict, dict, str]]:
    """The site's database, filled by django-oauth-toolkit, switched by the guide's steps,
    then served on a free port: (its URL, what the clients hold, the import's report, the
    database)."""
    with django_db_blocker.unblock():
        location = fresh_location(tmp_path, "in_place")
    held = build_dot_site(location)
    # Plain migrate stops first: django-oauth-toolkit's applied migrations now depend on
    # the package's (docs/switching.rst, step 6).
    refused = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"],
        cwd=ROOT,
        env=switched_env(location),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "InconsistentMigrationHistory" in refused.stderr
    applied = json.loads(manage(location, "oauth_provider_migrate_after_dot"))
    assert applied["applied"] == [f"oauth_provider.{name}" for name in package_migrations()]
    manage(location, "migrate", "-v0")
    report = json.loads(manage(location, "oauth_provider_import_dot"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=switched_env(location),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(url + "/.well-known/oauth-authorization-server", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url, held, report, location
    finally:
        server.terminate()
        server.wait(timeout=30)
        drop_location(location)


def test_the_site_switches_without_anyone_logging_in_or_registering_again(switched_site, monkeypatch):
    url, held, report, location = switched_site
    # The clients are those django-oauth-toolkit had; nothing was registered again.
    assert report["applications"]["imported"] == 3
    assert report["access_tokens"]["imported"] == 3
    assert report["refresh_tokens"]["imported"] == 2
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback, in a test
    web = held["web"]

    # The old access token reaches a protected view.
    old = held["web_tokens"]
    answer = requests.get(url + "/api/profile/", headers={"Authorization": f"Bearer {old['access_token']}"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"user": "alice"}

    # The client refreshes its old refresh token, at django-oauth-toolkit's token URL,
    # authenticating with its old secret (verified with PBKDF2, then upgraded).
    session = OAuth2Session(web["client_id"], token=old)
    new = session.refresh_token(url + "/o/token/", auth=HTTPBasicAuth(web["client_id"], web["secret"]))
    assert new["access_token"] != old["access_token"]
    assert new["scope"] == ["read", "write"] or new["scope"] == "read write"
    assert session.get(url + "/api/profile/").json() == {"user": "alice"}
    # And again, now that the secret is stored with the package's own hash.
    newer = session.refresh_token(url + "/o/token/", auth=HTTPBasicAuth(web["client_id"], web["secret"]))
    assert newer["refresh_token"] != new["refresh_token"]
    status = json.loads(manage(location, "oauth_provider_import_dot", "--status"))
    assert status == {"client_secrets": {"awaiting_upgrade": 0}}

    # The service whose secret django-oauth-toolkit kept in cleartext gets a token with it.
    service = held["service"]
    backend = OAuth2Session(client=BackendApplicationClient(client_id=service["client_id"]))
    token = backend.fetch_token(
        url + "/o/token/", auth=HTTPBasicAuth(service["client_id"], service["secret"]), scope=["read"]
    )
    assert token["token_type"].lower() == "bearer"

    # The public client's old refresh token works with its client id alone.
    mobile = OAuth2Session(held["mobile"]["client_id"], token=held["mobile_tokens"])
    refreshed = mobile.refresh_token(
        url + "/o/token/", client_id=held["mobile"]["client_id"], include_client_id=True
    )
    assert mobile.get(url + "/api/profile/").json() == {"user": "alice"}
    assert refreshed["refresh_token"] != held["mobile_tokens"]["refresh_token"]

    # A wrong secret is refused as before, with the RFC 6749 §5.2 error.
    answer = requests.post(
        url + "/o/token/",
        data={"grant_type": "refresh_token", "refresh_token": newer["refresh_token"]},
        auth=(web["client_id"], "not-the-secret"),
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def package_migrations() -> list[str]:
    """The package's migrations in order (each depends on the one before)."""
    folder = ROOT / "oauth_provider" / "migrations"
    return sorted(path.stem for path in folder.glob("0*.py"))
