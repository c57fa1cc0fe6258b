"""OpenID Connect in a real browser: "Sign in with" a relying party, then RP-initiated logout.

The relying party (``tests/browser/views.py``) runs on the live server and uses Authlib:
discovery, the code flow with PKCE and a nonce, ID token validation with the JWKS, userinfo,
and the end-session endpoint with the ID token as ``id_token_hint``.
"""

from __future__ import annotations

import pytest

from oauth_provider.storage import signing_keys

from ..factories import ApplicationFactory
from . import views
from .conftest import assert_rendered, expect, is_consent_page, log_in, submit

pytestmark = pytest.mark.browser


@pytest.fixture
def relying_party(live_server, settings, owner):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "OIDC_ENABLED": True}
    signing_keys.rotate("RS256")
    owner.first_name, owner.last_name, owner.email = "Alice", "Liddell", "alice@example.com"
    owner.save()
    client = ApplicationFactory(
        name="Hotel partner",
        redirect_uris=f"{live_server.url}/rp/callback",
        post_logout_redirect_uris=f"{live_server.url}/rp/logged-out",
    )
    views.RELYING_PARTY.update(
        client_id=client.client_id,
        client_secret="s3cret-" + "x" * 40,
        redirect_uri=f"{live_server.url}/rp/callback",
        post_logout_redirect_uri=f"{live_server.url}/rp/logged-out",
    )
    yield client
    views.RELYING_PARTY.clear()


def test_sign_in_with_the_site_then_log_out_from_the_relying_party(page, live_server, owner, relying_party):
    """OpenID Connect Core §3.1 and RP-Initiated Logout 1.0 §2-§3, end to end."""
    page.goto("/rp/")
    page.get_by_role("link", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/?next=**")

    with page.expect_response(is_consent_page):
        log_in(page, owner.username)
    expect(page.get_by_text("Sign you in with your account")).to_be_visible()
    expect(page.get_by_text("See your email address")).to_be_visible()
    assert_rendered(page)
    submit(page.get_by_role("button", name="Allow"))

    page.wait_for_url(f"{live_server.url}/rp/callback?**")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signed in as Alice Liddell")
    expect(page.locator("#sub")).to_have_text(str(owner.pk))
    expect(page.locator("#email")).to_have_text("alice@example.com")

    page.get_by_role("link", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/rp/logged-out?**")
    expect(page.locator("#state")).to_have_text("bye-123")

    # The session at the server has ended: the owner's own pages ask for a login again.
    page.goto("/oauth/connected-apps/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")


def test_logout_without_a_hint_asks_first(page, live_server, owner, relying_party):
    """RP-Initiated Logout §2: without a hint naming the owner, the OP must ask."""
    log_in(page, owner.username)
    page.goto(f"/oauth/logout/?client_id={relying_party.client_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log out of Hotel partner?")
    assert_rendered(page)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are logged out")
    page.goto("/oauth/connected-apps/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
