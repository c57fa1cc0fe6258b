"""Per-client lifetimes: an access token, refresh token and authorization code lifetime on
the client, each falling back to the site's setting when empty (docs/lifetimes.rst)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
    set_token_value,
)

from oauth_provider import checks
from oauth_provider.storage import maintenance

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair
from .factories import ApplicationFactory

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()


def refresh(flow, application, refresh_token):
    return flow.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=basic_auth(application.client_id, CLIENT_SECRET),
    )


def age_refresh_tokens(seconds: int) -> None:
    RefreshToken.objects.update(created=timezone.now() - timedelta(seconds=seconds))


# -- access tokens -------------------------------------------------------------------------


def test_the_clients_access_token_lifetime_is_expires_in(flow, db):
    client = ApplicationFactory(access_token_lifetime=300)
    tokens = flow.tokens_for(client)
    assert tokens["expires_in"] == 300
    token = AccessToken.objects.get()
    assert abs((token.expires - timezone.now()).total_seconds() - 300) < 60


def test_without_one_the_sites_setting_applies(flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 1200}
    assert flow.tokens_for(confidential_client)["expires_in"] == 1200


def test_client_credentials_and_refreshes_use_it_too(flow, db):
    service = ApplicationFactory(
        grant_types="client_credentials", redirect_uris="", access_token_lifetime=120
    )
    assert flow.client_credentials(service).json()["expires_in"] == 120
    client = ApplicationFactory(access_token_lifetime=240)
    tokens = flow.tokens_for(client)
    assert refresh(flow, client, tokens["refresh_token"]).json()["expires_in"] == 240


# -- refresh tokens ------------------------------------------------------------------------


def test_a_shorter_refresh_token_lifetime_is_enforced_6(flow, db):
    client = ApplicationFactory(refresh_token_lifetime=3600)
    tokens = flow.tokens_for(client)
    age_refresh_tokens(3601)
    response = refresh(flow, client, tokens["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_longer_refresh_token_lifetime_outlives_the_sites(flow, db, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": 3600}
    client = ApplicationFactory(refresh_token_lifetime=7200)
    tokens = flow.tokens_for(client)
    age_refresh_tokens(5000)
    assert refresh(flow, client, tokens["refresh_token"]).status_code == 200


def test_each_rotation_starts_the_lifetime_again(flow, db):
    """The lifetime is how long one refresh token may be used (an idle limit: rotation issues
    a new one each time)."""
    client = ApplicationFactory(refresh_token_lifetime=3600)
    tokens = flow.tokens_for(client)
    age_refresh_tokens(3000)
    tokens = refresh(flow, client, tokens["refresh_token"]).json()
    assert refresh(flow, client, tokens["refresh_token"]).status_code == 200


def test_the_absolute_lifetime_ends_the_chain_however_often_it_is_refreshed(flow, db):
    client = ApplicationFactory(refresh_token_lifetime=3600, refresh_token_absolute_lifetime=5000)
    tokens = flow.tokens_for(client)
    started = RefreshToken.objects.get().family_started
    assert started is not None
    for _ in range(2):
        tokens = refresh(flow, client, tokens["refresh_token"]).json()
    assert set(RefreshToken.objects.values_list("family_started", flat=True)) == {started}
    # Each refresh token is fresh, but the grant behind them is older than 5000 s.
    RefreshToken.objects.update(family_started=timezone.now() - timedelta(seconds=5001))
    response = refresh(flow, client, tokens["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "absolute lifetime" in response.json()["error_description"]


def test_the_sites_absolute_lifetime(flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "REFRESH_TOKEN_ABSOLUTE_EXPIRE_SECONDS": 600}
    tokens = flow.tokens_for(confidential_client)
    tokens = refresh(flow, confidential_client, tokens["refresh_token"]).json()
    RefreshToken.objects.update(family_started=timezone.now() - timedelta(seconds=601))
    response = refresh(flow, confidential_client, tokens["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_introspection_reports_the_absolute_end_when_it_comes_first(flow, db):
    client = ApplicationFactory(refresh_token_absolute_lifetime=600, can_introspect_any_token=True)
    tokens = flow.tokens_for(client)
    answer = flow.post(
        "introspect",
        {"token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    ).json()
    started = RefreshToken.objects.get().family_started
    assert answer["exp"] == int((started + timedelta(seconds=600)).timestamp())


def test_introspection_reports_the_clients_refresh_token_expiry(flow, db):
    client = ApplicationFactory(refresh_token_lifetime=3600, can_introspect_any_token=True)
    tokens = flow.tokens_for(client)
    answer = flow.post(
        "introspect",
        {"token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    ).json()
    issued = RefreshToken.objects.get().created
    assert answer["active"] is True and answer["exp"] == int((issued + timedelta(seconds=3600)).timestamp())


def make_refresh_token(application, user, age_seconds: int):
    token = RefreshToken(application=application, user=user, scope="read")
    set_token_value(token, uuid.uuid4().hex)
    token.save()
    RefreshToken.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(seconds=age_seconds))
    return token


def test_clear_expired_follows_each_clients_lifetime(owner, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": 3600}
    site, short, long = (
        ApplicationFactory(),
        ApplicationFactory(refresh_token_lifetime=600),
        ApplicationFactory(refresh_token_lifetime=7200),
    )
    kept = {
        make_refresh_token(site, owner, 3000).pk,
        make_refresh_token(short, owner, 500).pk,
        make_refresh_token(long, owner, 5000).pk,
    }
    make_refresh_token(site, owner, 4000)
    make_refresh_token(short, owner, 700)
    make_refresh_token(long, owner, 8000)
    counts = maintenance.clear_expired()
    assert counts["refresh_tokens"] == 3
    assert set(RefreshToken.objects.values_list("pk", flat=True)) == kept


def test_without_a_site_lifetime_only_clients_with_one_expire(owner, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": None}
    site, short = ApplicationFactory(), ApplicationFactory(refresh_token_lifetime=600)
    kept = make_refresh_token(site, owner, 10**7)
    make_refresh_token(short, owner, 700)
    assert maintenance.clear_expired()["refresh_tokens"] == 1
    assert list(RefreshToken.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_connected_apps_page_counts_a_refresh_token_alive_under_its_clients_lifetime(owner, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": 3600}
    alive = ApplicationFactory(name="Lives long", refresh_token_lifetime=7200)
    gone = ApplicationFactory(name="Site default")
    make_refresh_token(alive, owner, 5000)
    make_refresh_token(gone, owner, 5000)
    browser = Client()
    browser.force_login(owner)
    page = browser.get("/oauth/connected-apps/")
    assert b"Lives long" in page.content and b"Site default" not in page.content


# -- authorization codes -------------------------------------------------------------------


def test_the_clients_code_lifetime(flow, db):
    client = ApplicationFactory(authorization_code_lifetime=30)
    _, challenge = pkce_pair()
    flow.get_code(client, challenge=challenge)
    grant = Grant.objects.get()
    assert 20 < (grant.expires - timezone.now()).total_seconds() <= 30


@pytest.mark.parametrize(
    ("field", "value"),
    [("authorization_code_lifetime", 601), ("authorization_code_lifetime", 0), ("access_token_lifetime", 0)],
)
def test_lifetimes_out_of_range_are_invalid(db, field, value):
    client = ApplicationFactory.build(**{field: value})
    with pytest.raises(ValidationError) as raised:
        client.full_clean()
    assert field in raised.value.message_dict


# -- the command, the admin, the checks ------------------------------------------------------


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("oauth_provider_create_client", *args, stdout=out)
    return json.loads(out.getvalue())


def test_create_client_takes_and_prints_the_lifetimes(db):
    created = run(
        "--name=TV",
        "--client-id=tv",
        "--grant-type=client_credentials",
        "--access-token-lifetime=300",
        "--refresh-token-lifetime=86400",
        "--refresh-token-absolute-lifetime=864000",
        "--authorization-code-lifetime=30",
    )
    assert (created["access_token_lifetime"], created["refresh_token_lifetime"]) == (300, 86400)
    assert (
        created["authorization_code_lifetime"] == 30 and created["refresh_token_absolute_lifetime"] == 864000
    )
    updated = run("--client-id=tv", "--update-if-exists", "--access-token-lifetime=default")
    assert updated["access_token_lifetime"] is None and updated["changed"] == ["access_token_lifetime"]
    assert updated["refresh_token_lifetime"] == 86400


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_create_client_refuses_bad_lifetimes(db, value):
    with pytest.raises(CommandError):
        call_command("oauth_provider_create_client", "--name=X", f"--access-token-lifetime={value}")


def test_create_client_refuses_a_code_lifetime_over_600(db):
    with pytest.raises(CommandError, match="1 to 600 seconds"):
        run("--name=X", "--redirect-uri=https://x.example/cb", "--authorization-code-lifetime=601")


def test_the_admin_shows_and_saves_the_lifetimes(admin_client, confidential_client):
    url = f"/admin/oauth_provider/application/{confidential_client.pk}/change/"
    page = admin_client.get(url)
    for field in (
        "access_token_lifetime",
        "refresh_token_lifetime",
        "refresh_token_absolute_lifetime",
        "authorization_code_lifetime",
    ):
        assert f'name="{field}"'.encode() in page.content


def test_w031_long_client_access_tokens(db):
    assert checks.check_client_lifetimes(None, databases=["default"]) == []
    ApplicationFactory(client_id="slow", access_token_lifetime=2 * 24 * 3600)
    (warning,) = checks.check_client_lifetimes(None, databases=["default"])
    assert warning.id == "oauth_provider.W031" and "['slow']" in warning.msg


def test_w030_device_grant_limits(settings):
    device = "urn:ietf:params:oauth:grant-type:device_code"
    assert checks.check_device_grant(None) == []
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": [device],
        "DEVICE_CODE_EXPIRE_SECONDS": 3600,
        "DEVICE_USER_CODE_ATTEMPTS": 50,
    }
    assert [w.id for w in checks.check_device_grant(None)] == ["oauth_provider.W030"] * 2
