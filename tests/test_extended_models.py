"""A site with its own models, every one swapped (the client and the access token with an
added field, the consent, the authorization code, the refresh and ID tokens), migrates, serves
every grant, stores its tokens in its own tables and shows the fields in the admin
(docs/extending.rst).

Models are chosen when Django starts, so this runs a pytest of its own on
tests.extended_site.settings: the grant, refresh, revocation, introspection, resource server,
OpenID Connect, JWT access token, token exchange, device and command tests, the token store's,
and tests/extended_site/extended_checks.py. It runs on the database and token store this run
uses (TEST_DATABASE, TEST_TOKEN_STORE).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITE = [
    "tests/extended_site/extended_checks.py",
    "tests/test_grants.py",
    "tests/test_authorization_code.py",
    "tests/test_refresh_rotation.py",
    "tests/test_revocation.py",
    "tests/test_introspection.py",
    "tests/test_resource_server.py",
    "tests/test_openid_connect.py",
    "tests/test_jwt_access_tokens.py",
    "tests/test_token_exchange.py",
    "tests/test_device_authorization.py",
    "tests/test_commands.py",
    "tests/test_sql_store.py",
]


def test_the_suite_passes_on_a_site_with_its_own_models():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Its own test database, beside the one this run uses.
    env["TEST_DATABASE_NAME"] = os.environ.get("TEST_DATABASE_NAME", "test_oauth_provider") + "_extended"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--ds=tests.extended_site.settings",
            "-m",
            "not postgres and not fleet",
            "-q",
            "-p",
            "no:cacheprovider",
            *SUITE,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) > 300, result.stdout[-2000:]
    assert "failed" not in result.stdout and "error" not in result.stdout.splitlines()[-1]
