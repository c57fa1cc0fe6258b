"""The demo in a real browser: a guest starts at the partner app, logs in on the hotel site,
consents on a page in the hotel site's own look, comes back to the partner app, sees their
bookings, and the flow trace shows the steps (A) to (F) of RFC 6749 §1.2. Hotel staff and a
manager use the pages of their roles; a guest who asks for a manager's scope is refused.
The screenshots illustrate ``docs/tutorial.rst``.

Both servers run as subprocesses (``manage.py run_demo``), as in ``make demo``.
"""

from __future__ import annotations

import os

import pytest
import requests

from ..demo_servers import running_demo
from .conftest import TIMEOUT_MS, VIEWPORT, assert_rendered, expect, submit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    # New screenshots for the tutorial show the addresses `make demo` uses, when they are free.
    ports = (8000, 8001) if os.environ.get("UPDATE_SCREENSHOTS") else (0, 0)
    with running_demo(tmp_path_factory.mktemp("browser-demo"), ports) as running:
        yield running


@pytest.fixture
def guest_page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_guest_connects_the_partner_app_and_sees_bookings_and_the_flow_trace(demo, guest_page, screenshot):
    page = guest_page
    page.goto(f"{demo.client_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner Travel")
    assert_rendered(page)
    screenshot(page, "demo-partner-home")

    # (A) The client sends the browser to the authorization server, which asks the guest to log in.
    submit(page.get_by_role("button", name="Connect with Hotel Booking"))
    page.wait_for_url(f"{demo.as_url}/accounts/login/?next=**")
    assert_rendered(page)
    screenshot(page, "demo-login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-demo-password")
    submit(page.get_by_role("button", name="Log in"))

    # The consent page of the hotel site names the client and the scopes it asked for, in the
    # hotel site's own frame (BASE_TEMPLATE): its header, the guest's name, a way back.
    page.wait_for_url(f"{demo.as_url}/oauth/authorize/?**")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partner Travel")
    expect(page.get_by_text("See your hotel bookings")).to_be_visible()
    expect(page.get_by_text("Book and cancel hotel rooms for you")).to_be_visible()
    header = page.locator("body > header")
    expect(header.get_by_role("link", name="Hotel Booking")).to_have_attribute("href", "/")
    expect(header).to_contain_text("alice")
    expect(header.get_by_role("link", name="Connected apps")).to_be_visible()
    expect(page.locator("#oauth-consent-form")).to_be_visible()
    assert page.title() == "Authorize Partner Travel · authorization server"
    # The hotel's look: its primary colour on the Allow button, not the package's default blue.
    allow = page.locator("#oauth-consent-allow")
    assert allow.evaluate("button => getComputedStyle(button).backgroundColor") == "rgb(31, 58, 104)"
    assert_rendered(page)
    screenshot(page, "demo-consent")

    # (B) to (F): back at the partner app, which exchanged the code and called the API.
    submit(page.get_by_role("button", name="Allow"))
    page.wait_for_url(f"{demo.client_url}/bookings/")
    bookings = page.locator("#bookings")
    expect(bookings).to_contain_text("Harbour View Hotel")
    expect(bookings).to_contain_text("Alpine Lodge")
    assert_rendered(page)
    screenshot(page, "demo-bookings")

    page.get_by_role("link", name="See the flow trace").click()
    page.wait_for_url(f"{demo.client_url}/trace/")
    steps = page.locator("section[data-letter]")
    letters = [steps.nth(i).get_attribute("data-letter") for i in range(steps.count())]
    assert letters[:6] == ["A", "B", "C", "D", "E", "F"]
    expect(steps.nth(0)).to_contain_text("code_challenge_method=S256")
    expect(steps.nth(2)).to_contain_text("POST /oauth/token/")
    expect(steps.nth(2)).to_contain_text("grant_type=authorization_code")
    expect(steps.nth(4)).to_contain_text("Authorization: Bearer ")
    expect(steps.nth(5)).to_contain_text("Harbour View Hotel")
    text = page.locator("main").inner_text()
    assert "partner-web-demo-secret" not in text
    assert_rendered(page)
    steps.nth(0).evaluate("step => step.scrollIntoView()")
    screenshot(page, "demo-trace")


def log_in_on_hotel(page, demo, username: str, password: str | None = None) -> None:
    """The hotel site's login form, as the authorization endpoint shows it."""
    page.wait_for_url(f"{demo.as_url}/accounts/login/?next=**")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or f"{username}-demo-password")
    submit(page.get_by_role("button", name="Log in"))


