"""Client operations: create, rotate a secret with a grace period, revoke tokens, disable.

Rotation and disabling are checked where they matter: at the token endpoint, at the
introspection endpoint (RFC 7662) and at a protected resource (RFC 6750).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from oauth_provider import signals
from oauth_provider.clients import create_client, disable_client, revoke_client_tokens, rotate_client_secret
from oauth_provider.hashing import hash_client_secret, verify_client_secret

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory, UserFactory

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


@pytest.fixture
def service(db):
    """A confidential client that uses the client credentials grant."""
    return ApplicationFactory(grant_types="client_credentials", redirect_uris="")


@pytest.fixture
def resource_server(db):
    """A resource server that may introspect every client's tokens."""
    return ApplicationFactory(
        grant_types="client_credentials", redirect_uris="", can_introspect_any_token=True
    )


@pytest.fixture
def sent():
    """The signals sent during a test, as (name, kwargs) pairs."""
    events: list[tuple[str, dict]] = []
    names = ["client_created", "client_secret_rotated", "client_disabled", "token_revoked"]
    for name in names:
        getattr(signals, name).connect(
            lambda name=name, **kwargs: events.append((name, kwargs)), weak=False, dispatch_uid=f"t-{name}"
        )
    yield events
    for name in names:
        getattr(signals, name).disconnect(dispatch_uid=f"t-{name}")


def client_credentials(flow, client_id: str, secret: str):
    return flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(client_id, secret))


