"""The public import paths: the new ones, and the 0.1 paths that still work with a warning."""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

import oauth_provider.resource as resource

# 0.1 path -> (a name it exported, the module that now defines it)
MOVED = {
    "oauth_provider.authentication": ("BearerTokenAuthentication", "oauth_provider.resource.authentication"),
    "oauth_provider.permissions": ("TokenHasScope", "oauth_provider.resource.permissions"),
    "oauth_provider.decorators": ("require_scopes", "oauth_provider.resource.decorators"),
    "oauth_provider.signals": ("token_issued", "oauth_provider.core.signals"),
    "oauth_provider.clients": ("rotate_client_secret", "oauth_provider.storage.clients"),
    "oauth_provider.consent": ("record_consent", "oauth_provider.server.consent"),
    "oauth_provider.resource_server": ("AccessTokenInfo", "oauth_provider.resource.tokens"),
    "oauth_provider.maintenance": ("clear_expired", "oauth_provider.storage.maintenance"),
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_a_moved_module_still_imports_and_warns(old):
    name, new = MOVED[old]
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert any(old in message and "removed in 0.3" in message for message in messages), messages


def test_the_revocation_functions_keep_their_old_homes():
    from oauth_provider.storage.revocation import revoke_client_tokens, revoke_consent

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        clients = importlib.import_module("oauth_provider.clients")
        consent = importlib.import_module("oauth_provider.consent")
    assert clients.revoke_client_tokens is revoke_client_tokens
    assert consent.revoke_consent is revoke_consent


def test_the_resource_package_exports_what_it_lists():
    for name in resource.__all__:
        assert getattr(resource, name) is not None, name


def test_drf_finds_the_authentication_class_by_its_documented_path(settings):
    from django.utils.module_loading import import_string

    assert (
        import_string("oauth_provider.resource.BearerTokenAuthentication")
        is resource.BearerTokenAuthentication
    )
