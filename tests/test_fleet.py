"""Two servers of the demo behind HAProxy, round robin, over one PostgreSQL and one Redis,
behave as one server (docs/deployment.rst): lockouts, revocation, stored consent, single-use
codes and refresh rotation hold across them, under concurrent requests, and a rolling
restart under load loses no request and corrupts nothing.

Each test that counts rate limits or lockouts sends from a loopback address of its own
(tests/fleet.py), as distinct clients of a real site would.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from oauth_provider.server.throttling import parse_rate
from oauth_provider.settings import DEFAULTS

from .conftest import pkce_pair
from .demo_servers import free_port
from .fleet import HAPROXY, Fleet, haproxy, require_executable, restart, serve, served_by, stop_all

pytestmark = pytest.mark.fleet

REPORT = "/api/reports/occupancy/"  # DRF, reports:read: a client credentials token will do
BOOKINGS = "/api/bookings/"  # DRF, bookings:read, the token's user


@pytest.fixture(scope="module")
def fleet(fleet_database):
    require_executable(HAPROXY, "haproxy")
    prefix = f"fleet-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {"DEMO_CACHE_PREFIX": prefix, "DEMO_PREPARE_THRESHOLD": "5", "DEMO_ADDR": f"127.0.0.1:{port}"}
    servers: list = []
    balancer = None
    try:
        servers += [serve(fleet_database, name, **env) for name in ("app1", "app2")]
        balancer = haproxy(fleet_database.directory, servers, port=port)
        yield Fleet(fleet_database, servers, balancer)
    finally:
        stop_all(servers + ([balancer.server] if balancer else []), prefix)
    for server in servers:
        assert "Traceback" not in server.output(), server.output()


def each_in_parallel(count: int, call):
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(call, range(count)))


def test_the_balancer_spreads_requests_over_both_servers(fleet):
    through = fleet.through_balancer("127.0.1.1")
    served = Counter(served_by(through.get("/health/")) for _ in range(10))
    assert served == {"app1": 5, "app2": 5}


def test_brute_force_is_cut_off_at_the_same_count_as_on_one_server(fleet):
    """FAILED_ATTEMPTS_LIMIT (10) failures, wherever each landed, lock the address out
    (docs/security.rst, "Rate limits and lockouts"): the counters are in Redis."""

    def attempts(client):
        responses = [client.client_credentials(secret=f"guess-{n}") for n in range(13)]
        return [response.status_code for response in responses], {served_by(r) for r in responses}

    one_server, _ = attempts(fleet.at(0, "127.0.2.1"))
    through_balancer, served = attempts(fleet.through_balancer("127.0.2.2"))

    assert one_server == through_balancer == [401] * 10 + [429] * 3
    assert served == {"app1", "app2"}
    # Locked out, even with the right secret; the client itself, from its own address, is not.
    assert fleet.through_balancer("127.0.2.2").client_credentials().status_code == 429
    assert fleet.through_balancer("127.0.2.3").client_credentials().status_code == 200


def test_a_revocation_on_one_server_is_seen_by_the_other_at_once(fleet):
    """Opaque tokens (RFC 7009): with ACCESS_TOKEN_CACHE_SECONDS at 0, every server asks
    the database, so a revocation anywhere applies everywhere on the next request."""
    first, second = fleet.at(0, "127.0.3.1"), fleet.at(1, "127.0.3.1")
    token = first.client_credentials().json()["access_token"]
    assert second.get(REPORT, token).status_code == 200
    assert second.introspect(token).json()["active"] is True

    assert first.revoke(token).status_code == 200

    assert second.get(REPORT, token).status_code == 401
    assert second.introspect(token).json() == {"active": False}
    through = fleet.through_balancer("127.0.3.2")
    assert {through.get(REPORT, token).status_code for _ in range(4)} == {401}


def test_stored_consent_holds_across_servers_under_concurrent_requests(fleet):
    """The consent form submitted six times at once, to both servers, stores one consent;
    after it, authorization requests to either server skip the consent page."""
    fleet.database.execute(
        "DELETE FROM oauth_provider_consent "
        "WHERE user_id = (SELECT id FROM auth_user WHERE username = 'alice')"
    )
    browser = fleet.through_balancer("127.0.4.1")
    browser.login()
    _, challenge = pkce_pair()
    page = browser.authorize(challenge)
    assert page.status_code == 200 and "form" in page.text

    answers = each_in_parallel(6, lambda _: browser.clone().consent(page))

    assert [answer.status_code for answer in answers] == [302] * 6
    assert {served_by(answer) for answer in answers} == {"app1", "app2"}
    assert all("code=" in answer.headers["Location"] for answer in answers)
    [(consents,)] = fleet.database.query(
        "SELECT count(*) FROM oauth_provider_consent c JOIN auth_user u ON u.id = c.user_id "
        "WHERE u.username = 'alice' AND c.revoked IS NULL"
    )
    assert consents == 1
    again = each_in_parallel(4, lambda _: browser.clone().authorize(challenge))
    assert [response.status_code for response in again] == [302] * 4
    assert {served_by(response) for response in again} == {"app1", "app2"}


def logged_in_browser(fleet, address):
    browser = fleet.through_balancer(address)
    browser.login()
    return browser


def test_a_code_is_exchanged_once_across_servers(fleet):
    """RFC 6749 §4.1.2, RFC 9700 §4.5: of ten exchanges at once, on both servers, one wins;
    the others are the code's reuse, which revokes what it issued."""
    browser = logged_in_browser(fleet, "127.0.5.1")
    verifier, challenge = pkce_pair()
    code = browser.code(challenge)

    answers = each_in_parallel(
        10, lambda n: fleet.through_balancer(f"127.0.5.{10 + n}").exchange(code, verifier)
    )

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: 1, 400: 9}
    assert {answer.json()["error"] for answer in answers if answer.status_code == 400} == {"invalid_grant"}
    assert {served_by(answer) for answer in answers} == {"app1", "app2"}
    [winner] = [answer.json() for answer in answers if answer.status_code == 200]
    through = fleet.through_balancer("127.0.5.2")
    assert through.get(BOOKINGS, winner["access_token"]).status_code == 401
    assert through.refresh(winner["refresh_token"]).status_code == 400


