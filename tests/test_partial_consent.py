"""Partial consent: the owner may untick requested scopes (RFC 6749 §3.3).

The authorization server may grant less than the client asked for; the token then
carries only what the owner approved, and the token response names that scope
(RFC 6749 §5.1: ``scope`` is REQUIRED when it differs from the request; §4.2.2 for
the implicit grant). The requested scopes travel in a hidden field and are checked
again on POST; what is approved is requested ∩ ticked, so a tampered form cannot
widen the grant. Unticking everything is ``access_denied``.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from oauth2_provider.models import get_access_token_model, get_grant_model

from oauth_provider.models import Consent

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair, query_of
from .factories import ApplicationFactory

REGISTERED = "https://client.example/callback"


def authorize(flow, client, scope="read write", **extra):
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REGISTERED,
        "scope": scope,
        "state": "st 1",
        **extra,
    }
    return flow.authorize(**{name: value for name, value in params.items() if value is not None})


def form_data(page, **changes):
    """The consent form as the browser would post it after the owner's changes."""
    data = {name: value for name, value in page.context["form"].initial.items() if value is not None}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def post(flow, page, data):
    return flow.browser.post(page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"], data)


def introspect(flow, client, token):
    return flow.post(
        "introspect", {"token": token}, HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET)
    ).json()


def approve(flow, client, ticked, scope="read write", **extra):
    """Authorization request, consent with only ``ticked`` left ticked, code exchange."""
    verifier, challenge = pkce_pair()
    page = authorize(flow, client, scope, code_challenge=challenge, code_challenge_method="S256", **extra)
    assert page.status_code == 200
    response = post(flow, page, form_data(page, allow="Authorize", approved_scopes=ticked))
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert "code" in params, params
    return flow.exchange(client, params["code"], verifier=verifier)


# -- the page --------------------------------------------------------------------------


def test_every_requested_scope_is_a_ticked_checkbox(flow, confidential_client):
    page = authorize(flow, confidential_client, "read write")
    assert page.status_code == 200
    assert page.context["form"].initial["approved_scopes"] == ["read", "write"]
    boxes = re.findall(
        rb'<input type="checkbox" name="approved_scopes" value="([^"]+)" checked>', page.content
    )
    assert boxes == [b"read", b"write"]
    assert b"Read your data" in page.content and b"Change your data" in page.content


def test_previously_granted_and_new_scopes_are_marked(flow, confidential_client):
    flow.consent(authorize(flow, confidential_client, "read"))
    page = authorize(flow, confidential_client, "read write")
    assert [(s["name"], s["new"]) for s in page.context["scopes"]] == [("read", False), ("write", True)]
    assert page.context["has_previous_consent"] is True
    assert page.content.count(b'class="granted"') == 1
    assert page.content.count(b'class="new"') == 1


def test_first_request_marks_nothing(flow, confidential_client):
    page = authorize(flow, confidential_client, "read write")
    assert page.context["has_previous_consent"] is False
    assert b'class="new"' not in page.content and b'class="granted"' not in page.content


def test_client_details_and_logo_without_referrer(flow, db):
    client = ApplicationFactory(
        name="Room booker",
        description="Books rooms for you.",
        homepage_url="https://rooms.example/",
        logo_url="https://rooms.example/logo.png",
    )
    page = authorize(flow, client, "read")
    html = page.content.decode()
    assert "Room booker" in html
    assert "Books rooms for you." in html
    assert 'href="https://rooms.example/"' in html
    assert re.search(
        r'<img [^>]*src="https://rooms\.example/logo\.png"[^>]*referrerpolicy="no-referrer"', html
    )


def test_the_logo_is_the_only_external_asset(flow, db):
    client = ApplicationFactory(logo_url="https://rooms.example/logo.png")
    html = authorize(flow, client, "read").content.decode()
    assert re.findall(r'\bsrc="([^"]*)"', html) == ["https://rooms.example/logo.png"]
    assert "<link" not in html and "<script" not in html and "@import" not in html and "url(" not in html


def test_no_referrer_to_other_sites_but_an_origin_for_the_form(flow, confidential_client):
    """``no-referrer`` makes browsers post ``Origin: null``, which Django's CSRF check refuses."""
    html = authorize(flow, confidential_client, "read").content.decode()
    assert '<meta name="referrer" content="same-origin">' in html
    assert "{#" not in html and "{%" not in html


