"""Run under tests.extended_site.settings by tests/test_extended_models.py (the file name keeps
the main run from collecting it): the site's own models, the client, the consent, the code and
the three token models, are used everywhere."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from oauth_provider.core.hashing import hash_token
from oauth_provider.models import get_consent_model
from tests.conftest import CLIENT_SECRET, basic_auth, pkce_pair
from tests.extended_site.models import (
    PartnerAccessToken,
    PartnerApplication,
    PartnerConsent,
    PartnerGrant,
    PartnerIDToken,
    PartnerRefreshToken,
)
from tests.factories import ApplicationFactory

ADD_URL = "/admin/extended_site/partnerapplication/add/"
SITE_MODELS = [
    PartnerApplication,
    PartnerConsent,
    PartnerGrant,
    PartnerAccessToken,
    PartnerRefreshToken,
    PartnerIDToken,
]
DEFAULT_MODELS = ["Application", "Consent", "Grant", "AccessToken", "RefreshToken", "IDToken"]


def test_the_site_models_are_the_models_in_use():
    assert get_application_model() is PartnerApplication
    assert get_consent_model() is PartnerConsent
    assert get_grant_model() is PartnerGrant
    assert get_access_token_model() is PartnerAccessToken
    assert get_refresh_token_model() is PartnerRefreshToken
    assert get_id_token_model() is PartnerIDToken
    assert oauth2_settings.APPLICATION_MODEL == "extended_site.PartnerApplication"
    assert oauth2_settings.GRANT_MODEL == "extended_site.PartnerGrant"
    assert oauth2_settings.ACCESS_TOKEN_MODEL == "extended_site.PartnerAccessToken"
    assert oauth2_settings.REFRESH_TOKEN_MODEL == "extended_site.PartnerRefreshToken"
    assert oauth2_settings.ID_TOKEN_MODEL == "extended_site.PartnerIDToken"


@pytest.mark.django_db
def test_only_the_site_tables_are_created():
    tables = set(connection.introspection.table_names())
    for model in SITE_MODELS:
        assert model._meta.db_table in tables, model
    for name in DEFAULT_MODELS:
        default = apps.get_model("oauth_provider", name)
        assert default._meta.swapped
        assert default._meta.db_table not in tables, name


@pytest.mark.django_db
def test_the_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_admin_shows_and_saves_the_added_field(admin_client):
    page = admin_client.get(ADD_URL)
    assert page.status_code == 200
    assert 'name="contract_number"' in page.content.decode()
    answer = admin_client.post(
        ADD_URL,
        {
            "name": "Partner",
            "client_id": "partner",
            "client_type": "confidential",
            "grant_types": ["client_credentials"],
            "is_active": "on",
            "access_token_format": "opaque",
            "contract_number": "C-1234",
        },
        follow=True,
    )
    assert answer.status_code == 200, answer.content
    client = PartnerApplication.objects.get(client_id="partner")
    assert client.contract_number == "C-1234"
    assert client.is_under_contract
    listing = admin_client.get("/admin/extended_site/partnerapplication/")
    assert "Partner" in listing.content.decode()


@pytest.mark.django_db
def test_a_client_of_the_site_model_gets_tokens(flow):
    application = ApplicationFactory(contract_number="C-1", grant_types="authorization_code refresh_token")
    assert isinstance(application, PartnerApplication)
    tokens = flow.tokens_for(application)
    answer = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(application.client_id, CLIENT_SECRET),
    )
    assert answer.status_code == 200, answer.content
    consent = PartnerConsent.objects.get(application=application)
    assert (consent.scope_list, consent.channel) == (["read"], "web")


@pytest.mark.django_db
def test_a_public_client_of_the_site_model_uses_pkce(flow):
    application = ApplicationFactory(client_type="public", grant_types="authorization_code")
    verifier, challenge = pkce_pair()
    code = flow.get_code(application, challenge=challenge)["code"]
    assert flow.exchange(application, code, verifier=verifier).status_code == 200
    assert flow.exchange(application, code, verifier=verifier).status_code == 400


@pytest.mark.django_db
def test_the_token_endpoint_stores_rows_of_the_site_models(flow):
    application = ApplicationFactory(grant_types="authorization_code refresh_token")
    verifier, challenge = pkce_pair()
    code = flow.get_code(application, challenge=challenge)["code"]
    answer = flow.exchange(application, code, verifier=verifier)
    assert answer.status_code == 200, answer.content
    tokens = answer.json()

    grant = PartnerGrant.objects.get(application=application)
    assert grant.consumed is not None
    assert grant.channel == "web"
    access = PartnerAccessToken.objects.get(token_checksum=hash_token(tokens["access_token"]))
    assert access.cost_centre == ""
    assert access.token_family == grant.token_family
    refresh = PartnerRefreshToken.objects.get(token_checksum=hash_token(tokens["refresh_token"]))
    assert refresh.access_token == access

    # The site fills its field; the token still works at the resource server.
    PartnerAccessToken.objects.filter(pk=access.pk).update(cost_centre="CC-7")
    page = flow.api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert page.status_code == 200, page.content

    # A refresh rotates within the site's models (RFC 9700 §4.14.2).
    answer = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(application.client_id, CLIENT_SECRET),
    )
    assert answer.status_code == 200, answer.content
    refreshed = PartnerAccessToken.objects.get(token_checksum=hash_token(answer.json()["access_token"]))
    assert refreshed.source_refresh_token == refresh
    assert refreshed.token_family == grant.token_family
    refresh.refresh_from_db()
    assert refresh.revoked is not None


@pytest.mark.django_db
def test_an_id_token_is_a_row_of_the_site_model(openid_connect, flow, confidential_client):
    tokens = flow.tokens_for(confidential_client, scope="openid")
    assert "id_token" in tokens
    access = PartnerAccessToken.objects.get(token_checksum=hash_token(tokens["access_token"]))
    assert isinstance(access.id_token, PartnerIDToken)
    assert access.id_token.kid


@pytest.mark.django_db
def test_revoking_a_token_revokes_the_site_rows(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    answer = flow.post(
        "revoke",
        {"token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert answer.status_code == 200
    assert not PartnerAccessToken.objects.exists()
    assert PartnerRefreshToken.objects.get().revoked is not None


@pytest.mark.django_db
def test_clear_expired_deletes_the_site_rows(flow, confidential_client):
    # No refresh token comes with a client credentials token (RFC 6749 §4.4.3).
    machine = ApplicationFactory(grant_types="client_credentials")
    answer = flow.client_credentials(machine)
    assert answer.status_code == 200, answer.content
    alone = PartnerAccessToken.objects.get(token_checksum=hash_token(answer.json()["access_token"]))
    tokens = flow.tokens_for(confidential_client)
    bound = PartnerAccessToken.objects.get(token_checksum=hash_token(tokens["access_token"]))
    flow.get_code(confidential_client)  # a code that is never exchanged
    unused = PartnerGrant.objects.get(consumed__isnull=True)
    past = timezone.now() - timedelta(hours=1)
    PartnerAccessToken.objects.update(expires=past)
    PartnerGrant.objects.filter(pk=unused.pk).update(expires=past)

    call_command("oauth_provider_clear_expired", stdout=io.StringIO())

    # The expired access token a live refresh token points at stays until that one expires
    # (docs/commands.rst); the lone one and the unused code go.
    assert list(PartnerAccessToken.objects.values_list("pk", flat=True)) == [bound.pk]
    assert not PartnerAccessToken.objects.filter(pk=alone.pk).exists()
    assert list(PartnerGrant.objects.filter(consumed__isnull=True)) == []
    assert PartnerGrant.objects.filter(consumed__isnull=False).count() == 1


@pytest.mark.django_db
def test_the_admin_shows_the_added_token_field(admin_client, flow, confidential_client):
    flow.tokens_for(confidential_client)
    token = PartnerAccessToken.objects.get()
    PartnerAccessToken.objects.filter(pk=token.pk).update(cost_centre="CC-7")
    page = admin_client.get(f"/admin/extended_site/partneraccesstoken/{token.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Cost centre" in content and "CC-7" in content
    listing = admin_client.get("/admin/extended_site/partneraccesstoken/")
    assert listing.status_code == 200
    for model in ("partnerrefreshtoken", "partnergrant"):
        assert admin_client.get(f"/admin/extended_site/{model}/").status_code == 200
    # The package's default token model has no admin page of its own on this site.
    assert admin_client.get("/admin/oauth_provider/accesstoken/").status_code == 404


@pytest.mark.django_db
def test_the_import_fills_the_site_models_and_a_rerun_brings_back_nothing(tmp_path, request, client):
    """oauth_provider_import_dot writes the site's models, and its record keeps a revoked
    token and a deleted client from coming back on a re-run (docs/switching.rst)."""
    from django.contrib.auth import get_user_model

    from oauth_provider.storage.revocation import revoke_token
    from tests.test_import_dot import (
        bearer,
        build_dot_site,
        drop_location,
        fresh_location,
        import_dot,
        source_database,
    )

    location = fresh_location(tmp_path, "extended")
    request.addfinalizer(lambda: drop_location(location))
    held = build_dot_site(location)
    for name, pk in held["users"].items():
        get_user_model().objects.create_user(name, id=pk)
    with source_database(location):
        first = import_dot()
        assert first["access_tokens"]["imported"] == 3
        assert PartnerApplication.objects.count() == first["applications"]["imported"] == 3
        web_access = held["web_tokens"]["access_token"]
        assert bearer(client, "/api/scoped/", web_access).status_code == 200
        revoke_token(PartnerAccessToken.objects.get(token_checksum=hash_token(web_access)))
        PartnerApplication.objects.get(client_id=held["service"]["client_id"]).delete()
        second = import_dot()
    assert second["applications"]["existing"] == 3
    assert second["access_tokens"]["existing"] == 3
    assert second["access_tokens"]["imported"] == second["refresh_tokens"]["imported"] == 0
    assert bearer(client, "/api/scoped/", web_access).status_code == 401
    assert not PartnerApplication.objects.filter(client_id=held["service"]["client_id"]).exists()
    assert bearer(client, "/api/scoped/", held["mobile_tokens"]["access_token"]).status_code == 200
