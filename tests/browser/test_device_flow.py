"""The device grant's verification page in a real browser (RFC 8628 §3.3): the owner opens
``verification_uri_complete``, logs in, confirms the code, and approves on the consent page."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from oauth_provider.storage.models import DeviceAuthorization

from ..factories import PublicApplicationFactory
from .conftest import assert_rendered, expect, log_in

pytestmark = pytest.mark.browser

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


def test_owner_enters_the_code_and_approves_the_tv(page, live_server, owner, settings, screenshot):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": [*settings.OAUTH_PROVIDER["GRANT_TYPES"], DEVICE_CODE],
    }
    tv = PublicApplicationFactory(name="Living-room TV", grant_types=DEVICE_CODE, redirect_uris="")
    started = (
        Client()
        .post(
            "/oauth/device_authorization/",
            urlencode({"client_id": tv.client_id, "scope": "read"}),
            content_type="application/x-www-form-urlencoded",
        )
        .json()
    )
    page.goto(started["verification_uri_complete"].replace("http://testserver", live_server.url))
    assert "/accounts/login/?next=" in page.url
    log_in(page, owner.username)
    # The code is filled in; nothing is decided until the owner presses Continue (§5.4).
    expect(page.locator("#oauth-device-user-code")).to_have_value(started["user_code"])
    assert DeviceAuthorization.objects.get().status == DeviceAuthorization.PENDING
    assert_rendered(page)
    screenshot(page, "device-code")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Living-room TV")
    expect(page.locator("#oauth-consent-device")).to_be_visible()
    expect(page.get_by_text("Read your data")).to_be_visible()
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("#oauth-device-approved")).to_be_visible()
    row = DeviceAuthorization.objects.get()
    assert row.status == DeviceAuthorization.APPROVED and row.user == owner and row.scope == "read"


def test_a_wrong_code_is_refused_on_the_page(page, live_server, owner, settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": [*settings.OAUTH_PROVIDER["GRANT_TYPES"], DEVICE_CODE],
    }
    log_in(page, owner.username)
    page.goto("/oauth/device/")
    page.locator("#oauth-device-user-code").fill("BCDF-GHJK")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#oauth-device-error")).to_contain_text("not valid")
