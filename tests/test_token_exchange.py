"""Token exchange (RFC 8693): a confidential client trades an access token of this server
for one for another audience, under its explicit policy, with the delegation recorded in
``act`` (§4.1), audited, and never outliving the token it came from."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from oauth_provider.core import signals

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory

EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
AccessToken = get_access_token_model()


@pytest.fixture
def exchange_on(settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": [*settings.OAUTH_PROVIDER["GRANT_TYPES"], EXCHANGE],
    }
    return settings


@pytest.fixture
def gateway(db):
    """A back-end service that calls the bookings service on its users' behalf."""
    return ApplicationFactory(
        client_id="gateway",
        grant_types=EXCHANGE,
        redirect_uris="",
        token_exchange_audiences="bookings-service",
    )


@pytest.fixture
def user_token(flow, confidential_client):
    return flow.tokens_for(confidential_client, scope="read write")["access_token"]


def exchange(client, secret=CLIENT_SECRET, **params):
    data = {"grant_type": EXCHANGE, "subject_token_type": ACCESS, "audience": "bookings-service", **params}
    data = {name: value for name, value in data.items() if value is not None}
    return Client().post(
        "/oauth/token/",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client.client_id, secret),
    )


def error_of(response, status=400) -> str:
    assert response.status_code == status, response.content
    body = json.loads(response.content)
    assert body["error_description"]
    return body["error"]


def test_off_by_default(gateway, user_token):
    assert error_of(exchange(gateway, subject_token=user_token)) == "unsupported_grant_type"


def test_an_exchange_2_2_1(exchange_on, gateway, user_token, owner):
    heard = []
    signals.token_exchanged.connect(lambda sender, **kw: heard.append(kw), weak=False, dispatch_uid="t")
    try:
        response = exchange(gateway, subject_token=user_token, scope="read")
    finally:
        signals.token_exchanged.disconnect(dispatch_uid="t")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["issued_token_type"] == ACCESS and body["token_type"] == "Bearer"
    assert body["scope"] == "read" and "refresh_token" not in body
    token = AccessToken.objects.get(application=gateway)
    assert token.user == owner and token.audience == "bookings-service"
    assert json.loads(token.actor) == {"sub": "gateway", "client_id": "gateway"}
    subject = AccessToken.objects.exclude(application=gateway).get()
    assert token.expires <= subject.expires and token.token_family != subject.token_family
    assert heard and heard[0]["audience"] == "bookings-service" and heard[0]["user_id"] == owner.pk
    # Introspection tells the audience and the actor (RFC 8693 §4.1).
    answer = (
        Client()
        .post(
            "/oauth/introspect/",
            urlencode({"token": body["access_token"]}),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic_auth("gateway", CLIENT_SECRET),
        )
        .json()
    )
    assert answer["aud"] == "bookings-service" and answer["act"] == {"sub": "gateway", "client_id": "gateway"}
    assert answer["username"] == owner.get_username()
    # The owner's API accepts it, as the owner.
    api = Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert api.status_code == 200 and api.json()["user"] == owner.get_username()


def test_without_scope_the_subject_tokens_scopes(exchange_on, gateway, user_token):
    assert exchange(gateway, subject_token=user_token).json()["scope"] == "read write"


def test_an_audience_outside_the_policy_is_invalid_target(exchange_on, gateway, user_token):
    assert error_of(exchange(gateway, subject_token=user_token, audience="payments")) == "invalid_target"
    assert error_of(
        exchange(gateway, subject_token=user_token, audience=None, resource="https://x.example/")
    ) == ("invalid_target")
    assert error_of(exchange(gateway, subject_token=user_token, audience=None)) == "invalid_request"
    assert not AccessToken.objects.filter(application=gateway).exists()


def test_without_scope_the_subject_scopes_are_narrowed_to_the_clients(exchange_on, user_token):
    narrow = ApplicationFactory(
        grant_types=EXCHANGE,
        redirect_uris="",
        token_exchange_audiences="bookings-service",
        allowed_scopes="read",
    )
    assert exchange(narrow, subject_token=user_token).json()["scope"] == "read"
    assert error_of(exchange(narrow, subject_token=user_token, scope="read write")) == "invalid_scope"


def test_a_wider_scope_is_invalid_scope(exchange_on, gateway, flow, confidential_client):
    token = flow.tokens_for(confidential_client, scope="read")["access_token"]
    assert error_of(exchange(gateway, subject_token=token, scope="read write")) == "invalid_scope"


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked"])
def test_a_dead_subject_token_is_invalid_grant(
    exchange_on, gateway, user_token, flow, confidential_client, case
):
    if case == "unknown":
        user_token = "no-such-token"
    elif case == "expired":
        AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    else:
        flow.post(
            "revoke",
            {"token": user_token},
            HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
        )
    assert error_of(exchange(gateway, subject_token=user_token)) == "invalid_grant"


