"""A site with its own Application (an added field) and Consent models migrates, serves
every grant and shows the field in the admin (docs/extending.rst).

Models are chosen when Django starts, so this runs a pytest of its own on
tests.extended_site.settings: the grant, refresh, revocation, introspection and resource
server tests, and tests/extended_site/extended_checks.py.
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