def connect_on_role_page(page, demo, path: str, username: str) -> None:
    """A role page's own "Connect" button: log in on the hotel site as ``username``, allow."""
    page.goto(f"{demo.client_url}{path}")
    expect(page.locator("#needs")).to_contain_text("Not connected yet")
    submit(page.locator("#connect-role"))
    log_in_on_hotel(page, demo, username)
    allow_if_asked(page, demo, path)


def allow_if_asked(page, demo, path: str) -> None:
    """Presses Allow on the consent page, unless a stored consent from an earlier test skips it."""
    page.wait_for_url(lambda url: url.startswith((f"{demo.as_url}/oauth/authorize/", f"{demo.client_url}/")))
    if page.url.startswith(f"{demo.as_url}/oauth/authorize/"):
        submit(page.locator("#oauth-consent-allow"))
    page.wait_for_url(f"{demo.client_url}{path}")


def test_hotel_staff_see_rooms_and_occupancy_on_the_hotel_desk_page(demo, guest_page, screenshot):
    page = guest_page
    connect_on_role_page(page, demo, "/hotel/", "sam")
    expect(page.locator("#connection")).to_contain_text("Connected as sam")
    expect(page.locator("#needs")).to_contain_text("hotel:manage")
    answers = page.locator(".answer")
    expect(answers).to_have_count(2)
    expect(answers.nth(0)).to_contain_text("GET /api/hotel/rooms/: 200 OK")
    expect(answers.nth(1)).to_contain_text("GET /api/hotel/bookings/: 200 OK")
    expect(page.locator("#rooms")).to_contain_text("Suite")
    expect(page.locator("#occupancy")).to_contain_text("alice")
    assert_rendered(page)
    screenshot(page, "demo-hotel-desk")

    # The same token on the manager's page: the API's own refusal, readably (RFC 6750 §3.1).
    page.goto(f"{demo.client_url}/manager/")
    refused = page.locator(".answer.refused")
    expect(refused).to_contain_text("GET /api/reports/occupancy/: 403 Forbidden")
    expect(refused.locator(".api-error-description")).to_have_text(
        "You do not have permission to perform this action."
    )
    assert "{'detail'" not in page.locator("main").inner_text()

    # On the guest's page, the token lacks the scope: RFC 6750 §3.1 insufficient_scope.
    page.goto(f"{demo.client_url}/bookings/")
    refused = page.locator(".answer.refused")
    expect(refused).to_contain_text("GET /api/bookings/: 403 Forbidden")
    expect(refused.locator(".api-error")).to_have_text("insufficient_scope")
    expect(refused.locator(".api-error-description")).to_have_text(
        "The access token lacks a required scope: bookings:read."
    )


def test_a_manager_reads_the_report_of_her_hotels(demo, guest_page, screenshot):
    page = guest_page
    connect_on_role_page(page, demo, "/manager/", "maria")
    expect(page.locator(".answer")).to_contain_text("GET /api/reports/occupancy/: 200 OK")
    report = page.locator("#report")
    expect(report).to_contain_text("Harbour View Hotel")
    expect(report).to_contain_text("Alpine Lodge")
    assert_rendered(page)
    screenshot(page, "demo-manager-reports")


def test_a_guest_asking_for_a_managers_scope_is_refused_by_policy(demo, guest_page, screenshot):
    page = guest_page
    page.goto(f"{demo.client_url}/manager/")
    submit(page.locator("#connect-role"))
    log_in_on_hotel(page, demo, "alice")
    # Refused before any consent page: the hotel site's RESOURCE_OWNER_SCOPES policy.
    page.wait_for_url(f"{demo.client_url}/callback/?error=access_denied**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hotel Booking refused")
    expect(page.locator("#error")).to_have_text(
        "access_denied: The resource owner may not grant the scopes: reports:read."
    )
    expect(page.locator("#hint")).to_contain_text("reports:read for managers (maria)")
    expect(page.locator("#connection")).to_have_text("Not connected")
    assert_rendered(page)
    screenshot(page, "demo-refused")


def test_reloading_the_callback_says_the_code_was_already_used(demo, guest_page):
    page = guest_page
    callbacks = []
    page.on("request", lambda sent: callbacks.append(sent.url) if "/callback/?" in sent.url else None)
    connect_on_role_page(page, demo, "/bookings/", "alice")
    assert len(callbacks) == 1
    page.goto(callbacks[0])
    page.wait_for_url(f"{demo.client_url}/bookings/")
    expect(page.locator(".message")).to_contain_text("the authorization code in it was exchanged")
    expect(page.locator(".message")).to_contain_text("The app is still connected.")
    expect(page.locator("#bookings")).to_contain_text("Harbour View Hotel")