def test_no_logo_means_no_image(flow, confidential_client):
    assert b"<img" not in authorize(flow, confidential_client, "read").content


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:image/png;base64,AAAA", "//evil.example/x.png"])
def test_only_web_urls_reach_href_or_src(flow, db, url):
    """Stored values bypass URLField validation if saved through the ORM; the page checks again."""
    client = ApplicationFactory(homepage_url=url, logo_url=url)
    html = authorize(flow, client, "read").content.decode()
    assert url not in html
    assert "<img" not in html


# -- approving part of the request -----------------------------------------------------


def test_unticked_scope_is_not_granted_5_1(flow, owner, confidential_client):
    response = approve(flow, confidential_client, ["read"])
    assert response.status_code == 200
    tokens = response.json()
    # RFC 6749 §5.1: the granted scope differs from the request, so it is in the response.
    assert tokens["scope"] == "read"
    assert introspect(flow, confidential_client, tokens["access_token"])["scope"] == "read"
    assert get_access_token_model().objects.get().scope == "read"
    assert Consent.objects.get(user=owner, application=confidential_client).scope_list == ["read"]


def test_any_scope_may_be_unticked(flow, owner, confidential_client):
    tokens = approve(flow, confidential_client, ["write"]).json()
    assert tokens["scope"] == "write"
    assert Consent.objects.get(user=owner).scope_list == ["write"]


def test_refresh_keeps_the_narrower_scope_6(flow, confidential_client):
    tokens = approve(flow, confidential_client, ["read"]).json()
    response = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "scope": "read write"},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_unticked_scope_is_asked_for_again(flow, confidential_client):
    approve(flow, confidential_client, ["read"])
    assert authorize(flow, confidential_client, "read").status_code == 302
    page = authorize(flow, confidential_client, "read write")
    assert page.status_code == 200
    assert [(s["name"], s["new"]) for s in page.context["scopes"]] == [("read", False), ("write", True)]


def test_unticking_a_scope_granted_before_narrows_the_stored_consent(flow, owner, confidential_client):
    """The stored consent is exactly what the owner last allowed: a scope unticked now is
    asked for again, never granted silently from an earlier, wider decision."""
    flow.consent(authorize(flow, confidential_client, "read write"))
    assert Consent.objects.get(user=owner).scope_list == ["read", "write"]
    page = authorize(flow, confidential_client, "read write", prompt="consent")
    response = post(flow, page, form_data(page, allow="Authorize", approved_scopes=["write"]))
    assert response.status_code == 302
    assert Consent.objects.get(user=owner).scope_list == ["write"]
    # Silent only for what is still allowed.
    assert authorize(flow, confidential_client, "write").status_code == 302
    again = authorize(flow, confidential_client, "read")
    assert again.status_code == 200
    assert [(s["name"], s["new"]) for s in again.context["scopes"]] == [("read", True)]


def test_denying_removes_the_stored_consent(flow, owner, confidential_client):
    """A deny is the owner's last word: no later request is approved silently."""
    flow.consent(authorize(flow, confidential_client, "read"))
    assert authorize(flow, confidential_client, "read").status_code == 302
    page = authorize(flow, confidential_client, "read", prompt="consent")
    denied = post(flow, page, form_data(page))
    assert query_of(denied["Location"])["error"] == "access_denied"
    assert Consent.objects.get(user=owner).revoked is not None
    assert authorize(flow, confidential_client, "read").status_code == 200  # asked again


def test_unticking_every_scope_removes_the_stored_consent(flow, owner, confidential_client):
    flow.consent(authorize(flow, confidential_client, "read"))
    page = authorize(flow, confidential_client, "read", prompt="consent")
    refused = post(flow, page, form_data(page, allow="Authorize", approved_scopes=[]))
    assert query_of(refused["Location"])["error"] == "access_denied"
    assert authorize(flow, confidential_client, "read").status_code == 200


def test_implicit_grant_names_the_narrower_scope_4_2_2(flow, owner):
    legacy = ApplicationFactory(grant_types="implicit", client_type="public", client_secret="")
    page = flow.authorize(
        response_type="token",
        client_id=legacy.client_id,
        redirect_uri=REGISTERED,
        scope="read write",
        state="i",
    )
    response = post(flow, page, form_data(page, allow="Authorize", approved_scopes=["read"]))
    assert response.status_code == 302
    fragment = query_of(response["Location"])
    assert fragment["scope"] == "read"
    assert fragment["state"] == "i"
    assert get_access_token_model().objects.get().scope == "read"


# -- a tampered form cannot widen the grant --------------------------------------------


def test_ticked_scope_that_was_not_requested_is_ignored(flow, owner, confidential_client):
    response = approve(flow, confidential_client, ["read", "write", "bookings:read"], scope="read")
    tokens = response.json()
    assert tokens["scope"] == "read"
    assert Consent.objects.get(user=owner).scope_list == ["read"]


