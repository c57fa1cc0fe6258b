"""The demo in a real browser: a guest starts at the partner app, logs in on the hotel site,
consents, comes back to the partner app, sees their bookings, and the flow trace shows the
steps (A) to (F) of RFC 6749 §1.2. The screenshots illustrate ``docs/tutorial.rst``.

Both servers run as subprocesses (``manage.py run_demo``), as in ``make demo``.
"""

from __future__ import annotations

import os

import pytest

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

    # The consent page of the hotel site names the client and the scopes it asked for.
    page.wait_for_url(f"{demo.as_url}/oauth/authorize/?**")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partner Travel")
    expect(page.get_by_text("See your hotel bookings")).to_be_visible()
    expect(page.get_by_text("Book and cancel hotel rooms for you")).to_be_visible()
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