def test_a_wrong_password_keeps_the_username(demo, guest_page):
    page = guest_page
    page.goto(f"{demo.client_url}/hotel/")
    submit(page.locator("#connect-role"))
    page.wait_for_url(f"{demo.as_url}/accounts/login/?next=**")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errorlist")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("sam")
    expect(page.get_by_label("Password")).to_be_focused()


def test_my_bookings_before_connecting_says_what_to_do(demo, guest_page):
    page = guest_page
    page.goto(f"{demo.client_url}/bookings/")
    assert page.url == f"{demo.client_url}/bookings/"
    expect(page.locator("#needs")).to_contain_text("Not connected yet")
    expect(page.locator("#connect-role")).to_have_text("Connect with bookings:read bookings:write")


def test_copy_as_curl_gives_a_command_that_works(demo, guest_page):
    page = guest_page
    connect_on_role_page(page, demo, "/bookings/", "alice")
    page.locator("#try-curl summary").click()
    command = page.locator("#curl-command").inner_text()
    assert command.startswith("curl -H 'Authorization: Bearer ")
    assert command.endswith(f" {demo.as_url}/api/bookings/")
    token = command.split("Bearer ")[1].split("'")[0]
    headers = {"Authorization": f"Bearer {token}"}
    answer = requests.get(f"{demo.as_url}/api/bookings/", headers=headers, timeout=10)
    assert answer.status_code == 200
    assert "Harbour View Hotel" in answer.text


def test_each_grant_page_traces_its_own_figure(demo, guest_page):
    page = guest_page
    # RFC 6749 §4.4: (A) client authentication, (B) access token; nothing of the code grant.
    page.goto(f"{demo.client_url}/reports/")
    expect(page.locator("figure.flow figcaption")).to_contain_text("RFC 6749 §4.4")
    assert letters(page) == ["A", "B", "", ""]
    text = page.locator("main").inner_text()
    for words in ("code_verifier", "PKCE code_challenge", "the owner's data", "a refresh token."):
        assert words not in text

    # RFC 6749 §4.3: (A) the owner's password to the client, (B) to the server, (C) the token.
    page.goto(f"{demo.client_url}/password/")
    page.get_by_label("Hotel Booking password").fill("alice-demo-password")
    page.get_by_role("button", name="Get a token with the password grant").click()
    expect(page.locator("figure.flow figcaption")).to_contain_text("RFC 6749 §4.3")
    assert letters(page) == ["A", "B", "C", "", ""]
    expect(page.locator("#bookings")).to_contain_text("Harbour View Hotel")
    assert "alice-demo-password" not in page.locator("section[data-letter]").all_inner_texts()[0]

    # RFC 6749 §4.2: the server sees (A) and (D); the page's script writes (C), (F) and (G).
    page.goto(f"{demo.client_url}/implicit/")
    submit(page.get_by_role("button", name="Get a token with the implicit grant"))
    log_in_on_hotel(page, demo, "alice")
    allow_if_asked(page, demo, "/implicit/")
    expect(page.locator('section[data-letter="G"]')).to_contain_text("200")
    assert letters(page) == ["A", "C", "D", "E", "F", "G"]
    expect(page.locator("#api")).to_contain_text("Harbour View Hotel")


def letters(page) -> list[str]:
    steps = page.locator("section[data-letter]")
    return [steps.nth(i).get_attribute("data-letter") for i in range(steps.count())]


def test_the_connected_apps_and_revoke_pages_carry_the_hotel_sites_look(demo, guest_page):
    """BASE_TEMPLATE: the owner's other pages sit in the hotel site's frame too."""
    page = guest_page
    connect_on_role_page(page, demo, "/bookings/", "alice")
    page.goto(f"{demo.as_url}/oauth/connected-apps/")
    header = page.locator("body > header")
    expect(header.get_by_role("link", name="Hotel Booking")).to_be_visible()
    expect(header).to_contain_text("alice")
    partner = page.locator('li.oauth-connected-app[data-client-id="partner-web"]')
    expect(partner).to_contain_text("Partner Travel")
    assert_rendered(page)

    partner.locator("a.oauth-revoke-link").click()
    expect(page.locator("#oauth-revoke-form")).to_be_visible()
    expect(page.locator("body > header")).to_contain_text("Hotel Booking")
    confirm = page.locator("#oauth-revoke-confirm")
    assert confirm.evaluate("button => getComputedStyle(button).backgroundColor") == "rgb(164, 22, 26)"
    submit(confirm)
    page.wait_for_url(f"{demo.as_url}/oauth/connected-apps/")
    expect(page.get_by_role("status")).to_contain_text("Partner Travel can no longer access your account.")

    # The partner app's next call is refused (RFC 6750 §3.1), and it says so and lets go.
    page.goto(f"{demo.client_url}/bookings/")
    expect(page.locator(".answer.refused")).to_contain_text("401 Unauthorized")
    expect(page.locator(".answer.refused .api-error")).to_have_text("invalid_token")
    page.reload()
    expect(page.locator("#needs")).to_contain_text("Not connected yet")


