"""Run under tests.extended_site.settings by tests/test_extended_models.py (the file name keeps
the main run from collecting it): the site's own models are used everywhere."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from oauth_provider.models import get_consent_model
from tests.conftest import CLIENT_SECRET, basic_auth, pkce_pair
from tests.extended_site.models import PartnerApplication, PartnerConsent
from tests.factories import ApplicationFactory

ADD_URL = "/admin/extended_site/partnerapplication/add/"


def test_the_site_models_are_the_models_in_use():
    assert get_application_model() is PartnerApplication
    assert get_consent_model() is PartnerConsent
    assert oauth2_settings.APPLICATION_MODEL == "extended_site.PartnerApplication"


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
