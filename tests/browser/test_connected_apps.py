"""Partial consent and the connected apps page in a real browser.

The owner unticks a scope on the consent page, so the client's token carries only
the other; later the owner revokes the client on ``/oauth/connected-apps/`` and the
token stops working at once.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ..conftest import CLIENT_SECRET, Flow, basic_auth, query_of
from ..factories import ApplicationFactory
from .conftest import assert_rendered, authorization_url, expect, log_in, submit

pytestmark = pytest.mark.browser


def bearer(access_token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {access_token}"}


@pytest.fixture
def calendar_client(owner):
    """Another client the owner approved earlier, so the connected apps page lists two."""
    application = ApplicationFactory(name="Calendar sync", description="Adds your bookings to your calendar.")
    flow = Flow(browser=Client(), api=Client())
    flow.browser.force_login(owner)
    flow.tokens_for(application, scope="bookings:read")
    return application


def test_owner_approves_part_of_the_request_then_revokes_the_client(
    page, live_server, owner, application, calendar_client, screenshot
):
    url, verifier = authorization_url(application, scope="read write", state="partial")
    log_in(page, owner.username)
    page.goto(url)
    read = page.get_by_role("checkbox", name="Read your data")
    write = page.get_by_role("checkbox", name="Change your data")
    expect(read).to_be_checked()
    expect(write).to_be_checked()
    write.uncheck()
    submit(page.get_by_role("button", name="Allow"))
    page.wait_for_url(f"{live_server.url}/callback?**")
    params = query_of(page.url)
    assert params["state"] == "partial"

    flow = Flow(browser=Client(), api=Client())
    response = flow.exchange(application, params["code"], verifier=verifier)
    assert response.status_code == 200, response.content
    tokens = response.json()
    # RFC 6749 §3.3: the token response names the scope actually granted.
    assert tokens["scope"] == "read"
    api = Client()
    assert api.get("/api/scoped/", **bearer(tokens["access_token"])).json()["scopes"] == ["read"]
    assert api.post("/api/method-scoped/", **bearer(tokens["access_token"])).status_code == 403

    page.goto("/oauth/connected-apps/")
    apps = page.locator("ul.apps > li")
    expect(apps).to_have_count(2)
    bookings = apps.filter(has_text="Bookings web app")
    expect(bookings).to_contain_text("Read your data")
    expect(bookings).not_to_contain_text("Change your data")
    expect(apps.filter(has_text="Calendar sync")).to_contain_text("See your bookings")
    assert_rendered(page)
    screenshot(page, "connected-apps")

    bookings.get_by_role("link", name="Revoke access").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revoke access for Bookings web app")
    assert_rendered(page)
    submit(page.get_by_role("button", name="Revoke access"))
    page.wait_for_url(f"{live_server.url}/oauth/connected-apps/")
    expect(page.get_by_role("status")).to_contain_text("Bookings web app can no longer access your account.")
    expect(apps).to_have_count(1)
    expect(apps).to_contain_text("Calendar sync")

    # The revoked client's tokens stop working at once (RFC 6750 §3.1: invalid_token is 401).
    assert api.get("/api/scoped/", **bearer(tokens["access_token"])).status_code == 401
    introspection = flow.post(
        "introspect",
        {"token": tokens["access_token"]},
        HTTP_AUTHORIZATION=basic_auth(application.client_id, CLIENT_SECRET),
    )
    assert introspection.json() == {"active": False}
    refresh = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(application.client_id, CLIENT_SECRET),
    )
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "invalid_grant"
