"""``RESOURCE_OWNER_SCOPES``: the site's policy on which scopes an owner may grant.

A request for a scope the owner may not grant is refused before any consent page, with
an ``error_description`` that names the scopes: ``access_denied`` at the authorization
endpoint (RFC 6749 §4.1.2.1: "the authorization server denied the request") and
``invalid_scope`` for the password grant (RFC 6749 §5.2: a scope that "exceeds the scope
granted by the resource owner").
"""

from __future__ import annotations

import pytest

from oauth_provider.core.scopes import refused_scopes

from .conftest import CLIENT_SECRET, PASSWORD, basic_auth, query_of
from .factories import ApplicationFactory

POLICY = "tests.scope_policies.staff_grant_everything"


@pytest.fixture
def policy(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCE_OWNER_SCOPES": POLICY}


def authorize(flow, application, scope, **extra):
    """An authorization request; ``scope=None`` leaves the parameter out."""
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": application.redirect_uri_list[0],
        "scope": scope,
        "state": "s-1",
        **extra,
    }
    return flow.authorize(**{name: value for name, value in params.items() if value is not None})


@pytest.mark.parametrize(
    ("requested", "grantable", "refused"),
    [
        (["read", "write"], None, []),
        (["read", "write"], ["read"], ["write"]),
        (["write", "read", "admin"], [], ["write", "read", "admin"]),
        ([], ["read"], []),
    ],
)
def test_refused_scopes(requested, grantable, refused):
    assert refused_scopes(requested, grantable) == refused


def test_a_scope_the_owner_may_not_grant_is_access_denied_before_the_consent_page(
    flow, confidential_client, policy
):
    response = authorize(flow, confidential_client, "read write")
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params == {
        "error": "access_denied",
        "error_description": "The resource owner may not grant the scopes: write.",
        "state": "s-1",
        "iss": "http://testserver",
    }
    assert response["Location"].startswith(confidential_client.redirect_uri_list[0] + "?")


def test_the_scopes_the_owner_may_grant_go_on_to_the_consent_page(flow, confidential_client, policy):
    response = authorize(flow, confidential_client, "read")
    assert response.status_code == 200
    assert [scope["name"] for scope in response.context["scopes"]] == ["read"]


def test_stored_consent_does_not_bypass_the_policy(flow, owner, confidential_client, settings):
    flow.tokens_for(confidential_client, scope="read write")
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCE_OWNER_SCOPES": POLICY}
    response = authorize(flow, confidential_client, "read write")
    assert query_of(response["Location"])["error"] == "access_denied"


def test_staff_may_grant_every_scope(flow, owner, confidential_client, policy):
    owner.is_staff = True
    owner.save()
    assert flow.tokens_for(confidential_client, scope="read write")["scope"] == "read write"


def test_a_tampered_consent_form_cannot_approve_a_refused_scope(flow, confidential_client, settings):
    page = authorize(flow, confidential_client, "read write")
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCE_OWNER_SCOPES": POLICY}
    response = flow.consent(page)
    params = query_of(response["Location"])
    assert params["error"] == "access_denied"
    assert params["error_description"] == "The resource owner may not grant the scopes: write."
    assert params["state"] == "s-1"


def test_the_implicit_grant_is_refused_in_the_fragment(flow, db, policy):
    legacy = ApplicationFactory(grant_types="implicit", client_type="public", client_secret="")
    response = authorize(flow, legacy, "write", response_type="token")
    location = response["Location"]
    assert "#" in location
    assert query_of(location)["error"] == "access_denied"


def test_the_password_grant_is_invalid_scope(flow, owner, db, policy):
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    auth = basic_auth(legacy.client_id, CLIENT_SECRET)
    data = {"grant_type": "password", "username": owner.username, "password": PASSWORD}
    refused = flow.token({**data, "scope": "read write"}, HTTP_AUTHORIZATION=auth)
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "invalid_scope",
        "error_description": "The resource owner may not grant the scopes: write.",
    }
    allowed = flow.token({**data, "scope": "read"}, HTTP_AUTHORIZATION=auth)
    assert allowed.status_code == 200, allowed.content
    assert allowed.json()["scope"] == "read"


def test_the_policy_sees_the_client(flow, db, settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "RESOURCE_OWNER_SCOPES": "tests.scope_policies.nothing_for_this_client",
    }
    locked = ApplicationFactory(name="Locked out")
    assert query_of(authorize(flow, locked, "read")["Location"])["error"] == "access_denied"
    assert authorize(flow, ApplicationFactory(name="Welcome"), "read").status_code == 200


def test_client_credentials_have_no_owner_and_no_policy(flow, db, policy):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    response = flow.client_credentials(service, scope="read write")
    assert response.status_code == 200
    assert response.json()["scope"] == "read write"


def test_default_scopes_are_narrowed_to_the_owners_share(flow, confidential_client, policy):
    """RFC 6749 §3.3: without ``scope`` the defaults apply, and the owner grants their share."""
    response = authorize(flow, confidential_client, None)
    assert response.status_code == 200
    assert [scope["name"] for scope in response.context["scopes"]] == ["read"]
    tokens = flow.exchange(confidential_client, query_of(flow.consent(response)["Location"])["code"])
    assert tokens.json()["scope"] == "read"


def test_default_scopes_with_nothing_left_are_refused(flow, db, settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "RESOURCE_OWNER_SCOPES": "tests.scope_policies.nothing_for_this_client",
    }
    locked = ApplicationFactory(name="Locked out")
    params = query_of(authorize(flow, locked, None)["Location"])
    assert params["error"] == "access_denied"
    assert params["error_description"].startswith("The resource owner may not grant the scopes: ")


def test_the_password_grant_narrows_default_scopes_too(flow, owner, db, policy):
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    response = flow.token(
        {"grant_type": "password", "username": owner.username, "password": PASSWORD},
        HTTP_AUTHORIZATION=basic_auth(legacy.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "read"
