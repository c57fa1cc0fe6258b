"""RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted
from the request." Each test sends a request with a parameter empty and the same request
without it, and requires the same answer."""

import pytest

from .conftest import basic_auth, pkce_pair, query_of
from .factories import CLIENT_SECRET, ApplicationFactory

pytestmark = pytest.mark.django_db


def authorization_request(application, **params):
    return {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": application.redirect_uri_list[0],
        "state": "xyz",
        **params,
    }


def without(params: dict, name: str) -> dict:
    return {key: value for key, value in params.items() if key != name}


def consent_asks(page) -> list[str]:
    assert page.status_code == 200, page.content
    return page.context["form"].initial["approved_scopes"]


def test_an_empty_scope_at_the_authorization_endpoint_asks_for_the_default_scopes(flow, confidential_client):
    """§3.3: without a scope the server uses its default; an empty one is no scope."""
    params = authorization_request(confidential_client, scope="")
    empty = consent_asks(flow.authorize(**params))
    assert empty == consent_asks(flow.authorize(**without(params, "scope")))
    assert empty  # the defaults, not an invalid_scope error


def test_an_empty_scope_at_the_token_endpoint_gets_the_default_scopes(flow):
    application = ApplicationFactory(grant_types="client_credentials")
    auth = basic_auth(application.client_id, CLIENT_SECRET)
    empty = flow.token({"grant_type": "client_credentials", "scope": ""}, HTTP_AUTHORIZATION=auth)
    omitted = flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=auth)
    assert empty.status_code == omitted.status_code == 200, empty.content
    assert empty.json()["scope"] == omitted.json()["scope"]


def test_an_empty_state_comes_back_as_no_state(flow, confidential_client):
    """§4.1.2: state is returned only when the request had one."""
    page = flow.authorize(**authorization_request(confidential_client, scope="read", state=""))
    assert page.status_code == 200, page.content
    redirect = flow.consent(page)
    assert redirect.status_code == 302
    returned = query_of(redirect["Location"])
    assert "code" in returned
    assert "state" not in returned


def test_an_empty_code_challenge_is_no_challenge(flow, public_client):
    """A public client must use PKCE: an empty challenge gets the same refusal as none, not a
    complaint about the challenge method."""
    params = authorization_request(public_client, scope="read", code_challenge="", code_challenge_method="")
    empty = flow.authorize(**params)
    omitted = flow.authorize(**without(without(params, "code_challenge"), "code_challenge_method"))
    assert empty.status_code == omitted.status_code == 302
    assert query_of(empty["Location"]) == query_of(omitted["Location"])
    assert query_of(empty["Location"])["error"] == "invalid_request"


def test_an_empty_code_verifier_is_no_verifier(flow, confidential_client):
    verifier, challenge = pkce_pair()

    def exchange(**extra):
        code = flow.get_code(confidential_client, scope="read", challenge=challenge)["code"]
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": confidential_client.redirect_uri_list[0],
            **extra,
        }
        return flow.token(data, HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET))

    empty, omitted = exchange(code_verifier=""), exchange()
    assert empty.status_code == omitted.status_code == 400
    assert empty.json() == omitted.json()


def test_an_empty_token_type_hint_is_no_hint(flow, confidential_client):
    """RFC 7009 §2.1: the hint is optional; an empty one must not be unsupported_token_type."""
    token = flow.tokens_for(confidential_client, scope="read")["access_token"]
    auth = basic_auth(confidential_client.client_id, CLIENT_SECRET)
    response = flow.post("revoke", {"token": token, "token_type_hint": ""}, HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200, response.content
    introspection = flow.post("introspect", {"token": token, "token_type_hint": ""}, HTTP_AUTHORIZATION=auth)
    assert introspection.status_code == 200, introspection.content
    assert introspection.json() == {"active": False}
