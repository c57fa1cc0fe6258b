"""Stored consent: the owner is asked once per client and scope set, until they revoke."""

from django.test import Client
from oauth2_provider.models import get_access_token_model

from oauth_provider.models import Consent
from oauth_provider.storage.revocation import revoke_consent

from .conftest import query_of
from .factories import ApplicationFactory, UserFactory


def authorize(flow, client, scope, **extra):
    return flow.authorize(
        response_type="code",
        client_id=client.client_id,
        redirect_uri="https://client.example/callback",
        scope=scope,
        state="st",
        **extra,
    )


def test_first_request_asks_and_stores_the_decision(flow, owner, confidential_client):
    page = authorize(flow, confidential_client, "read write")
    assert page.status_code == 200
    flow.consent(page)
    consent = Consent.objects.get(user=owner, application=confidential_client)
    assert consent.scope_list == ["read", "write"]
    assert consent.revoked is None


def test_same_or_smaller_scope_is_not_asked_again(flow, confidential_client):
    flow.consent(authorize(flow, confidential_client, "read write"))
    for scope in ("read write", "read"):
        response = authorize(flow, confidential_client, scope)
        assert response.status_code == 302
        assert "code" in query_of(response["Location"])


def test_wider_scope_asks_again_and_shows_what_is_new(flow, confidential_client):
    flow.consent(authorize(flow, confidential_client, "read"))
    page = authorize(flow, confidential_client, "read write")
    assert page.status_code == 200
    assert [(s["name"], s["new"]) for s in page.context["scopes"]] == [("read", False), ("write", True)]
    assert b'class="new"' in page.content
    flow.consent(page)
    assert authorize(flow, confidential_client, "read write").status_code == 302


def test_prompt_consent_forces_the_page(flow, confidential_client):
    flow.consent(authorize(flow, confidential_client, "read"))
    assert authorize(flow, confidential_client, "read", prompt="consent").status_code == 200


def test_prompt_none_without_consent_is_consent_required(flow, confidential_client):
    response = authorize(flow, confidential_client, "read", prompt="none")
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["error"] == "consent_required"
    assert params["state"] == "st"


def test_revoked_consent_asks_again_and_revokes_tokens(flow, owner, confidential_client):
    flow.tokens_for(confidential_client)
    assert get_access_token_model().objects.filter(user=owner).exists()
    revoke_consent(owner, confidential_client)
    assert authorize(flow, confidential_client, "read").status_code == 200
    assert not get_access_token_model().objects.filter(user=owner).exists()
    assert Consent.objects.get(user=owner).revoked is not None


def test_consent_is_per_client(flow, confidential_client):
    flow.consent(authorize(flow, confidential_client, "read"))
    other = ApplicationFactory()
    assert authorize(flow, other, "read").status_code == 200


def test_consent_is_per_owner(flow, confidential_client):
    flow.consent(authorize(flow, confidential_client, "read"))
    flow.browser = Client()
    flow.browser.force_login(UserFactory())
    assert authorize(flow, confidential_client, "read").status_code == 200


def test_anonymous_owner_must_log_in_even_with_consent(flow, confidential_client):
    flow.consent(authorize(flow, confidential_client, "read"))
    flow.browser = Client()
    response = authorize(flow, confidential_client, "read")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_skip_authorization_clients_are_never_asked(flow, confidential_client):
    confidential_client.skip_authorization = True
    confidential_client.save()
    assert authorize(flow, confidential_client, "read").status_code == 302
