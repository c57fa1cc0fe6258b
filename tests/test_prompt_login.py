"""``prompt=login`` (OpenID Connect Core 1.0 §3.1.2.1): the owner logs in again, for real.

A logged-in session is not enough: the authorization endpoint sends the owner to the
login page, and no code is issued until a login newer than the request.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from .conftest import PASSWORD, query_of

pytestmark = pytest.mark.django_db

CALLBACK = "https://client.example/callback"


def request_params(client, **extra):
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": CALLBACK,
        "scope": "read",
        "state": "s",
        **extra,
    }


def log_in(browser: Client, owner) -> None:
    """Through the site's own login page, as a person would (Django's login() runs)."""
    response = browser.post("/accounts/login/", {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302, response.content


def test_prompt_login_sends_a_logged_in_owner_to_the_login_page(flow, owner, confidential_client):
    flow.get_code(confidential_client)  # a stored consent: without prompt, no page at all
    response = flow.authorize(**request_params(confidential_client, prompt="login"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    follow = parse_qs(location.query)["next"][0]
    assert "prompt" not in parse_qs(urlsplit(follow).query)


def test_following_next_without_logging_in_issues_no_code(flow, owner, confidential_client):
    flow.get_code(confidential_client)
    response = flow.authorize(**request_params(confidential_client, prompt="login"))
    follow = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    again = flow.browser.get(follow)
    assert again.status_code == 302
    assert urlsplit(again["Location"]).path == "/accounts/login/"
    assert "code" not in query_of(again["Location"])


def test_after_logging_in_again_the_request_goes_on(owner, confidential_client):
    browser = Client()
    log_in(browser, owner)
    from .conftest import Flow

    flow = Flow(browser=browser, api=Client())
    flow.get_code(confidential_client)
    response = flow.authorize(**request_params(confidential_client, prompt="login"))
    follow = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    log_in(browser, owner)
    done = browser.get(follow)
    assert done.status_code == 302
    assert "code" in query_of(done["Location"])
    # The request was met: later requests need no new login.
    assert "code" in query_of(flow.authorize(**request_params(confidential_client))["Location"])


def test_a_login_records_its_time_in_the_session(owner):
    browser = Client()
    log_in(browser, owner)
    assert isinstance(browser.session["oauth_provider_auth_time"], float)
