"""Client operations: create, rotate a secret with a grace period, revoke tokens, disable.

Rotation and disabling are checked where they matter: at the token endpoint, at the
introspection endpoint (RFC 7662) and at a protected resource (RFC 6750).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from oauth_provider.core import signals
from oauth_provider.core.hashing import hash_client_secret, is_hashed_secret, verify_client_secret
from oauth_provider.storage.clients import create_client, disable_client, rotate_client_secret
from oauth_provider.storage.revocation import revoke_client_tokens

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair
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


def authenticates(flow, client_id: str, secret: str) -> bool:
    """client_secret_post, so a secret with ``+`` or ``=`` needs no Basic encoding (RFC 6749 §2.3.1)."""
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return flow.token(data).status_code == 200


#: Secrets someone might choose that look like what the database stores.
HASH_LOOKALIKES = [
    pytest.param(lambda: hash_client_secret("another secret"), id="our-keyed-hash"),
    pytest.param(lambda: "hmac-sha256$" + "chosen-by-someone-" * 3, id="our-prefix"),
    pytest.param(lambda: make_password("another secret", hasher="pbkdf2_sha256"), id="django-pbkdf2"),
    pytest.param(lambda: make_password("another secret", hasher="md5"), id="django-md5"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("lookalike", HASH_LOOKALIKES)
def test_a_given_secret_is_hashed_even_if_it_looks_like_a_hash(flow, lookalike):
    chosen = lookalike()
    assert is_hashed_secret(chosen)
    application, secret = create_client(
        name="Provisioned", client_type="confidential", grant_types="client_credentials", client_secret=chosen
    )
    assert secret == chosen
    stored = Application.objects.values_list("client_secret", flat=True).get(pk=application.pk)
    assert stored == hash_client_secret(chosen)
    assert authenticates(flow, application.client_id, chosen)
    assert not authenticates(flow, application.client_id, stored)


@pytest.mark.parametrize("lookalike", HASH_LOOKALIKES)
def test_a_rotated_secret_is_hashed_even_if_it_looks_like_a_hash(flow, service, lookalike):
    chosen = lookalike()
    assert rotate_client_secret(service, grace_seconds=0, new_secret=chosen) == chosen
    stored = Application.objects.values_list("client_secret", flat=True).get(pk=service.pk)
    assert stored == hash_client_secret(chosen)
    assert authenticates(flow, service.client_id, chosen)
    assert not authenticates(flow, service.client_id, stored)


@pytest.mark.django_db
@pytest.mark.parametrize("lookalike", HASH_LOOKALIKES)
def test_set_client_secret_hashes_whatever_it_is_given(lookalike):
    chosen = lookalike()
    application = ApplicationFactory.build(grant_types="client_credentials", redirect_uris="")
    application.set_client_secret(chosen)
    application.save()
    assert application.plaintext_client_secret == chosen
    stored = Application.objects.values_list("client_secret", flat=True).get(pk=application.pk)
    assert stored == hash_client_secret(chosen)


@pytest.mark.django_db
def test_a_public_client_keeps_no_secret_set_on_it():
    application = ApplicationFactory.build(client_type="public", redirect_uris="https://spa.example/cb")
    application.set_client_secret("s" * 40)
    application.save()
    assert application.plaintext_client_secret is None
    assert Application.objects.values_list("client_secret", flat=True).get(pk=application.pk) == ""


@pytest.mark.django_db
def test_allowed_origins_are_validated(sent):
    with pytest.raises(ValidationError) as raised:
        create_client(
            name="SPA",
            client_type="public",
            redirect_uris="https://spa.example/cb",
            allowed_origins="https://spa.example http://spa.example https://spa.example/app",
        )
    assert raised.value.message_dict == {
        "allowed_origins": [
            "'http://spa.example' uses http on a non-loopback host; use https "
            "(http is allowed on 127.0.0.1, [::1] and localhost only).",
            "'https://spa.example/app' has a path, query or fragment; an origin is "
            "scheme://host[:port] only, here 'https://spa.example'.",
        ]
    }
    assert not Application.objects.exists()
    assert sent == []


@pytest.mark.django_db
def test_valid_allowed_origins_are_stored():
    application, _ = create_client(
        name="SPA",
        client_type="public",
        redirect_uris="https://spa.example/cb",
        allowed_origins="https://spa.example http://localhost:5173",
    )
    application.refresh_from_db()
    assert application.allowed_origin_list == ["https://spa.example", "http://localhost:5173"]


@pytest.mark.django_db
def test_loopback_origins_follow_the_loopback_redirect_uri_setting(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ALLOW_HTTP_LOOPBACK_REDIRECT_URIS": False}
    application = ApplicationFactory.build(allowed_origins="http://localhost:5173")
    with pytest.raises(ValidationError) as raised:
        application.full_clean()
    assert raised.value.message_dict["allowed_origins"] == [
        "'http://localhost:5173' uses http; only https origins are allowed."
    ]


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


def test_revoking_a_clients_tokens_counts_only_the_tokens_still_usable(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client, scope="read")
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    ).json()
    # The new pair; the access token the refresh ended is deleted too, but not counted.
    assert revoke_client_tokens(confidential_client) == 2
    assert not get_access_token_model().objects.exists()
    assert call_api(flow, refreshed["access_token"]).status_code == 401


def test_revoking_a_clients_tokens_ends_its_unused_codes(flow, confidential_client):
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    revoke_client_tokens(confidential_client)
    response = flow.exchange(confidential_client, code, verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


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
