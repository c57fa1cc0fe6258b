"""The authorization code grant in a real browser: log in, consent, land on the redirect URI.

The client is registered with a loopback redirect URI on the live server itself
(``http://localhost:<port>/callback``), so the browser really arrives there.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ..conftest import Flow, query_of
from .conftest import assert_rendered, authorization_url, expect, is_consent_page, log_in, submit

pytestmark = pytest.mark.browser


def test_owner_logs_in_approves_and_the_client_gets_a_token(
    page, live_server, owner, application, screenshot
):
    """RFC 6749 §4.1.1-§4.1.3 with PKCE (RFC 7636) and the issuer in the response (RFC 9207)."""
    url, verifier = authorization_url(application, scope="read write", state="af0ifjsldkj")
    page.goto(url)
    assert page.url.startswith(f"{live_server.url}/accounts/login/?next=")

    with page.expect_response(is_consent_page) as consent:
        log_in(page, owner.username)
    # RFC 6749 §10.13: the consent page must not be framed (clickjacking).
    assert consent.value.headers["x-frame-options"] == "DENY"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bookings web app")
    expect(page.get_by_text("Books meeting rooms on your behalf.")).to_be_visible()
    expect(page.get_by_text("Read your data")).to_be_visible()
    expect(page.get_by_text("Change your data")).to_be_visible()
    assert_rendered(page)
    screenshot(page, "consent")

    submit(page.get_by_role("button", name="Allow"))
    page.wait_for_url(f"{live_server.url}/callback?**")
    params = query_of(page.url)
    assert set(params) == {"code", "state", "iss"}
    assert params["state"] == "af0ifjsldkj"
    assert params["iss"] == live_server.url
    expect(page.locator("#code")).to_have_text(params["code"])

    flow = Flow(browser=Client(), api=Client())
    response = flow.exchange(application, params["code"], verifier=verifier)
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert tokens["scope"] == "read write"
    api = Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert api.status_code == 200
    assert api.json()["user"] == owner.username


def test_owner_denies_and_the_client_gets_access_denied(page, live_server, owner, application):
    """RFC 6749 §4.1.2.1: a refusal goes back to the client with ``access_denied`` and the state."""
    url, _ = authorization_url(application, scope="read", state="s-123")
    log_in(page, owner.username)
    page.goto(url)
    submit(page.get_by_role("button", name="Deny"))
    page.wait_for_url(f"{live_server.url}/callback?**")
    params = query_of(page.url)
    assert params["error"] == "access_denied"
    assert params["state"] == "s-123"
    assert params["iss"] == live_server.url
    assert "code" not in params
    expect(page.locator("#error")).to_have_text("access_denied")


def test_a_page_that_frames_the_consent_page_gets_nothing(page, live_server, owner, application, settings):
    """The browser refuses to render the consent page in a frame, even where the site allows framing."""
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    url, _ = authorization_url(application, scope="read", state="framed")
    log_in(page, owner.username)
    page.goto("/callback?framing=page")
    with page.expect_response(is_consent_page) as consent:
        page.evaluate(
            """url => new Promise(resolve => {
                const frame = document.createElement("iframe");
                frame.onload = resolve;
                frame.src = url;
                document.body.append(frame);
            })""",
            url,
        )
    assert consent.value.headers["x-frame-options"] == "DENY"
    frame = page.frames[1]
    assert frame.url.startswith("chrome-error://")
    assert frame.locator("button").count() == 0
