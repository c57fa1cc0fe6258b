"""Schemathesis against the demo's hotel API: every operation of its OpenAPI schema
(``/api/schema/``), called with real bearer tokens from the demo's token endpoint, with
valid and malformed input. No answer is a ``5xx``, and every documented response matches
the schema.

The demo runs on its own fresh database (SQLite, or PostgreSQL with ``TEST_DATABASE=postgres``),
so the bookings and rooms the run creates, changes or cancels touch nothing else. Generation is
deterministic and capped per operation, so every run sends the same cases.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from .demo_servers import Demo, running_demo

CHECKS = "not_a_server_error,response_schema_conformance"
MAX_EXAMPLES = 50
CLIENT_ID = "api-fuzzer"
CLIENT_SECRET = "api-fuzzer-test-secret-not-for-production"
SCOPE = "bookings:read bookings:write hotel:manage reports:read"
# Each user's token asks for the scopes of their role: the hotel site lets no one grant more
# (RESOURCE_OWNER_SCOPES, example_project/hotels/policy.py). The service's token has them all.
ROLE_SCOPES = {
    "alice": "bookings:read bookings:write",
    "sam": "hotel:manage",
    "maria": "reports:read",
}

# One token per role, from the environment (TOKEN_*); the ids are the demo's own, so generated
# requests reach past "not found" and "not yours" to the code that books, edits and reports.
CONFIG = """\
# Django's development server answers a second request on a kept-alive connection some 40 ms
# late; a connection per request keeps the run short.
headers = {{ Connection = "close" }}

[dictionaries.rooms]
values = {rooms}

[dictionaries.bookings]
values = {bookings}

[dictionaries.staff_hotels]
values = {staff_hotels}

[dictionaries.staff_rooms]
values = {staff_rooms}

# User: alice, a guest with bookings.
[[operations]]
include-tag = "bookings"
headers = {{ Authorization = "Bearer ${{TOKEN_ALICE}}" }}
parameters = {{ "path.id" = {{ dictionary = "bookings", probability = 0.5 }}, \
"body.room" = {{ dictionary = "rooms", probability = 0.5 }} }}

# Hotel: sam, front desk at Harbour View Hotel.
[[operations]]
include-tag = "hotel"
headers = {{ Authorization = "Bearer ${{TOKEN_SAM}}" }}
parameters = {{ "path.id" = {{ dictionary = "staff_rooms", probability = 0.5 }}, \
"body.hotel" = {{ dictionary = "staff_hotels", probability = 0.5 }} }}

# Manager: maria, manager of both hotels.
[[operations]]
include-tag = "reports"
headers = {{ Authorization = "Bearer ${{TOKEN_MARIA}}" }}

# Other: a client credentials token, which has no user.
[[operations]]
include-tag = "me"
headers = {{ Authorization = "Bearer ${{TOKEN_SERVICE}}" }}
"""


def token(demo: Demo, scope: str = SCOPE, **data: str) -> str:
    response = requests.post(
        f"{demo.as_url}/oauth/token/",
        data={**data, "scope": scope},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def tokens(demo: Demo) -> dict[str, str]:
    """A token per role, for a client registered with the package's own command."""
    registered = demo.manage(
        "oauth_provider_create_client",
        f"--client-id={CLIENT_ID}",
        "--name=API fuzzer",
        "--grant-type=password",
        "--grant-type=client_credentials",
        f"--client-secret={CLIENT_SECRET}",
    )
    assert registered.returncode == 0, registered.stderr
    found = {
        f"TOKEN_{username.upper()}": token(
            demo, scope, grant_type="password", username=username, password=f"{username}-demo-password"
        )
        for username, scope in ROLE_SCOPES.items()
    }
    found["TOKEN_SERVICE"] = token(demo, grant_type="client_credentials")
    return found


def config(demo: Demo, found: dict[str, str]) -> str:
    hotels = requests.get(f"{demo.as_url}/api/hotels/", timeout=10).json()
    staffed = [hotel for hotel in hotels if hotel["name"] == "Harbour View Hotel"]
    bookings = requests.get(
        f"{demo.as_url}/api/bookings/",
        headers={"Authorization": f"Bearer {found['TOKEN_ALICE']}"},
        timeout=10,
    ).json()
    return CONFIG.format(
        rooms=[room["id"] for hotel in hotels for room in hotel["rooms"]],
        bookings=[booking["id"] for booking in bookings],
        staff_hotels=[hotel["id"] for hotel in staffed],
        staff_rooms=[room["id"] for hotel in staffed for room in hotel["rooms"]],
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture(scope="module")
def run(demo, tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict]:
    """``st run`` once against the demo; its output and its JSON report."""
    directory = tmp_path_factory.mktemp("schemathesis")
    found = tokens(demo)
    (directory / "schemathesis.toml").write_text(config(demo, found))
    report = directory / "report.json"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file=schemathesis.toml", "--no-color"),
        *("run", f"{demo.as_url}/api/schema/", f"--checks={CHECKS}", f"--max-examples={MAX_EXAMPLES}"),
        # The same cases every run, sent in the same order.
        *("--generation-deterministic", "--workers=1"),
        *("--report=json", f"--report-json-path={report}"),
    ]
    result = subprocess.run(command, cwd=directory, env={**demo.env, **found}, capture_output=True, text=True)
    assert report.exists(), result.stdout + result.stderr
    return result, json.loads(report.read_text())


def test_no_operation_of_the_demo_api_answers_a_5xx(run, record_property):
    """Nor does any documented response break the schema: schemathesis exits with 0."""
    result, report = run
    cases = report["test_cases"]["generated"]
    record_property("schemathesis_cases", cases)
    print(f"schemathesis: {cases} cases, {len(report['failures'])} failures")
    assert result.returncode == 0, result.stdout + result.stderr
    assert report["failures"] == [] and report["errors"] == [], result.stdout


def test_every_operation_accepts_some_of_the_generated_requests(run):
    """The tokens and the demo's ids take the run past 401, 403 and 404 on every operation,
    to the code that books, edits and reports."""
    result, report = run
    assert report["warnings"]["missing_auth"] == [], result.stdout
    accepted = [
        operation
        for operation, phases in report["valid_rates"].items()
        if any(rate["accepted"] for rate in phases.values())
    ]
    assert len(accepted) == report["operations"]["total"], result.stdout