def test_parallel_refreshes_across_servers_end_the_family(fleet):
    """RFC 9700 §4.14: at most one of ten refreshes at once wins, and the reuse by the
    others ends the whole family, the winner's new tokens included."""
    browser = logged_in_browser(fleet, "127.0.6.1")
    verifier, challenge = pkce_pair()
    tokens = browser.exchange(browser.code(challenge), verifier).json()

    answers = each_in_parallel(
        10, lambda n: fleet.through_balancer(f"127.0.6.{10 + n}").refresh(tokens["refresh_token"])
    )

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses[200] <= 1 and statuses[200] + statuses[400] == 10, statuses
    assert {served_by(answer) for answer in answers} == {"app1", "app2"}
    through = fleet.through_balancer("127.0.6.2")
    assert through.get(BOOKINGS, tokens["access_token"]).status_code == 401
    for answer in answers:
        if answer.status_code == 200:
            assert through.get(BOOKINGS, answer.json()["access_token"]).status_code == 401
            assert through.refresh(answer.json()["refresh_token"]).status_code == 400


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


ISSUED = (
    "oauth_provider_tokens_issued_total",
    (("client_type", "confidential"), ("grant_type", "client_credentials")),
)


def test_each_server_counts_its_own_metrics_and_the_balancer_hides_them(fleet):
    """Prometheus scrapes each server (gunicorn's workers added up through
    PROMETHEUS_MULTIPROC_DIR); the fleet's figure is the sum. The balancer refuses /metrics."""
    servers = [fleet.at(0, "127.0.7.1"), fleet.at(1, "127.0.7.1")]
    before = sum(scrape(server).get(ISSUED, 0) for server in servers)
    through = fleet.through_balancer("127.0.7.2")
    for _ in range(8):
        assert through.client_credentials().status_code == 200
    after = [scrape(server).get(ISSUED, 0) for server in servers]
    assert sum(after) - before == 8
    assert through.get("/metrics").status_code == 403


def test_a_rolling_restart_under_load_loses_no_request_and_corrupts_nothing(fleet):
    """Each server in turn: drained at the balancer, stopped (gunicorn finishes what it
    holds), started again, put back once healthy; the commands of docs/deployment.rst.
    Meanwhile eight clients issue tokens, call the API and rotate their refresh tokens, each
    from its own address and within the token endpoint's rate limit for an address (a client
    going faster is answered 429, rightly, on however fast a machine). Every request
    succeeds, and every refresh chain is still whole: a refresh answered but lost, or run
    twice, would have been a reuse and ended its family."""
    browser = logged_in_browser(fleet, "127.0.8.1")
    chains = []
    for _ in range(8):
        verifier, challenge = pkce_pair()
        chains.append(browser.exchange(browser.code(challenge), verifier).json())
    [(issued_before,)] = fleet.database.query(ISSUED_TO_SERVICE)
    stop = threading.Event()
    outcomes: list[tuple[str, int, str]] = []
    # Two token requests a round; rounds paced to four fifths of the address's allowance.
    allowed, window = parse_rate(DEFAULTS["RATE_LIMITS"]["token"])
    round_seconds = 2 * window / (0.8 * allowed)

    def load(n: int) -> None:
        client = fleet.through_balancer(f"127.0.8.{10 + n}")
        next_round = time.monotonic()
        while not stop.wait(max(0.0, next_round - time.monotonic())):
            next_round = time.monotonic() + round_seconds  # no catching up in a burst
            issued = client.client_credentials()
            outcomes.append(("token", issued.status_code, served_by(issued)))
            if issued.status_code == 200:
                used = client.get(REPORT, issued.json()["access_token"])
                outcomes.append(("api", used.status_code, served_by(used)))
            rotated = client.refresh(chains[n]["refresh_token"])
            outcomes.append(("refresh", rotated.status_code, served_by(rotated)))
            if rotated.status_code == 200:
                chains[n] = rotated.json()

    workers = [threading.Thread(target=load, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1)
        for server in fleet.servers:
            fleet.balancer.drain(server.name)
            restart(server)
            fleet.balancer.ready(server.name)
            time.sleep(0.5)
    finally:
        stop.set()
        for worker in workers:
            worker.join()

    failed = [outcome for outcome in outcomes if outcome[1] != 200]
    assert not failed, failed[:10]
    assert {server for _, _, server in outcomes} == {"app1", "app2"}
    through = fleet.through_balancer("127.0.8.2")
    for chain in chains:
        assert through.get(BOOKINGS, chain["access_token"]).status_code == 200
        assert through.refresh(chain["refresh_token"]).status_code == 200
    [(issued_after,)] = fleet.database.query(ISSUED_TO_SERVICE)
    assert issued_after - issued_before == sum(1 for kind, _, _ in outcomes if kind == "token")


ISSUED_TO_SERVICE = (
    "SELECT count(*) FROM oauth_provider_accesstoken t JOIN oauth_provider_application a "
    "ON a.id = t.application_id WHERE a.client_id = 'partner-service'"
)
