"""The owner's pages in the site's own frame (``BASE_TEMPLATE``), with ids and classes to theme.

The consent page, the connected apps page, the revoke page and the authorization error page
extend the template ``BASE_TEMPLATE`` names, so the owner sees which site is asking
(RFC 6749 §10.12 and §10.13 expect the owner to recognise the site they are on).
"""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from .factories import ApplicationFactory

SITE_FRAME = "site/frame.html"
HEADER_ONLY = "site/header_only.html"


def consent_page(flow, application, scope="read"):
    return flow.authorize(
        response_type="code",
        client_id=application.client_id,
        redirect_uri=application.redirect_uri_list[0],
        scope=scope,
        state="s",
    )


def pages(flow, application) -> dict[str, object]:
    """The four pages, the owner connected to ``application``."""
    flow.tokens_for(application)
    return {
        "consent": consent_page(flow, application, "read write"),
        "connected_apps": flow.browser.get("/oauth/connected-apps/"),
        "revoke": flow.browser.get(f"/oauth/connected-apps/{application.pk}/revoke/"),
        "error": flow.authorize(response_type="code", client_id="no-such-client", state="s"),
    }


PAGE_IDS = {
    "consent": [
        'id="oauth-consent"',
        'id="oauth-consent-form"',
        'id="oauth-consent-scopes"',
        'id="oauth-consent-allow"',
        'id="oauth-consent-deny"',
        'class="oauth-scope" data-scope="read"',
    ],
    "connected_apps": ['id="oauth-connected-apps"', 'id="oauth-connected-apps-list"', "oauth-revoke-link"],
    "revoke": [
        'id="oauth-revoke"',
        'id="oauth-revoke-form"',
        'id="oauth-revoke-confirm"',
        "oauth-revoke-cancel",
    ],
    "error": ['id="oauth-error"'],
}


@pytest.mark.parametrize("name", sorted(PAGE_IDS))
def test_the_default_frame_is_a_standalone_page_with_stable_ids(flow, confidential_client, name):
    page = pages(flow, confidential_client)[name]
    html = page.content.decode()
    assert html.startswith("<!doctype html>")
    assert '<main class="oauth-provider-frame">' in html
    assert '<meta name="referrer" content="same-origin">' in html
    for marker in PAGE_IDS[name]:
        assert marker in html, f"{marker} missing on the {name} page"
    assert 'id="site-header"' not in html


@pytest.mark.parametrize("name", sorted(PAGE_IDS))
def test_every_page_extends_the_sites_frame(flow, confidential_client, settings, name):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "BASE_TEMPLATE": SITE_FRAME}
    page = pages(flow, confidential_client)[name]
    html = page.content.decode()
    assert '<header id="site-header"><a href="/">Example Rooms</a></header>' in html
    assert '<main id="site-main">' in html
    assert "oauth-provider-frame" not in html
    assert "· Example Rooms</title>" in html
    assert '<meta name="referrer" content="same-origin">' in html
    for marker in PAGE_IDS[name]:
        assert marker in html, f"{marker} missing on the {name} page"


def test_a_frame_that_extends_the_default_fills_its_header_and_footer(flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "BASE_TEMPLATE": HEADER_ONLY}
    html = consent_page(flow, confidential_client).content.decode()
    assert html.index('id="site-header"') < html.index('<main class="oauth-provider-frame">')
    assert html.index("</main>") < html.index('id="site-footer"')
    assert 'id="oauth-consent-form"' in html


@pytest.mark.parametrize("name", sorted(PAGE_IDS))
def test_every_page_keeps_referrers_same_origin_whatever_the_frame(flow, confidential_client, settings, name):
    """A frame without the package's ``head.html`` still sends no Referer to other sites."""
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "BASE_TEMPLATE": SITE_FRAME}
    page = pages(flow, confidential_client)[name]
    assert page["Referrer-Policy"] == "same-origin"
    assert page["X-Frame-Options"] == "DENY"


def test_the_consent_form_still_works_in_the_sites_frame(flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "BASE_TEMPLATE": SITE_FRAME}
    tokens = flow.tokens_for(confidential_client, scope="read write")
    assert tokens["scope"] == "read write"


def test_a_template_rendered_without_the_setting_falls_back_to_the_default_frame(owner, db):
    """A site's own view that renders the package's templates need not pass base_template."""
    html = render_to_string("oauth_provider/connected_apps.html", {"connected_apps": []})
    assert '<main class="oauth-provider-frame">' in html


def test_an_anonymous_owner_still_goes_to_the_login_page(db, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "BASE_TEMPLATE": SITE_FRAME}
    response = Client().get("/oauth/connected-apps/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_frame_names_the_client_in_the_title(flow, db, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "BASE_TEMPLATE": SITE_FRAME}
    application = ApplicationFactory(name="Room booker")
    html = consent_page(flow, application).content.decode()
    assert "<title>Authorize Room booker · Example Rooms</title>" in html


def test_a_frame_can_map_the_blocks_to_a_layout_that_names_them_otherwise(flow, db, settings):
    """docs/howto/site-builders.rst: a layout with ``page_title`` and ``main`` blocks."""
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "BASE_TEMPLATE": "site/mapped_frame.html"}
    html = consent_page(flow, ApplicationFactory(name="Room booker")).content.decode()
    assert "<title>Authorize Room booker · Example Rooms</title>" in html
    assert '<div class="panel">\n<section id="oauth-consent"' in html
    assert '<meta name="referrer" content="same-origin">' in html
