"""SQLite, the embedded default, under concurrent requests: with the settings the docs
recommend (WAL, IMMEDIATE transactions, a busy timeout), requests queue for the write
lock and get the right answer. Of parallel exchanges of one code, or refreshes of one
refresh token, exactly one succeeds and the others get ``invalid_grant``; none gets
503, and no contention is logged as an error.

The site runs in a server of its own, on a SQLite file (tests/sqlite_file_settings.py),
as a deployment would; the test suite's own database is in memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .demo_servers import free_port

ROOT = Path(__file__).resolve().parent.parent
PARALLEL = 8

SEED = """
import json
import uuid
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model, get_grant_model, get_refresh_token_model, set_token_value,
)
from oauth_provider.core.hashing import hash_token
from oauth_provider.storage.models import Application

owner = get_user_model().objects.create_user("owner", password="pw")
client = Application(client_id="web", name="web", client_type="confidential",
    grant_types="authorization_code refresh_token", redirect_uris="https://client.example/callback")
client.set_client_secret("web-secret-" + "x" * 40)
client.save()
out = {"codes": [], "refresh_tokens": []}
for i in range(3):
    code = f"code-{i}-" + "c" * 30
    get_grant_model().objects.create(application=client, user=owner, code=hash_token(code),
        expires=timezone.now() + timedelta(minutes=10), redirect_uri="https://client.example/callback",
        scope="read")
    out["codes"].append(code)
    family = uuid.uuid4()
    access = get_access_token_model()(application=client, user=owner, scope="read",
        expires=timezone.now() + timedelta(hours=1), token_family=family)
    set_token_value(access, f"access-{i}-" + "a" * 30)
    access.save()
    refresh = get_refresh_token_model()(application=client, user=owner, scope="read", access_token=access,
        token_family=family)
    set_token_value(refresh, f"refresh-{i}-" + "r" * 30)
    refresh.save()
    out["refresh_tokens"].append(f"refresh-{i}-" + "r" * 30)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sqlite")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.sqlite_file_settings",
        "SQLITE_FILE": str(directory / "site.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    django_admin = [sys.executable, "-m", "django"]
    subprocess.run([*django_admin, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    seeded = subprocess.run(
        [*django_admin, "shell", "-c", SEED], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    port = free_port()
    log = directory / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [*django_admin, "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/oauth/token/"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/.well-known/oauth-authorization-server", timeout=1
                )
                break
            except OSError:
                time.sleep(0.05)
        yield url, json.loads(seeded.stdout.strip().splitlines()[-1]), log
    finally:
        server.terminate()
        server.wait()


def post(url: str, data: dict[str, str]) -> tuple[int, str | None]:
    import base64

    request = urllib.request.Request(
        url,
        urllib.parse.urlencode(data).encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic " + base64.b64encode(b"web:web-secret-" + b"x" * 40).decode(),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}").get("error")


def in_parallel(url: str, data: dict[str, str]) -> Counter:
    with ThreadPoolExecutor(PARALLEL) as pool:
        return Counter(pool.map(lambda _: post(url, data), range(PARALLEL)))


def test_parallel_exchanges_of_one_code_have_one_winner_and_no_503(site):
    url, seeded, log = site
    data = {
        "grant_type": "authorization_code",
        "code": seeded["codes"][0],
        "redirect_uri": "https://client.example/callback",
    }
    results = in_parallel(url, data)
    assert results[(200, None)] == 1, results
    assert results[(400, "invalid_grant")] == PARALLEL - 1, results


def test_parallel_refreshes_of_one_token_have_one_winner_and_no_503(site):
    url, seeded, log = site
    results = in_parallel(url, {"grant_type": "refresh_token", "refresh_token": seeded["refresh_tokens"][0]})
    assert results[(200, None)] == 1, results
    assert results[(400, "invalid_grant")] == PARALLEL - 1, results


def test_contention_is_not_logged_as_an_error(site):
    url, seeded, log = site
    in_parallel(url, {"grant_type": "refresh_token", "refresh_token": seeded["refresh_tokens"][1]})
    text = log.read_text()
    assert "Traceback" not in text
    assert "database is locked" not in text
