"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

Chromium is the system package (``make browser-deps`` installs it; ``CHROMIUM`` names another
binary); Playwright's own browser download is never used. Without Chromium or the
``playwright`` package these tests are skipped locally and fail when ``CI`` is set, so a CI
run cannot pass without running them.

Screenshots go to a temporary directory; with ``UPDATE_SCREENSHOTS=1`` (``make screenshots``)
they replace the ones in ``docs/_static/screenshots/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ..conftest import PASSWORD, pkce_pair
from ..factories import ApplicationFactory, UserFactory

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser fixture skips, or fails in CI
    expect = sync_playwright = None

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches Chromium dials out at start-up, which a closed
# network answers slowly or not at all.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1000, "height": 700}
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "_static" / "screenshots"
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's synchronous API keeps an asyncio loop registered on the main thread while
    the browser is open, so Django sees an async context there and needs
    ``DJANGO_ALLOW_ASYNC_UNSAFE``; running these tests last keeps every other test free of both.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}. CI must run the browser tests: `make browser-deps` installs Chromium.")
    pytest.skip(f"{reason}; `make browser-deps` installs Chromium (as root), `make venv` Playwright.")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole run."""
    if sync_playwright is None:
        unavailable("the playwright package is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh page (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(tmp_path):
    """``screenshot(page, name)`` saves ``name.png`` of the viewport."""
    directory = DOCS_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path

    def take(page, name: str) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        assert path.stat().st_size > 0
        return path

    return take


def submit(button) -> None:
    """Clicks a form's submit button and requires the POST to redirect.

    A refused form (say a CSRF failure) then fails the test at once, with the server's answer.
    """
    with button.page.expect_response(lambda response: response.request.method == "POST") as posted:
        button.click()
    response = posted.value
    assert response.status == 302, f"POST {response.url} answered {response.status}:\n{response.text()[:800]}"


def assert_rendered(page) -> None:
    """No template syntax shows on the page (an unclosed tag or a multi-line ``{# #}`` comment)."""
    text = page.locator("body").inner_text()
    for marker in ("{#", "#}", "{%", "%}", "{{", "}}"):
        assert marker not in text, f"{marker!r} shows on {page.url}:\n{text[:800]}"


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Submits the site's login form (``/accounts/login/``), opening it first unless it is shown."""
    if "/accounts/login/" not in page.url:
        page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    submit(page.get_by_role("button", name="Log in"))


def authorization_url(application, scope: str, state: str) -> tuple[str, str]:
    """An authorization code request with PKCE S256; returns (path and query, code_verifier)."""
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": application.redirect_uri_list[0],
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return "/oauth/authorize/?" + urlencode(params), verifier


@pytest.fixture
def owner(db):
    """The resource owner, with a name that reads well in screenshots."""
    return UserFactory(username="alice")


@pytest.fixture
def application(live_server):
    """A confidential client whose redirect URI is on the live server (loopback http is allowed)."""
    return ApplicationFactory(
        name="Bookings web app",
        description="Books meeting rooms on your behalf.",
        redirect_uris=f"{live_server.url}/callback",
    )


def is_consent_page(response) -> bool:
    """For ``page.expect_response``: the consent page itself, not a redirect to or from it."""
    return "/oauth/authorize/" in response.url and response.request.method == "GET" and response.ok
