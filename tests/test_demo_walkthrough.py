"""The demo in ``example_project/``: ``manage.py run_demo`` (what ``make demo`` runs) starts
the hotel site and the partner app as subprocesses on free ports, and the ``walkthrough``
command runs every grant against them, as a person would after ``make demo``.

With ``TEST_DATABASE=postgres`` the hotel site runs on PostgreSQL, in a database named after
the test database with ``_demo`` appended, dropped afterwards.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
import requests

from .demo_servers import Demo, free_port, running_demo

PARTS = [
    "Authorization server metadata (RFC 8414)",
    "General: hotels and rooms, no token",
    "User: authorization code grant with PKCE and state, as alice (RFC 6749 §4.1)",
    "Refresh token grant, with rotation (RFC 6749 §6)",
    "Other: introspection (RFC 7662) and revocation (RFC 7009)",
    "Hotel: staff member sam with hotel:manage",
    "Manager: maria with reports:read",
    "Policy: a guest asking for a manager's scope is refused",
    "Manager: the reports service, client credentials grant (RFC 6749 §4.4)",
    "Password grant, as alice (RFC 6749 §4.3; discouraged)",
    "Implicit grant, as alice (RFC 6749 §4.2; discouraged)",
    "Sign in with Hotel Booking as alice, then log out (OpenID Connect)",
    "Device: the TV app, device authorization grant, as alice (RFC 8628)",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture(scope="module")
def walkthrough(demo) -> subprocess.CompletedProcess:
    return demo.manage("walkthrough", "--settings=partner.settings")


def part(output: str, title: str) -> str:
    """The lines the walkthrough printed for one part."""
    match = re.search(rf"^== {re.escape(title)}\n(.*?)(?=^== |\Z)", output, re.MULTILINE | re.DOTALL)
    assert match, f"No part {title!r} in:\n{output}"
    return match.group(1)


def test_run_demo_prints_the_urls_and_the_demo_credentials(demo):
    printed = demo.log.read_text()
    assert "Partner Travel, the client:" in printed
    assert f"{demo.client_url}/" in printed
    assert f"{demo.as_url}/" in printed
    assert "alice   alice-demo-password" in printed
    assert "partner-web       partner-web-demo-secret-not-for-production" in printed


def test_the_walkthrough_passes(walkthrough):
    assert walkthrough.returncode == 0, walkthrough.stdout + walkthrough.stderr
    assert "FAIL" not in walkthrough.stdout
    assert f"All {len(PARTS)} parts passed" in walkthrough.stdout


@pytest.mark.parametrize("title", PARTS)
def test_each_part_of_the_walkthrough_passes(walkthrough, title):
    lines = part(walkthrough.stdout, title)
    assert "FAIL" not in lines, lines
    assert "ok  " in lines, lines


def test_the_authorization_code_grant_shows_steps_a_to_f(walkthrough):
    """RFC 6749 §1.2: the abstract protocol flow, one labelled step per message."""
    lines = part(walkthrough.stdout, PARTS[2])
    letters = re.findall(r"^  \(([A-H])\) ", lines, re.MULTILINE)
    assert letters[:6] == ["A", "B", "C", "D", "E", "F"]
    assert "code_challenge_method=S256" in lines
    # Secrets and tokens are redacted to four characters: the code in (B).
    assert re.search(r"GET /callback/\?code=[^&…]{4}…&state=", lines)


def test_the_refresh_is_steps_g_and_h_and_a_spent_refresh_token_is_refused(walkthrough):
    """RFC 6749 §1.5 and §6, with rotation: the old refresh token is refused afterwards."""
    assert "(G) Client -> AS" in part(walkthrough.stdout, PARTS[3])
    assert "the spent refresh token is refused (invalid_grant)" in part(walkthrough.stdout, PARTS[4])


def test_signing_in_verifies_the_id_token_and_logging_out_comes_back(walkthrough):
    """OpenID Connect Core §3.1 on the code grant: the token response (D) carries an ID token,
    which the client verifies with the provider's JWKS before reading userinfo (E, F); then
    RP-initiated logout returns to the registered URI with the state."""
    lines = part(walkthrough.stdout, PARTS[11])
    letters = re.findall(r"^  \(([A-H])\) ", lines, re.MULTILINE)
    assert letters == ["A", "B", "C", "D", "E", "F"]
    assert "GET /oauth/jwks/" in lines
    assert "ID token verified (RS256)" in lines
    assert "userinfo: Alice Lopes <alice@example.com>" in lines
    assert "logged out, back at the post-logout URI" in lines


def test_the_device_grant_shows_steps_a_to_f(walkthrough):
    """RFC 8628 §1, Figure 1: the TV app's device authorization, the owner's approval, the poll."""
    lines = part(walkthrough.stdout, PARTS[12])
    letters = re.findall(r"^  \(([A-H])\) ", lines, re.MULTILINE)
    assert letters == ["A", "B", "C", "D", "E", "F"]
    assert (
        "device_code=" not in lines or "device_code=…" in lines or re.search(r"device_code=[^&\s]{4}…", lines)
    )


def test_no_secret_is_printed(walkthrough):
    """Tokens and secrets show only their first four characters."""
    assert "partner-web-demo-secret" not in walkthrough.stdout
    assert "alice-demo-password" not in walkthrough.stdout
    tokens = r"(access_token|refresh_token|id_token_hint|code)=[A-Za-z0-9]{5,}"
    assert not re.search(tokens, walkthrough.stdout)


def test_the_walkthrough_fails_when_the_server_does_not_answer(demo):
    """The exit status tells: nothing listens on this port, so every part fails."""
    result = demo.manage("walkthrough", "--settings=partner.settings", DEMO_ADDR=f"127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert f"{len(PARTS)} of {len(PARTS)} parts failed" in result.stderr


def test_the_command_line_client_shows_the_password_grant(demo):
    result = demo.manage("password_grant", "--settings=partner.settings", "--password=alice-demo-password")
    assert result.returncode == 0, result.stderr
    assert "discouraged" in result.stderr
    assert "Harbour View Hotel, room 101" in result.stdout


def test_the_partner_reports_page_uses_client_credentials(demo):
    page = requests.get(f"{demo.client_url}/reports/", timeout=10)
    assert page.status_code == 200
    assert "Alpine Lodge" in page.text
    assert "grant_type=client_credentials" in page.text
    assert "partner-service-demo-secret" not in page.text


def test_the_api_schema_lists_the_scopes_of_each_operation(demo):
    schema = requests.get(f"{demo.as_url}/api/schema/?format=json", timeout=10).json()
    assert schema["paths"]["/api/bookings/"]["post"]["security"] == [{"oauth2": ["bookings:write"]}]
    assert schema["paths"]["/api/hotels/"]["get"].get("security", []) in ([], [{}])


def test_the_policy_part_refuses_a_guest_a_managers_scope(walkthrough):
    lines = part(walkthrough.stdout, "Policy: a guest asking for a manager's scope is refused")
    assert "alice, a guest, is refused: access_denied" in lines
    assert "The resource owner may not grant the scopes: reports:read." in lines


def test_the_client_credentials_part_is_labelled_with_its_own_figure(walkthrough):
    """RFC 6749 §4.4: (A) client authentication, (B) access token; no steps (C) to (F)."""
    lines = part(walkthrough.stdout, PARTS[8])
    assert re.findall(r"^  \(([A-H])\) ", lines, re.MULTILINE) == ["A", "B"]


@pytest.mark.parametrize("site", ["as_url", "client_url"])
def test_both_sites_have_a_favicon(demo, site):
    response = requests.get(f"{getattr(demo, site)}/favicon.ico", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"


def test_a_callback_with_no_authorization_in_progress_says_so(demo):
    response = requests.get(f"{demo.client_url}/callback/?code=abcd&state=unknown", timeout=10)
    assert response.status_code == 400
    assert "No authorization is in progress" in response.text


def test_the_partner_reports_page_traces_rfc_6749_section_4_4(demo):
    page = requests.get(f"{demo.client_url}/reports/", timeout=10).text
    assert re.findall(r'data-letter="([A-Z]?)"', page) == ["A", "B", "", ""]
    assert "Client Authentication" in page
    assert "code_verifier" not in page


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_the_tv_app_connects_with_the_device_grant(demo):
    """RFC 8628 with a third-party client (oauthlib's DeviceClient through requests-oauthlib):
    the TV app prints a code and polls; alice enters the code on the hotel site and approves;
    the app gets its token and lists her bookings."""
    tv = subprocess.Popen(
        [*demo.command("tv_app", "--settings=partner.settings", "--wait=120")],
        cwd=demo.cwd,
        env=demo.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        printed = [tv.stdout.readline() for _ in range(3)]
        code = re.search(r"enter the code: ([A-Z]{4}-[A-Z]{4})", printed[1]).group(1)
        assert printed[0].strip() == f"To connect this TV, open {demo.as_url}/oauth/device/"
        browser = requests.Session()
        login = f"{demo.as_url}/accounts/login/"
        browser.get(login, timeout=10)
        browser.post(
            login,
            data={
                "username": "alice",
                "password": "alice-demo-password",
                "csrfmiddlewaretoken": browser.cookies["hotel_csrftoken"],
            },
            headers={"Referer": login},
            timeout=10,
        )
        page = f"{demo.as_url}/oauth/device/"
        entered = browser.post(
            page,
            data={"user_code": code.lower(), "csrfmiddlewaretoken": browser.cookies["hotel_csrftoken"]},
            headers={"Referer": page},
            timeout=10,
        )
        assert entered.status_code == 200 and "Partner Travel TV app" in entered.text
        decision = {**hidden_fields(entered.text), "approved_scopes": "bookings:read", "allow": "Authorize"}
        approved = browser.post(page, data=decision, headers={"Referer": page}, timeout=10)
        assert "oauth-device-approved" in approved.text
        out, err = tv.communicate(timeout=120)
    finally:
        tv.kill()
    assert tv.returncode == 0, err
    assert "Connected. Access token" in out and "for bookings:read" in out
    assert "Harbour View Hotel, room 101" in out


def demo_login(demo, username: str) -> requests.Session:
    browser = requests.Session()
    login = f"{demo.as_url}/accounts/login/"
    browser.get(login, timeout=10)
    browser.post(
        login,
        data={
            "username": username,
            "password": f"{username}-demo-password",
            "csrfmiddlewaretoken": browser.cookies["hotel_csrftoken"],
        },
        headers={"Referer": login},
        timeout=10,
    )
    return browser


def test_a_pushed_authorization_request_against_the_demo(demo):
    """RFC 9126 with Authlib: partner-web pushes its request, the browser carries only the
    request_uri, alice approves, Authlib exchanges the code and calls the bookings API."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    from authlib.integrations.requests_client import OAuth2Session
    from authlib.integrations.requests_client.oauth2_session import OAuth2ClientAuth

    meta = requests.get(f"{demo.as_url}/.well-known/oauth-authorization-server", timeout=10).json()
    secret = "partner-web-demo-secret-not-for-production"
    redirect_uri = f"{demo.client_url}/callback/"
    session = OAuth2Session(
        "partner-web", secret, scope="bookings:read", redirect_uri=redirect_uri, code_challenge_method="S256"
    )
    verifier = "v" * 64
    url, state = session.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    params = {k: v for k, v in parse_qsl(urlsplit(url).query) if k != "client_id"}
    auth = OAuth2ClientAuth("partner-web", secret, "client_secret_basic")
    pushed = requests.post(meta["pushed_authorization_request_endpoint"], data=params, auth=auth, timeout=10)
    assert pushed.status_code == 201, pushed.text
    browser = demo_login(demo, "alice")
    authorize = (
        meta["authorization_endpoint"]
        + "?"
        + urlencode({"client_id": "partner-web", "request_uri": pushed.json()["request_uri"]})
    )
    page = browser.get(authorize, timeout=10)
    assert page.status_code == 200 and "See your hotel bookings" in page.text
    decision = {**hidden_fields(page.text), "approved_scopes": "bookings:read", "allow": "Authorize"}
    done = browser.post(
        authorize, data=decision, headers={"Referer": authorize}, allow_redirects=False, timeout=10
    )
    location = done.headers["Location"]
    assert location.startswith(redirect_uri) and f"state={state}" in location
    token = session.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    bookings = requests.get(
        f"{demo.as_url}/api/bookings/",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert bookings.status_code == 200 and bookings.json()
    # The request_uri was spent by alice's decision.
    assert browser.get(authorize, timeout=10).status_code == 400


def test_a_dpop_bound_token_against_the_demo(demo):
    """RFC 9449: partner-service gets a DPoP-bound token with a joserfc proof through Authlib,
    calls the hotel API with proofs; the same token as a bearer token, or a replayed proof,
    is refused."""
    import time
    import uuid

    from authlib.integrations.requests_client import OAuth2Session
    from joserfc import jwk, jwt

    from oauth_provider.core.dpop import access_token_hash

    key = jwk.ECKey.generate_key("P-256")

    def proof(method, url, access_token=None):
        claims = {"jti": uuid.uuid4().hex, "htm": method, "htu": url, "iat": int(time.time())}
        if access_token:
            claims["ath"] = access_token_hash(access_token)
        return jwt.encode({"alg": "ES256", "typ": "dpop+jwt", "jwk": key.as_dict(private=False)}, claims, key)

    meta = requests.get(f"{demo.as_url}/.well-known/oauth-authorization-server", timeout=10).json()
    assert "ES256" in meta["dpop_signing_alg_values_supported"]
    session = OAuth2Session(
        "partner-service", "partner-service-demo-secret-not-for-production", scope="reports:read"
    )
    token = session.fetch_token(
        meta["token_endpoint"],
        grant_type="client_credentials",
        headers={"DPoP": proof("POST", meta["token_endpoint"])},
    )
    assert token["token_type"] == "DPoP"
    url = f"{demo.as_url}/api/me/"
    signed = proof("GET", url, token["access_token"])
    headers = {"Authorization": f"DPoP {token['access_token']}", "DPoP": signed}
    me = requests.get(url, headers=headers, timeout=10)
    assert me.status_code == 200 and me.json()["client_id"] == "partner-service"
    replay = requests.get(url, headers=headers, timeout=10)
    assert replay.status_code == 401 and 'error="invalid_dpop_proof"' in replay.headers["WWW-Authenticate"]
    stolen = requests.get(url, headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
    assert stolen.status_code == 401 and stolen.headers["WWW-Authenticate"].startswith("DPoP")


def test_a_token_exchange_against_the_demo(demo):
    """RFC 8693: alice's token (partner-cli's password grant) is exchanged by partner-gateway,
    through Authlib, for a token for hotel-api that reads her bookings as her."""
    from authlib.integrations.requests_client import OAuth2Session

    token_url = f"{demo.as_url}/oauth/token/"
    alice = requests.post(
        token_url,
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-demo-password",
            "scope": "bookings:read",
        },
        auth=("partner-cli", "partner-cli-demo-secret-not-for-production"),
        timeout=10,
    ).json()
    gateway = OAuth2Session("partner-gateway", "partner-gateway-demo-secret-not-for-production")
    token = gateway.fetch_token(
        token_url,
        grant_type="urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token=alice["access_token"],
        subject_token_type="urn:ietf:params:oauth:token-type:access_token",
        audience="hotel-api",
    )
    assert token["issued_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    me = requests.get(
        f"{demo.as_url}/api/me/", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10
    )
    assert me.json()["subject"] == "alice" and me.json()["client_id"] == "partner-gateway"
    bookings = requests.get(
        f"{demo.as_url}/api/bookings/",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert bookings.status_code == 200 and bookings.json()