def introspect(flow, resource_server, token: str) -> dict:
    response = flow.post(
        "introspect",
        {"token": token},
        HTTP_AUTHORIZATION=basic_auth(resource_server.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200
    return response.json()


def call_api(flow, access_token: str):
    return flow.api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {access_token}")


# --- create_client ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_client_generates_a_secret_and_stores_only_its_hash(sent):
    application, secret = create_client(
        name="Reports", client_type="confidential", grant_types="client_credentials"
    )
    assert len(secret) >= 32
    application.refresh_from_db()
    assert application.client_secret == hash_client_secret(secret)
    assert sent == [("client_created", {"signal": signals.client_created, "sender": Application,
                                        "application_id": application.pk,
                                        "client_id": application.client_id})]  # fmt: skip


@pytest.mark.django_db
def test_create_client_for_a_public_client_returns_no_secret():
    application, secret = create_client(
        name="SPA", client_type="public", redirect_uris="https://spa.example/cb", client_secret="ignored"
    )
    assert secret == ""
    application.refresh_from_db()
    assert application.client_secret == ""


@pytest.mark.django_db
def test_create_client_validates_before_saving(sent):
    with pytest.raises(ValidationError) as raised:
        create_client(name="Bad", client_type="public", grant_types="client_credentials", redirect_uris="")
    assert "grant_types" in raised.value.message_dict
    assert not Application.objects.exists()
    assert sent == []


@pytest.mark.django_db
def test_a_created_client_can_get_a_token(flow):
    application, secret = create_client(
        name="Nightly", client_type="confidential", grant_types="client_credentials"
    )
    response = client_credentials(flow, application.client_id, secret)
    assert response.status_code == 200, response.content


# --- rotate_client_secret ---------------------------------------------------------------------


def test_the_rotated_secret_works_at_the_token_endpoint(flow, service):
    new_secret = rotate_client_secret(service)
    assert new_secret != CLIENT_SECRET
    response = client_credentials(flow, service.client_id, new_secret)
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "Bearer"


def test_the_old_secret_works_during_the_grace_period(flow, service):
    rotate_client_secret(service, grace_seconds=3600)
    response = client_credentials(flow, service.client_id, CLIENT_SECRET)
    assert response.status_code == 200, response.content


def test_the_old_secret_fails_after_the_grace_period(flow, service):
    new_secret = rotate_client_secret(service, grace_seconds=3600)
    Application.objects.filter(pk=service.pk).update(
        previous_client_secret_expires=timezone.now() - timedelta(seconds=1)
    )
    response = client_credentials(flow, service.client_id, CLIENT_SECRET)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")
    assert client_credentials(flow, service.client_id, new_secret).status_code == 200


def test_with_no_grace_period_the_old_secret_fails_at_once(flow, service):
    new_secret = rotate_client_secret(service, grace_seconds=0)
    service.refresh_from_db()
    assert service.previous_client_secret == ""
    assert service.previous_client_secret_expires is None
    assert client_credentials(flow, service.client_id, CLIENT_SECRET).status_code == 401
    assert client_credentials(flow, service.client_id, new_secret).status_code == 200


def test_the_default_grace_period_is_the_setting(flow, service, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "CLIENT_SECRET_ROTATION_GRACE_SECONDS": 120}
    before = timezone.now()
    rotate_client_secret(service)
    service.refresh_from_db()
    expires = service.previous_client_secret_expires
    assert before + timedelta(seconds=119) < expires <= timezone.now() + timedelta(seconds=120)


def test_a_second_rotation_ends_the_first_secret(flow, service):
    second = rotate_client_secret(service, grace_seconds=3600)
    third = rotate_client_secret(service, grace_seconds=3600)
    assert client_credentials(flow, service.client_id, CLIENT_SECRET).status_code == 401
    assert client_credentials(flow, service.client_id, second).status_code == 200
    assert client_credentials(flow, service.client_id, third).status_code == 200


def test_the_previous_secret_is_stored_as_a_hash(service):
    new_secret = rotate_client_secret(service, grace_seconds=60, new_secret="n" * 40)
    assert new_secret == "n" * 40
    service.refresh_from_db()
    assert service.client_secret == hash_client_secret("n" * 40)
    assert service.previous_client_secret == hash_client_secret(CLIENT_SECRET)
    assert verify_client_secret(CLIENT_SECRET, service.previous_client_secret)


def test_rotation_keeps_issued_tokens_working(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client, scope="read")
    rotate_client_secret(confidential_client)
    assert call_api(flow, tokens["access_token"]).status_code == 200


def test_rotation_is_signalled_with_the_grace_period_only(service, sent):
    secret = rotate_client_secret(service, grace_seconds=30)
    assert [(name, kwargs["application_id"], kwargs["grace_seconds"]) for name, kwargs in sent] == [
        ("client_secret_rotated", service.pk, 30)
    ]
    assert secret not in repr(sent)


@pytest.mark.django_db
def test_a_public_client_has_no_secret_to_rotate(public_client, sent):
    with pytest.raises(ValueError):
        rotate_client_secret(public_client)
    assert sent == []


# --- revoke_client_tokens ---------------------------------------------------------------------


def test_revoking_a_clients_tokens_leaves_other_clients_alone(flow, confidential_client, sent):
    tokens = flow.tokens_for(confidential_client, scope="read")
    bystander = ApplicationFactory()
    other = flow.tokens_for(bystander, scope="read")

    assert revoke_client_tokens(confidential_client) == 2

    assert call_api(flow, tokens["access_token"]).status_code == 401
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    assert call_api(flow, other["access_token"]).status_code == 200
    assert RefreshToken.objects.get(application=bystander).revoked is None
    revoked = [kwargs for name, kwargs in sent if name == "token_revoked"]
    assert [(k["application_id"], k["tokens_revoked"]) for k in revoked] == [(confidential_client.pk, 2)]


def test_revoking_one_owners_tokens_at_a_client(flow, confidential_client, owner):
    mine = flow.tokens_for(confidential_client, scope="read")
    other_owner = UserFactory()
    flow.browser.force_login(other_owner)
    theirs = flow.tokens_for(confidential_client, scope="read")

    assert revoke_client_tokens(confidential_client, user=owner) == 2

    assert call_api(flow, mine["access_token"]).status_code == 401
    assert call_api(flow, theirs["access_token"]).status_code == 200
    assert RefreshToken.objects.get(user=other_owner).revoked is None


# --- disable_client ---------------------------------------------------------------------------


def test_disabling_a_client_stops_its_access_tokens_at_once(flow, confidential_client, resource_server):
    tokens = flow.tokens_for(confidential_client, scope="read")
    assert call_api(flow, tokens["access_token"]).status_code == 200
    assert introspect(flow, resource_server, tokens["access_token"])["active"] is True

    disable_client(confidential_client)

    refused = call_api(flow, tokens["access_token"])
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]
    assert introspect(flow, resource_server, tokens["access_token"]) == {"active": False}
    assert introspect(flow, resource_server, tokens["refresh_token"]) == {"active": False}


def test_a_disabled_client_cannot_get_or_refresh_tokens(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client, scope="read")
    disable_client(confidential_client)
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert refreshed.status_code == 401
    assert refreshed.json()["error"] == "invalid_client"
    page = flow.authorize(
        response_type="code",
        client_id=confidential_client.client_id,
        redirect_uri=confidential_client.redirect_uri_list[0],
        scope="read",
    )
    assert page.status_code == 400
    assert "Location" not in page


def test_disabling_leaves_other_clients_tokens_working(flow, confidential_client, resource_server):
    other = ApplicationFactory()
    tokens = flow.tokens_for(other, scope="read")
    disable_client(confidential_client)
    assert call_api(flow, tokens["access_token"]).status_code == 200
    assert introspect(flow, resource_server, tokens["access_token"])["active"] is True


def test_disabling_is_stored_and_signalled(service, sent):
    disable_client(service)
    assert service.is_active is False
    service.refresh_from_db()
    assert service.is_active is False
    assert [(name, kwargs["application_id"]) for name, kwargs in sent] == [("client_disabled", service.pk)]
