"""VALIDATOR_CLASS and SERVER_CLASS: a site's subclasses add rules, and keep the package's
(docs/extending.rst)."""

from __future__ import annotations

import pytest

from . import class_hooks
from .factories import ApplicationFactory


@pytest.fixture
def site_classes(settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "VALIDATOR_CLASS": "tests.class_hooks.ContractValidator",
        "SERVER_CLASS": "tests.class_hooks.RecordingServer",
    }
    class_hooks.SEEN.clear()


@pytest.mark.django_db
def test_the_site_validator_adds_a_rule(site_classes, flow):
    refused = ApplicationFactory(grant_types="client_credentials", description="no contract yet")
    answer = flow.client_credentials(refused)
    assert answer.status_code == 400
    assert answer.json()["error"] == "unauthorized_client"  # RFC 6749 §5.2
    assert flow.client_credentials(ApplicationFactory(grant_types="client_credentials")).status_code == 200
    assert class_hooks.SEEN == ["token", "token"]


@pytest.mark.django_db
def test_the_package_rules_still_hold_under_the_site_classes(site_classes, flow):
    """The subclass calls super(): a grant the client is not registered for is still refused."""
    client = ApplicationFactory(grant_types="authorization_code")
    answer = flow.client_credentials(client)
    assert answer.status_code == 400
    assert answer.json()["error"] == "unauthorized_client"


@pytest.mark.django_db
def test_without_the_settings_the_package_classes_serve(flow):
    class_hooks.SEEN.clear()
    client = ApplicationFactory(grant_types="client_credentials", description="no contract yet")
    assert flow.client_credentials(client).status_code == 200
    assert class_hooks.SEEN == []