def test_a_guest_signs_in_with_hotel_booking_and_signs_out_of_both_sites(demo, guest_page, screenshot):
    """OpenID Connect in the demo: the partner app signs maria in with her Hotel Booking account,
    shows the verified ID token's claims and the userinfo claims, traces the ID token decoded,
    and RP-initiated logout ends her session at the hotel site and comes back."""
    page = guest_page
    page.goto(f"{demo.client_url}/signin/")
    submit(page.locator("#sign-in"))
    log_in_on_hotel(page, demo, "maria")
    # The consent page names the OpenID Connect scopes in words.
    page.wait_for_url(f"{demo.as_url}/oauth/authorize/?**")
    expect(page.get_by_text("Sign you in with your account")).to_be_visible()
    expect(page.get_by_text("See your email address")).to_be_visible()
    submit(page.locator("#oauth-consent-allow"))

    page.wait_for_url(f"{demo.client_url}/signin/")
    expect(page.locator("#signed-in h2")).to_have_text("Signed in as Maria Keller")
    expect(page.locator("#signed-in-as")).to_contain_text("Maria Keller")
    claims = page.locator("#id-token-claims")
    expect(claims.locator("tr[data-claim='iss'] td").nth(1)).to_have_text(demo.as_url)
    expect(claims.locator("tr[data-claim='aud'] td").nth(1)).to_have_text("partner-web")
    for claim in ("sub", "exp", "iat", "auth_time", "nonce", "at_hash"):
        expect(claims.locator(f"tr[data-claim='{claim}']")).to_have_count(1)
    userinfo = page.locator("#userinfo-claims")
    expect(userinfo.locator("tr[data-claim='email'] td").nth(1)).to_have_text("maria@hotels.example")
    expect(userinfo.locator("tr[data-claim='given_name'] td").nth(1)).to_have_text("Maria")

    # The trace: the authentication request with a nonce, the code, the token response, the
    # JWKS, the ID token decoded (its signature left out), then userinfo.
    steps = page.locator("section.card")
    text = "\n".join(steps.all_inner_texts())
    assert "nonce=" in text and "scope=openid+profile+email" in text
    assert "GET /oauth/jwks/" in text
    decoded = page.locator("section.card", has_text="ID token, verified and decoded")
    expect(decoded).to_contain_text('"aud": "partner-web"')
    expect(decoded).to_contain_text('"alg": "RS256"')
    expect(page.locator("section[data-letter='E']")).to_contain_text("GET /oauth/userinfo/")
    assert_rendered(page)
    screenshot(page, "demo-sign-in")

    # Sign out: the hotel site logs maria out without asking (the hint names her) and sends the
    # browser back to the registered post-logout URI with the state.
    submit(page.get_by_role("button", name="Sign out, here and at Hotel Booking"))
    page.wait_for_url(f"{demo.client_url}/signin/")
    expect(page.locator(".message")).to_contain_text("Signed out of Partner Travel and of Hotel Booking")
    expect(page.locator("#sign-in")).to_be_visible()
    back = page.locator("section.card", has_text="Back from logout")
    expect(back).to_contain_text("GET /signed-out/?state=")
    page.goto(f"{demo.as_url}/oauth/connected-apps/")
    page.wait_for_url(f"{demo.as_url}/accounts/login/?next=**")


def test_a_sign_in_callback_without_a_sign_in_in_progress_is_refused(demo, guest_page):
    page = guest_page
    response = page.goto(f"{demo.client_url}/signin/callback/?code=forged&state=forged")
    assert response.status == 400
    expect(page.locator("#error")).to_contain_text("No sign-in is in progress")
    response = page.goto(f"{demo.client_url}/signed-out/?state=forged")
    assert response.status == 400
    expect(page.locator("#error")).to_contain_text("This logout was not started here")
