"""The owner's connected apps page: what each client holds, and revoking it at once.

A client is listed while the owner has an active consent for it, an unexpired access
token or a live refresh token. Revoking removes the consent and every token the
client holds for the owner (docs/security.rst: "the owner can see and revoke it, which also
revokes that client's tokens"); it is a POST with a CSRF token, after a confirmation
page. Another owner's clients are a 404.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from oauth_provider.models import Consent
from oauth_provider.storage.revocation import revoke_consent

from .conftest import CLIENT_SECRET, PASSWORD, Flow, basic_auth, pkce_pair
from .factories import ApplicationFactory, UserFactory

CONNECTED = "/oauth/connected-apps/"


def revoke_url(application) -> str:
    return f"{CONNECTED}{application.pk}/revoke/"


def listed(flow) -> list:
    response = flow.browser.get(CONNECTED)
    assert response.status_code == 200
    return response.context["connected_apps"]


def password_tokens(flow, user, scope="write"):
    """A client that never asked for consent: tokens from the password grant (RFC 6749 §4.3)."""
    legacy = ApplicationFactory(name="Legacy sync", grant_types="password refresh_token", redirect_uris="")
    response = flow.token(
        {"grant_type": "password", "username": user.username, "password": PASSWORD, "scope": scope},
        HTTP_AUTHORIZATION=basic_auth(legacy.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200, response.content
    return legacy, response.json()


def introspect(flow, client, token, hint="access_token"):
    return flow.post(
        "introspect",
        {"token": token, "token_type_hint": hint},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    ).json()


def csrf_browser(user) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def revoke_with_csrf(browser: Client, application):
    page = browser.get(revoke_url(application))
    assert page.status_code == 200
    return browser.post(revoke_url(application), {"csrfmiddlewaretoken": str(page.context["csrf_token"])})


def authorize(flow, client, scope="read"):
    return flow.authorize(
        response_type="code",
        client_id=client.client_id,
        redirect_uri=client.redirect_uri_list[0],
        scope=scope,
        state="s",
    )


# -- access --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("page", ["list", "revoke"])
def test_anonymous_owner_must_log_in(client, confidential_client, method, page):
    url = CONNECTED if page == "list" else revoke_url(confidential_client)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_login_url_follows_the_setting(client, db, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "LOGIN_URL": "/sign-in/"}
    assert client.get(CONNECTED)["Location"] == f"/sign-in/?next={CONNECTED}"


def test_pages_are_never_cached_nor_framed(flow, confidential_client):
    flow.tokens_for(confidential_client)
    for url in (CONNECTED, revoke_url(confidential_client)):
        response = flow.browser.get(url)
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert response["Content-Security-Policy"] == "frame-ancestors 'none'"
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "no-cache" in cache_control and "private" in cache_control


def test_the_list_is_read_only(flow, confidential_client):
    assert flow.browser.post(CONNECTED).status_code == 405


# -- the list ------------------------------------------------------------------------


def test_lists_consent_only_and_token_only_clients(flow, owner, confidential_client):
    flow.get_code(confidential_client, scope="read")  # consent stored, no token yet
    legacy, _ = password_tokens(flow, owner, scope="write")

    apps = listed(flow)

    assert [app.application for app in apps] == sorted([confidential_client, legacy], key=lambda a: a.name)
    by_client = {app.application: app for app in apps}
    consented = by_client[confidential_client]
    assert consented.consent == Consent.objects.get(user=owner, application=confidential_client)
    assert consented.scope_names == ["read"]
    assert consented.granted == consented.consent.updated
    assert consented.last_used is None
    token_only = by_client[legacy]
    assert token_only.consent is None
    assert token_only.scope_names == ["write"]
    assert token_only.scopes == [{"name": "write", "description": "Change your data"}]
    assert token_only.granted == get_access_token_model().objects.get(application=legacy).created
    assert token_only.last_used is not None


def test_page_shows_names_scopes_dates_and_a_revoke_link(flow, owner, db):
    client = ApplicationFactory(name="Room booker", homepage_url="https://rooms.example/")
    flow.tokens_for(client, scope="read write")
    html = flow.browser.get(CONNECTED).content.decode()
    assert "Room booker" in html
    assert "Read your data" in html and "Change your data" in html
    assert 'href="https://rooms.example/"' in html
    assert "Allowed on" in html and "Last used" in html
    assert f'href="{revoke_url(client)}"' in html
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "{#" not in html and "{%" not in html


def test_last_used_is_the_newest_token_activity(flow, owner, confidential_client):
    tokens = flow.tokens_for(confidential_client, scope="read")
    long_ago = timezone.now() - timedelta(days=3)
    get_access_token_model().objects.update(created=long_ago, updated=long_ago)
    get_refresh_token_model().objects.update(created=long_ago, updated=long_ago)
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert refreshed.status_code == 200
    newest = get_access_token_model().objects.latest("created").created
    (app,) = listed(flow)
    assert app.last_used >= newest > long_ago


def test_scopes_combine_consent_and_live_tokens(flow, owner, confidential_client):
    flow.tokens_for(confidential_client, scope="read")
    get_access_token_model().objects.create(
        user=owner,
        application=confidential_client,
        token_checksum="x" * 64,
        scope="bookings:read",
        expires=timezone.now() + timedelta(hours=1),
    )
    (app,) = listed(flow)
    assert app.scope_names == ["read", "bookings:read"]


def test_nothing_listed_without_consent_or_live_token(flow, owner, confidential_client):
    # Revoked consent, no tokens.
    flow.tokens_for(confidential_client)
    revoke_consent(owner, confidential_client)
    # Expired access token and a revoked refresh token, no consent.
    legacy, _ = password_tokens(flow, owner)
    get_access_token_model().objects.filter(application=legacy).update(expires=timezone.now())
    get_refresh_token_model().objects.filter(application=legacy).update(revoked=timezone.now())
    assert listed(flow) == []
    assert b"No apps have access to your account." in flow.browser.get(CONNECTED).content


def test_a_live_refresh_token_alone_keeps_a_client_connected(flow, owner):
    legacy, _ = password_tokens(flow, owner)
    get_access_token_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert [app.application for app in listed(flow)] == [legacy]


def test_a_refresh_token_past_its_lifetime_does_not(flow, owner, settings):
    password_tokens(flow, owner)
    get_access_token_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    lifetime = settings.OAUTH_PROVIDER.get("REFRESH_TOKEN_EXPIRE_SECONDS", 30 * 24 * 3600)
    get_refresh_token_model().objects.update(created=timezone.now() - timedelta(seconds=lifetime + 1))
    assert listed(flow) == []


def test_other_owners_clients_are_not_listed(flow, owner, confidential_client):
    someone = UserFactory()
    other_flow = Flow(browser=Client(), api=Client())
    other_flow.browser.force_login(someone)
    other_flow.tokens_for(confidential_client)
    password_tokens(flow, someone)
    assert listed(flow) == []
    assert len(listed(other_flow)) == 2


# -- revoke --------------------------------------------------------------------------


def test_confirmation_page_changes_nothing(flow, owner, confidential_client):
    tokens = flow.tokens_for(confidential_client, scope="read write")
    page = flow.browser.get(revoke_url(confidential_client))
    assert page.status_code == 200
    assert page.context["application"] == confidential_client
    assert page.context["connected_app"].scope_names == ["read", "write"]
    html = page.content.decode()
    assert confidential_client.name in html
    assert '<form method="post"' in html and 'name="csrfmiddlewaretoken"' in html
    assert introspect(flow, confidential_client, tokens["access_token"])["active"] is True
    assert Consent.objects.get(user=owner).revoked is None


def test_revoke_without_csrf_token_is_refused(owner, confidential_client, flow):
    tokens = flow.tokens_for(confidential_client)
    browser = csrf_browser(owner)
    assert browser.get(revoke_url(confidential_client)).status_code == 200
    response = browser.post(revoke_url(confidential_client))
    assert response.status_code == 403
    assert introspect(flow, confidential_client, tokens["access_token"])["active"] is True
    assert Consent.objects.get(user=owner).revoked is None


def test_revoke_ends_consent_and_every_token_at_once(flow, owner, confidential_client):
    first = flow.tokens_for(confidential_client, scope="read")
    second = flow.tokens_for(confidential_client, scope="read")
    browser = csrf_browser(owner)

    response = revoke_with_csrf(browser, confidential_client)

    assert response.status_code == 302
    assert response["Location"] == CONNECTED
    for tokens in (first, second):
        assert introspect(flow, confidential_client, tokens["access_token"]) == {"active": False}
        refresh = introspect(flow, confidential_client, tokens["refresh_token"], hint="refresh_token")
        assert refresh == {"active": False}
    assert Consent.objects.get(user=owner).revoked is not None
    after = browser.get(CONNECTED)
    assert after.context["connected_apps"] == []
    assert f"{confidential_client.name} can no longer access your account." in after.content.decode()
    # The client has to ask again.
    assert authorize(flow, confidential_client).status_code == 200


def test_revoke_ends_authorization_codes_not_yet_exchanged(flow, owner, confidential_client):
    """A code issued before the revocation must not turn into tokens after it."""
    verifier, challenge = pkce_pair()
    flow.tokens_for(confidential_client)  # connected, with a used code
    pending = flow.get_code(confidential_client, challenge=challenge)["code"]
    used = get_grant_model().objects.get(consumed__isnull=False)

    assert revoke_with_csrf(csrf_browser(owner), confidential_client).status_code == 302

    response = flow.exchange(confidential_client, pending, verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not get_access_token_model().objects.exists()
    # The used code stays, so a replay of it is still recognised (RFC 6749 §4.1.2).
    assert list(get_grant_model().objects.all()) == [used]


def test_revoke_leaves_other_owners_codes_alone(flow, owner, confidential_client):
    someone = UserFactory()
    other_flow = Flow(browser=Client(), api=Client())
    other_flow.browser.force_login(someone)
    verifier, challenge = pkce_pair()
    theirs = other_flow.get_code(confidential_client, challenge=challenge)["code"]
    flow.tokens_for(confidential_client)

    revoke_with_csrf(csrf_browser(owner), confidential_client)

    assert other_flow.exchange(confidential_client, theirs, verifier=verifier).status_code == 200


def test_revoking_a_token_only_client(flow, owner):
    legacy, tokens = password_tokens(flow, owner)
    response = revoke_with_csrf(csrf_browser(owner), legacy)
    assert response.status_code == 302
    assert introspect(flow, legacy, tokens["access_token"]) == {"active": False}
    assert not get_access_token_model().objects.exists()
    assert get_refresh_token_model().objects.get().revoked is not None


def test_revoke_touches_only_that_client(flow, owner, confidential_client):
    other = ApplicationFactory()
    kept = flow.tokens_for(other)
    flow.tokens_for(confidential_client)
    revoke_with_csrf(csrf_browser(owner), confidential_client)
    assert introspect(flow, other, kept["access_token"])["active"] is True
    assert [app.application for app in listed(flow)] == [other]


def test_revoke_touches_only_that_owner(flow, owner, confidential_client):
    someone = UserFactory()
    other_flow = Flow(browser=Client(), api=Client())
    other_flow.browser.force_login(someone)
    kept = other_flow.tokens_for(confidential_client)
    flow.tokens_for(confidential_client)
    revoke_with_csrf(csrf_browser(owner), confidential_client)
    assert introspect(flow, confidential_client, kept["access_token"])["active"] is True
    assert Consent.objects.get(user=someone).revoked is None


def test_another_owners_client_is_404(flow, owner, confidential_client):
    someone = UserFactory()
    other_flow = Flow(browser=Client(), api=Client())
    other_flow.browser.force_login(someone)
    kept = other_flow.tokens_for(confidential_client)
    browser = csrf_browser(owner)
    assert browser.get(revoke_url(confidential_client)).status_code == 404
    browser.cookies["csrftoken"] = secret = "a" * 32
    response = browser.post(revoke_url(confidential_client), {"csrfmiddlewaretoken": secret})
    assert response.status_code == 404
    assert introspect(flow, confidential_client, kept["access_token"])["active"] is True
    assert Consent.objects.get(user=someone).revoked is None


def test_unknown_or_unconnected_client_is_404(flow, confidential_client):
    assert flow.browser.get(revoke_url(confidential_client)).status_code == 404
    assert flow.browser.post(revoke_url(confidential_client)).status_code == 404
    assert flow.browser.get(f"{CONNECTED}999999/revoke/").status_code == 404
    assert flow.browser.get(f"{CONNECTED}abc/revoke/").status_code == 404