@pytest.mark.parametrize("ticked", [["read"], ["read", "write"]], ids=["narrowed", "widened"])
def test_hidden_scope_widened_past_the_client_is_invalid_scope_4_1_2_1(flow, db, ticked):
    """A tampered request is refused outright, even where narrowing would have hidden it."""
    client = ApplicationFactory(allowed_scopes="read")
    page = authorize(flow, client, "read")
    data = form_data(page, allow="Authorize", scope="read write", approved_scopes=ticked)
    response = post(flow, page, data)
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["error"] == "invalid_scope"
    assert params["state"] == "st 1"
    assert not get_grant_model().objects.exists()
    assert not Consent.objects.exists()


@pytest.mark.parametrize("value", ["read\x00", "r" * 2049])
def test_malformed_ticked_scope_is_an_error_page(flow, confidential_client, value):
    page = authorize(flow, confidential_client, "read write")
    response = post(flow, page, form_data(page, allow="Authorize", approved_scopes=["read", value]))
    assert response.status_code == 400
    assert response.context["error"] == "invalid_request"
    assert not get_grant_model().objects.exists()


def test_ticked_scopes_may_repeat_their_name_but_others_may_not_3_1(flow, confidential_client):
    page = authorize(flow, confidential_client, "read write")
    pairs = [*form_data(page, allow="Authorize", approved_scopes=None).items()]
    url = page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"]
    ticked = pairs + [("approved_scopes", "read"), ("approved_scopes", "write")]
    ok = flow.browser.post(url, urlencode(ticked), content_type="application/x-www-form-urlencoded")
    assert ok.status_code == 302 and "code" in query_of(ok["Location"])
    repeated = pairs + [("state", "other")]
    bad = flow.browser.post(url, urlencode(repeated), content_type="application/x-www-form-urlencoded")
    assert bad.status_code == 400


# -- nothing approved, and deny ----------------------------------------------------------


def test_nothing_ticked_is_access_denied_with_state_4_1_2_1(flow, confidential_client):
    page = authorize(flow, confidential_client, "read write")
    response = post(flow, page, form_data(page, allow="Authorize", approved_scopes=None))
    assert response.status_code == 302
    assert response["Location"].startswith(REGISTERED + "?")
    assert query_of(response["Location"]) == {
        "error": "access_denied",
        "error_description": "The resource owner approved none of the requested scopes.",
        "state": "st 1",
        "iss": "http://testserver",
    }
    assert not get_grant_model().objects.exists()
    assert not Consent.objects.exists()


def test_only_unrequested_scopes_ticked_is_access_denied(flow, confidential_client):
    page = authorize(flow, confidential_client, "read")
    response = post(flow, page, form_data(page, allow="Authorize", approved_scopes=["write"]))
    assert query_of(response["Location"])["error"] == "access_denied"
    assert not get_grant_model().objects.exists()


def test_emptied_hidden_scope_does_not_fall_back_to_the_request(flow, confidential_client):
    """oauthlib reads "no scopes" as "the request's scope, or the defaults"; that is not approval."""
    page = authorize(flow, confidential_client, "read write")
    response = post(flow, page, form_data(page, allow="Authorize", scope="", approved_scopes=None))
    assert query_of(response["Location"])["error"] == "access_denied"
    bare = flow.browser.post(
        "/oauth/authorize/", form_data(page, allow="Authorize", scope="", approved_scopes=None)
    )
    assert query_of(bare["Location"])["error"] == "access_denied"
    assert not get_grant_model().objects.exists()


def test_a_request_for_no_scope_can_still_be_approved(flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "DEFAULT_SCOPES": []}
    page = authorize(flow, confidential_client, scope=None)
    assert page.status_code == 200
    assert page.context["scopes"] == []
    assert b"No specific permissions." in page.content
    response = flow.consent(page)
    assert response.status_code == 302
    assert "code" in query_of(response["Location"])
    assert get_grant_model().objects.get().scope == ""


def test_deny_is_access_denied_whatever_is_ticked(flow, confidential_client):
    page = authorize(flow, confidential_client, "read write")
    response = post(flow, page, form_data(page, approved_scopes=["read"]))
    params = query_of(response["Location"])
    assert params["error"] == "access_denied"
    assert params["error_description"] == "The resource owner denied the request."
    assert params["state"] == "st 1"
    assert not get_grant_model().objects.exists()
    assert not Consent.objects.exists()
