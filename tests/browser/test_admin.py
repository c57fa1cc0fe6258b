"""The admin in a real browser: a superuser adds a client and sees its secret once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ..conftest import PASSWORD, Flow, basic_auth
from ..factories import ApplicationFactory, PublicApplicationFactory
from .conftest import assert_rendered, expect, submit

pytestmark = pytest.mark.browser

ADMIN_VIEWPORT = {"width": 1280, "height": 720}
NARROW_VIEWPORT = {"width": 800, "height": 700}


@pytest.fixture
def superuser(live_server):
    return get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)


def test_superuser_adds_a_client_and_the_secret_works(page, live_server, superuser, screenshot):
    PublicApplicationFactory(name="Bookings mobile app", client_id="bookings-mobile")
    ApplicationFactory(name="Reporting service", client_id="reporting", grant_types="client_credentials")

    # The admin's list pages need more room than the owner's pages: at 1000 pixels the
    # filter column pushes the list's last column out of view.
    page.set_viewport_size(ADMIN_VIEWPORT)
    page.goto("/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.goto("/admin/oauth_provider/application/")
    # Collapse the navigation sidebar (the admin remembers it) so the tables fit the screenshots.
    page.locator("#toggle-nav-sidebar").click()
    page.get_by_role("link", name="Add application").click()
    page.locator("#id_name").fill("Bookings web app")
    page.locator("#id_client_id").fill("bookings-web")
    page.locator("#id_client_type").select_option("confidential")
    for grant_type in ("authorization_code", "refresh_token", "client_credentials"):
        page.locator(f"input[name=grant_types][value={grant_type}]").check()
    page.locator("#id_redirect_uris").fill("https://bookings.example/callback")
    page.locator("#id_allowed_scopes").fill("read write")
    page.locator("input[name=_save]").click()

    # One heading: the admin's own title, not a second copy from the template.
    expect(page.get_by_role("heading", name="Client created")).to_have_count(1)
    expect(page.get_by_text("It is shown once")).to_be_visible()
    secret = page.locator(".client-secret").inner_text()
    expect(page.locator("td code").first).to_have_text("bookings-web")
    assert len(secret) >= 32
    assert_rendered(page)
    screenshot(page, "admin-client-created")
    # In a narrow window the secret wraps and stays in view rather than running off the page.
    page.set_viewport_size(NARROW_VIEWPORT)
    box = page.locator(".client-secret").bounding_box()
    assert box is not None and box["x"] + box["width"] <= NARROW_VIEWPORT["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert page.locator(".client-secret").inner_text() == secret
    page.set_viewport_size(ADMIN_VIEWPORT)

    # The secret on the page is the one the token endpoint accepts.
    flow = Flow(browser=Client(), api=Client())
    response = flow.token(
        {"grant_type": "client_credentials", "scope": "read"},
        HTTP_AUTHORIZATION=basic_auth("bookings-web", secret),
    )
    assert response.status_code == 200, response.content

    page.get_by_role("link", name="Back to the list of applications").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Bookings web app")).to_contain_text("bookings-web")
    expect(page.get_by_text(secret)).to_have_count(0)
    assert_rendered(page)
    screenshot(page, "admin-applications")


def test_the_applications_list_fits_1280_pixels_with_the_sidebar_open(page, live_server, superuser):
    """Every column of the list stays in view at 1280 px, the admin's navigation sidebar open."""
    ApplicationFactory(
        name="Bookings web app with a long name",
        client_id="bookings-web-app-with-a-long-client-id",
        grant_types="authorization_code refresh_token client_credentials password implicit",
    )
    PublicApplicationFactory(name="Bookings mobile app", client_id="bookings-mobile")
    page.set_viewport_size(ADMIN_VIEWPORT)
    page.goto("/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page.get_by_role("button", name="Log in"))
    page.goto("/admin/oauth_provider/application/")
    expect(page.locator("#nav-sidebar")).to_be_visible()
    last_header = page.locator("#result_list thead th").last
    box = last_header.bounding_box()
    assert box is not None and box["x"] + box["width"] <= ADMIN_VIEWPORT["width"], box
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    changelist = page.locator("#changelist .results")
    assert changelist.evaluate("element => element.scrollWidth <= element.clientWidth")
