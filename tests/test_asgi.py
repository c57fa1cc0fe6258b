"""The demo under an ASGI server (uvicorn, ``demo.asgi``), as docs/deployment.rst runs it.

Django runs the package's views, which are synchronous, in a thread of its own under ASGI;
the token, revocation and introspection endpoints, the authorization endpoint, DRF views
and plain views (sync and async) must all answer, many at once, without a hang and
without ``SynchronousOnlyOperation``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .conftest import pkce_pair
from .fleet import client, serve, stop_all

pytestmark = pytest.mark.fleet

REPORT = "/api/reports/occupancy/"
TIMEOUT = 10  # seconds; a hang fails the test instead of stalling it


@pytest.fixture(scope="module")
def server(fleet_database):
    prefix = f"asgi-{uuid.uuid4().hex[:8]}"
    server = serve(fleet_database, "uvicorn", kind="uvicorn", workers=1, DEMO_CACHE_PREFIX=prefix)
    yield server
    stop_all([server], prefix)
    assert "SynchronousOnlyOperation" not in server.output()
    assert "Traceback" not in server.output(), server.output()


def test_every_endpoint_answers_under_asgi(server):
    api = client(server.url, "127.0.30.1")
    api.timeout = TIMEOUT
    issued = api.client_credentials()
    assert issued.status_code == 200, issued.text
    service_token = issued.json()["access_token"]
    assert api.get(REPORT, service_token).status_code == 200  # DRF, @api_view + require_scopes
    assert api.introspect(service_token).json()["active"] is True

    browser = client(server.url, "127.0.30.2")
    browser.timeout = TIMEOUT
    browser.login()
    verifier, challenge = pkce_pair()
    tokens = browser.exchange(browser.code(challenge), verifier).json()
    access = tokens["access_token"]
    assert browser.get("/api/me/", access).json()["subject"]  # DRF APIView
    assert browser.get("/api/bookings/", access).status_code == 200  # DRF ViewSet
    assert browser.get("/plain/bookings/", access).json() == {"bookings": 2}  # plain view
    assert browser.get("/plain/bookings/async/", access).json() == {"bookings": 2}  # async view
    rotated = browser.refresh(tokens["refresh_token"])
    assert rotated.status_code == 200

    assert api.revoke(service_token).status_code == 200
    assert api.get(REPORT, service_token).status_code == 401
    assert api.introspect(service_token).json() == {"active": False}
    assert api.get("/plain/bookings/async/", "revoked-or-not").status_code == 401
    assert api.get("/health/").json() == {"status": "ok"}
    assert "oauth_provider_request_duration_seconds" in api.get("/metrics").text


def test_many_requests_at_once_all_answer(server):
    """Forty token requests, each followed by an API call, eight at a time: no hang."""

    def one(n: int) -> list[int]:
        api = client(server.url, f"127.0.31.{n % 8 + 1}")
        api.timeout = TIMEOUT
        issued = api.client_credentials()
        if issued.status_code != 200:
            return [issued.status_code]
        return [200, api.get(REPORT, issued.json()["access_token"]).status_code]

    with ThreadPoolExecutor(8) as pool:
        statuses = Counter(status for result in pool.map(one, range(40)) for status in result)
    assert statuses == {200: 80}


def test_a_request_django_cannot_build_is_400_not_500(server):
    """oauth_provider.asgi.guard, in demo/asgi.py."""
    query = "&".join(f"a{n}=1" for n in range(1100))
    response = requests.get(
        f"{server.url}/.well-known/oauth-authorization-server?{query}",
        headers={"Content-Type": "text/plain; charset=latin-1"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
