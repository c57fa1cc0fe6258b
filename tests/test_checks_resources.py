"""System checks E050 to E053 and W050: resource indicators, registration, metadata documents."""

from __future__ import annotations

import pytest

from oauth_provider.checks import check_resources_and_registration


def ids(settings, **values) -> list[str]:
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, **values}
    return [message.id for message in check_resources_and_registration(None)]


def test_clean_by_default(settings):
    assert ids(settings) == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"RESOURCES": ["https://api.example/mcp#x"]}, ["oauth_provider.E050"]),
        ({"RESOURCES": "https://api.example/mcp"}, ["oauth_provider.E050"]),
        ({"RESOURCE_SERVER_AUDIENCE": "/mcp"}, ["oauth_provider.E051"]),
        ({"DYNAMIC_REGISTRATION": "yes"}, ["oauth_provider.E052"]),
        ({"REGISTRATION_GRANT_TYPES": ["authorization_code", "password"]}, ["oauth_provider.E053"]),
        ({"CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES": True}, ["oauth_provider.W050"]),
    ],
)
def test_each_misconfiguration_has_its_id(settings, values, expected):
    assert ids(settings, **values) == expected


def test_private_addresses_are_fine_while_debugging(settings):
    settings.DEBUG = True
    assert ids(settings, CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES=True) == []