@pytest.mark.parametrize(
    "params",
    [
        {"subject_token_type": "urn:ietf:params:oauth:token-type:refresh_token"},
        {"subject_token_type": None},
        {"requested_token_type": "urn:ietf:params:oauth:token-type:refresh_token"},
        {"subject_token": None},
        {"actor_token_type": ACCESS},
    ],
    ids=[
        "refresh-subject",
        "no-subject-type",
        "refresh-requested",
        "no-subject-token",
        "actor-type-without-token",
    ],
)
def test_malformed_requests_are_invalid_request(exchange_on, gateway, user_token, params):
    assert error_of(exchange(gateway, **{"subject_token": user_token, **params})) == "invalid_request"


def test_client_rules(exchange_on, user_token, gateway):
    assert (
        error_of(exchange(gateway, secret="wrong-" + "x" * 40, subject_token=user_token), 401)
        == "invalid_client"
    )
    stranger = ApplicationFactory(
        grant_types="client_credentials", redirect_uris="", token_exchange_audiences="bookings-service"
    )
    assert error_of(exchange(stranger, subject_token=user_token)) == "unauthorized_client"
    public = ApplicationFactory.build(
        client_type="public", grant_types=EXCHANGE, redirect_uris="", client_secret=""
    )
    with pytest.raises(Exception, match="cannot use"):
        public.full_clean()


def test_an_actor_token_names_the_actor_4_1(exchange_on, gateway, user_token):
    robot = ApplicationFactory(client_id="robot", grant_types="client_credentials", redirect_uris="")
    actor_token = (
        Client()
        .post(
            "/oauth/token/",
            urlencode({"grant_type": "client_credentials"}),
            content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=basic_auth("robot", CLIENT_SECRET),
        )
        .json()["access_token"]
    )
    response = exchange(gateway, subject_token=user_token, actor_token=actor_token, actor_token_type=ACCESS)
    assert response.status_code == 200, response.content
    assert json.loads(AccessToken.objects.get(application=gateway).actor) == {
        "sub": "robot",
        "client_id": "robot",
    }
    assert robot.pk


def test_a_chain_of_exchanges_nests_the_actors_and_binds_the_audience(exchange_on, gateway, user_token):
    bookings = ApplicationFactory(
        client_id="bookings-service",
        grant_types=EXCHANGE,
        redirect_uris="",
        token_exchange_audiences="payments",
    )
    first = exchange(gateway, subject_token=user_token).json()["access_token"]
    # Only the audience the token was issued for may exchange it again.
    other = ApplicationFactory(grant_types=EXCHANGE, redirect_uris="", token_exchange_audiences="payments")
    assert error_of(exchange(other, subject_token=first, audience="payments")) == "invalid_grant"
    second = exchange(bookings, subject_token=first, audience="payments")
    assert second.status_code == 200, second.content
    actor = json.loads(AccessToken.objects.get(application=bookings).actor)
    assert actor == {
        "sub": "bookings-service",
        "client_id": "bookings-service",
        "act": {"sub": "gateway", "client_id": "gateway"},
    }


def test_the_new_token_never_outlives_the_subject(exchange_on, gateway, user_token):
    AccessToken.objects.update(expires=timezone.now() + timedelta(seconds=100))
    assert exchange(gateway, subject_token=user_token).json()["expires_in"] <= 100


def test_a_dpop_bound_subject_token_is_refused(exchange_on, gateway, user_token):
    AccessToken.objects.update(jkt="x" * 43)
    assert error_of(exchange(gateway, subject_token=user_token)) == "invalid_grant"


def test_metadata_lists_the_grant_while_on(exchange_on, db):
    assert EXCHANGE in Client().get("/.well-known/oauth-authorization-server").json()["grant_types_supported"]


def test_authlib_exchanges_a_token(live_server, settings, transactional_db):
    """Authlib's OAuth2Session (a client not written here) sends the RFC 8693 request."""
    import requests
    from authlib.integrations.requests_client import OAuth2Session

    from .factories import UserFactory

    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": [*settings.OAUTH_PROVIDER["GRANT_TYPES"], EXCHANGE],
    }
    owner = UserFactory()
    frontend = ApplicationFactory(grant_types="password", redirect_uris="")
    ApplicationFactory(
        client_id="gateway",
        grant_types=EXCHANGE,
        redirect_uris="",
        token_exchange_audiences="bookings-service",
    )
    base = live_server.url
    user = requests.post(
        f"{base}/oauth/token/",
        data={
            "grant_type": "password",
            "username": owner.username,
            "password": "correct horse battery staple",
            "scope": "read",
        },
        auth=(frontend.client_id, CLIENT_SECRET),
        timeout=10,
    ).json()
    session = OAuth2Session("gateway", CLIENT_SECRET, token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(
        f"{base}/oauth/token/",
        grant_type=EXCHANGE,
        subject_token=user["access_token"],
        subject_token_type=ACCESS,
        audience="bookings-service",
    )
    assert token["issued_token_type"] == ACCESS and token["scope"] == "read"
    api = requests.get(
        f"{base}/api/scoped/", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10
    )
    assert api.status_code == 200 and api.json()["user"] == owner.username
