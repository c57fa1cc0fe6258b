"""The OAUTH_PROVIDER dict, and the django-oauth-toolkit settings derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from oauth2_provider.settings import oauth2_settings

from oauth_provider.settings import DEFAULTS, REMOVED_SETTINGS, ProviderSettings, provider_settings

EXPECTED_DEFAULTS = [
    ("RESOURCE_OWNER_SCOPES", None),
    ("DEFAULT_SCOPES", ["__all__"]),
    ("ACCESS_TOKEN_EXPIRE_SECONDS", 3600),
    ("REFRESH_TOKEN_EXPIRE_SECONDS", 30 * 24 * 3600),
    ("AUTHORIZATION_CODE_EXPIRE_SECONDS", 60),
    ("PKCE_REQUIRED_FOR_CONFIDENTIAL_CLIENTS", False),
    ("PKCE_PLAIN_ALLOWED", False),
    ("ALLOWED_REDIRECT_URI_SCHEMES", ["https"]),
    ("ALLOW_HTTP_LOOPBACK_REDIRECT_URIS", True),
    ("ISSUER", None),
    ("LOGIN_URL", None),
    ("BASE_TEMPLATE", "oauth_provider/base.html"),
    ("AUTHORIZE_TEMPLATE", "oauth_provider/authorize.html"),
    ("ERROR_TEMPLATE", "oauth_provider/error.html"),
    ("DEVICE_TEMPLATE", "oauth_provider/device.html"),
    ("DEVICE_CODE_EXPIRE_SECONDS", 600),
    ("DEVICE_CODE_INTERVAL_SECONDS", 5),
    ("DEVICE_USER_CODE_ATTEMPTS", 5),
    ("PUSHED_AUTHORIZATION_REQUESTS", False),
    ("REQUIRE_PUSHED_AUTHORIZATION_REQUESTS", False),
    ("PUSHED_AUTHORIZATION_REQUEST_EXPIRE_SECONDS", 300),
    ("REFRESH_TOKEN_ABSOLUTE_EXPIRE_SECONDS", None),
    ("DPOP_ENABLED", False),
    ("DPOP_SIGNING_ALGORITHMS", ["ES256", "EdDSA", "RS256"]),
    ("DPOP_PROOF_MAX_AGE_SECONDS", 60),
    ("DPOP_CACHE_ALIAS", "default"),
    ("DPOP_NONCE_REQUIRED", False),
    ("DPOP_NONCE_LIFETIME_SECONDS", 300),
    ("CLIENT_SECRET_HASH_KEY", None),
    ("CLIENT_SECRET_HASH_KEY_FALLBACKS", []),
    ("MAX_PARAMETER_LENGTH", 2048),
    ("RESOURCES", []),
    ("RESOURCE_SERVER_REALM", "api"),
    ("RESOURCE_SERVER_AUDIENCE", None),
    ("RESOURCE_SERVER_AUTHORIZATION_SERVERS", []),
    ("DYNAMIC_REGISTRATION", None),
    ("REGISTRATION_GRANT_TYPES", ["authorization_code", "refresh_token"]),
    ("REGISTRATION_SCOPES", None),
    ("REGISTRATION_CONFIDENTIAL_CLIENTS", True),
    ("CLIENT_ID_METADATA_DOCUMENTS", False),
    ("CLIENT_ID_METADATA_DOCUMENT_MAX_BYTES", 5120),
    ("CLIENT_ID_METADATA_DOCUMENT_TIMEOUT_SECONDS", 3),
    ("CLIENT_ID_METADATA_DOCUMENT_MIN_CACHE_SECONDS", 60),
    ("CLIENT_ID_METADATA_DOCUMENT_MAX_CACHE_SECONDS", 24 * 3600),
    ("CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES", False),
    ("ACCESS_TOKEN_IN_BODY", False),
    ("ACCESS_TOKEN_CACHE_SECONDS", 0),
    ("ASYNC_COMMIT_CLIENT_CREDENTIALS_TOKENS", True),
    ("TOKEN_STORE", "sql"),
    ("CLIENT_CACHE_SIZE", 1000),
    ("POOLER_KEEPS_PREPARED_STATEMENTS", False),
    ("READ_SCOPES", ["read"]),
    ("WRITE_SCOPES", ["write"]),
    ("INTROSPECTION_URL", None),
    ("INTROSPECTION_CLIENT_ID", None),
    ("INTROSPECTION_CLIENT_SECRET", None),
    ("INTROSPECTION_CACHE_SECONDS", 60),
    ("INTROSPECTION_CACHE_ALIAS", "default"),
    ("INTROSPECTION_TIMEOUT_SECONDS", 5),
    ("INTROSPECTION_CREATE_USERS", False),
    (
        "RATE_LIMITS",
        {
            "token": "300/minute",
            "authorize": "120/minute",
            "revoke": "300/minute",
            "introspect": "1200/minute",
            "register": "20/hour",
            "device_authorization": "60/minute",
            "pushed_authorization_request": "300/minute",
        },
    ),
    ("FAILED_ATTEMPTS_LIMIT", 10),
    ("FAILED_ATTEMPTS_WINDOW_SECONDS", 300),
    ("RATE_LIMIT_CACHE_ALIAS", "default"),
    ("RATE_LIMIT_FAIL_OPEN", True),
    ("NUM_PROXIES", 0),
    ("CLIENT_SECRET_ROTATION_GRACE_SECONDS", 24 * 3600),
    ("AUDIT_LOG_MODEL", False),
    ("METRICS", True),
    # RFC 9700 §2.4 and §2.1.2: the password and implicit grants are off unless a site lists them.
    ("GRANT_TYPES", ["authorization_code", "refresh_token", "client_credentials"]),
    ("OIDC_ENABLED", False),
    (
        "OIDC_SCOPES",
        {
            "openid": "Sign you in with your account",
            "profile": "See your name and profile",
            "email": "See your email address",
            "address": "See your postal address",
            "phone": "See your phone number",
        },
    ),
    ("OIDC_CLAIMS", None),
    ("ID_TOKEN_EXPIRE_SECONDS", 600),
    ("PAIRWISE_SUBJECT_KEY", None),
    ("SIGNING_ALGORITHMS", ["RS256"]),
    ("SIGNING_KEY_ENCRYPTION_KEYS", []),
    ("SIGNING_KEY_LIFETIME_SECONDS", 90 * 24 * 3600),
    ("SIGNING_KEY_ROTATION_LEAD_SECONDS", 24 * 3600),
    ("SIGNING_KEY_CACHE_SECONDS", 30),
    ("JWKS_MAX_AGE_SECONDS", 3600),
    ("JWT_ACCESS_TOKEN_EXPIRE_SECONDS", 300),
    ("JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE", None),
    ("JWT_DENYLIST_CACHE_ALIAS", None),
    ("RESOURCE_SERVER_JWT", False),
    ("RESOURCE_SERVER_JWT_ISSUER", None),
    ("RESOURCE_SERVER_JWKS_URL", None),
    ("RESOURCE_SERVER_AUDIENCE", None),
    ("RESOURCE_SERVER_JWT_ALGORITHMS", None),
    ("RESOURCE_SERVER_JWT_LEEWAY_SECONDS", 30),
    ("JWKS_CACHE_SECONDS", 300),
    ("JWKS_REFETCH_FLOOR_SECONDS", 30),
    ("JWKS_TIMEOUT_SECONDS", 5),
]


@pytest.mark.parametrize(("name", "value"), EXPECTED_DEFAULTS)
def test_defaults(settings, name, value):
    settings.OAUTH_PROVIDER = {"SCOPES": settings.OAUTH_PROVIDER["SCOPES"]}
    assert getattr(provider_settings, name) == value


def test_every_default_is_covered_above():
    assert {name for name, _ in EXPECTED_DEFAULTS} | {"SCOPES"} == set(DEFAULTS)


def test_default_scopes_when_the_site_sets_none(settings):
    settings.OAUTH_PROVIDER = {}
    assert provider_settings.SCOPES == {"read": "Read your data", "write": "Change your data"}


def test_a_missing_oauth_provider_setting_means_all_defaults(monkeypatch):
    monkeypatch.delattr(django_settings, "OAUTH_PROVIDER")
    fresh = ProviderSettings()
    assert fresh.ACCESS_TOKEN_EXPIRE_SECONDS == 3600
    assert fresh.SCOPES == {"read": "Read your data", "write": "Change your data"}


def test_user_values_are_read():
    assert provider_settings.SCOPES == {
        "read": "Read your data",
        "write": "Change your data",
        "bookings:read": "See your bookings",
    }


def test_an_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="Invalid oauth_provider setting: 'NOT_A_SETTING'"):
        provider_settings.NOT_A_SETTING  # noqa: B018


UNKNOWN_KEYS = [
    # (key, hint)
    ("ACCESS_TOKEN_EXPIRE", " Did you mean 'ACCESS_TOKEN_EXPIRE_SECONDS'?"),
    ("access_token_expire_seconds", " Did you mean 'ACCESS_TOKEN_EXPIRE_SECONDS'?"),
    ("SCOPE", " Did you mean 'SCOPES'?"),
    ("ISSUER_URL", " Did you mean 'ISSUER'?"),
    ("TOTALLY_UNRELATED", ""),
]


@pytest.mark.parametrize(("key", "hint"), UNKNOWN_KEYS)
def test_an_unknown_key_is_an_error_with_a_hint(settings, key, hint):
    expected = f"OAUTH_PROVIDER has an unknown key {key!r}.{hint}"
    with pytest.raises(ImproperlyConfigured) as excinfo:
        settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, key: 1}
    assert str(excinfo.value) == expected
    # The failed change was rolled back: the settings in force still work.
    assert provider_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 3600
    assert oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 3600


def test_an_unknown_key_is_reported_on_first_access(monkeypatch):
    """The check runs lazily, on first access, like DRF's ``APISettings``."""
    monkeypatch.setattr(django_settings, "OAUTH_PROVIDER", {"SCOPE": {"read": "Read"}})
    fresh = ProviderSettings()
    with pytest.raises(ImproperlyConfigured, match="unknown key 'SCOPE'. Did you mean 'SCOPES'"):
        fresh.SCOPES  # noqa: B018


def test_oauth_provider_must_be_a_dict(monkeypatch):
    monkeypatch.setattr(django_settings, "OAUTH_PROVIDER", [("SCOPES", {})])
    with pytest.raises(ImproperlyConfigured, match="^OAUTH_PROVIDER must be a dict.$"):
        ProviderSettings().SCOPES  # noqa: B018


def test_a_removed_key_names_its_replacement(settings):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "PKCE_REQUIRED": True}
    message = str(excinfo.value)
    assert message.startswith("OAUTH_PROVIDER['PKCE_REQUIRED'] is no longer supported.")
    assert "PKCE_REQUIRED_FOR_CONFIDENTIAL_CLIENTS" in message


@pytest.mark.parametrize("key", sorted(REMOVED_SETTINGS))
def test_every_removed_key_is_an_error(settings, key):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        settings.OAUTH_PROVIDER = {key: True}
    assert str(excinfo.value) == f"OAUTH_PROVIDER[{key!r}] is no longer supported. {REMOVED_SETTINGS[key]}"


def test_the_settings_fixture_is_picked_up(settings):
    assert provider_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 3600  # cached now
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 120}
    assert provider_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 120
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 60}
    assert provider_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 60


def test_override_settings_is_picked_up_and_undone():
    assert provider_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS == 60
    with override_settings(OAUTH_PROVIDER={"AUTHORIZATION_CODE_EXPIRE_SECONDS": 30}):
        assert provider_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS == 30
        assert provider_settings.SCOPES == DEFAULTS["SCOPES"]
    assert provider_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS == 60
    assert "bookings:read" in provider_settings.SCOPES


# --- django-oauth-toolkit follows -----------------------------------------------------------


def test_django_oauth_toolkit_follows_a_change(settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "ACCESS_TOKEN_EXPIRE_SECONDS": 120,
        "REFRESH_TOKEN_EXPIRE_SECONDS": 600,
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": 30,
        "SCOPES": {"profile": "Your profile"},
        "DEFAULT_SCOPES": ["profile"],
    }
    assert oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 120
    assert oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS == 600
    assert oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS == 30
    assert oauth2_settings.SCOPES == {"profile": "Your profile"}
    assert oauth2_settings.DEFAULT_SCOPES == ["profile"]


def test_django_oauth_toolkit_is_restored_after_override():
    with override_settings(OAUTH_PROVIDER={"ACCESS_TOKEN_EXPIRE_SECONDS": 120}):
        assert oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 120
    assert oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 3600


SWAPPED_MODELS = [
    ("APPLICATION_MODEL", "oauth_provider.Application"),
    ("GRANT_MODEL", "oauth_provider.Grant"),
    ("ACCESS_TOKEN_MODEL", "oauth_provider.AccessToken"),
    ("REFRESH_TOKEN_MODEL", "oauth_provider.RefreshToken"),
    ("ID_TOKEN_MODEL", "oauth_provider.IDToken"),
]


@pytest.mark.parametrize(("name", "model"), SWAPPED_MODELS)
def test_django_oauth_toolkit_uses_our_models(name, model):
    assert getattr(oauth2_settings, name) == model


def test_django_oauth_toolkit_keeps_our_models_after_a_change(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 120}
    assert oauth2_settings.APPLICATION_MODEL == "oauth_provider.Application"
    assert oauth2_settings.ACCESS_TOKEN_MODEL == "oauth_provider.AccessToken"


SECURE_FLAGS = [
    # (django-oauth-toolkit setting, value; DOT 3.4's default is the opposite or looser)
    ("COMPLIANT_BCP_RFC9700_TOKEN_STORAGE", True),
    ("COMPLIANT_BCP_RFC9700_REFRESH_TOKEN", True),
    ("COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT", True),
    ("COMPLIANT_BCP_RFC9700_PASSWORD_GRANT", True),
    ("COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT", True),
    ("COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS", True),
    ("COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME", True),
    ("COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING", True),
    ("COMPLIANT_BCP_RFC9700_PKCE_REQUIRED", True),
    ("COMPLIANT_BCP_RFC9700_PKCE_METHOD", True),
    ("REFRESH_TOKEN_REUSE_PROTECTION", True),
    ("ROTATE_REFRESH_TOKEN", True),
    ("REFRESH_TOKEN_GRACE_PERIOD_SECONDS", 0),
    ("PKCE_REQUIRED", True),
    ("ALLOW_URI_WILDCARDS", False),
    ("ALLOWED_REDIRECT_URI_SCHEMES", ["https"]),
    ("SCOPES_BACKEND_CLASS", "oauth_provider.server.scopes_backend.ApplicationScopes"),
    ("OAUTH2_VALIDATOR_CLASS", "oauth_provider.server.validator.OAuth2Validator"),
]


@pytest.mark.parametrize(("name", "value"), SECURE_FLAGS)
def test_django_oauth_toolkit_runs_with_secure_settings(name, value):
    """RFC 9700: every gate django-oauth-toolkit offers is on."""
    actual = getattr(oauth2_settings, name)
    if isinstance(actual, type):
        actual = f"{actual.__module__}.{actual.__qualname__}"
    assert actual == value


def test_allowing_plain_pkce_turns_off_the_pkce_method_gate(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "PKCE_PLAIN_ALLOWED": True}
    assert oauth2_settings.COMPLIANT_BCP_RFC9700_PKCE_METHOD is False
    assert oauth2_settings.COMPLIANT_BCP_RFC9700_TOKEN_STORAGE is True


def test_http_is_never_passed_to_django_oauth_toolkit_as_a_scheme(settings):
    """http is allowed on loopback only, by our own rules (RFC 8252 §8.3)."""
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}
    assert oauth2_settings.ALLOWED_REDIRECT_URI_SCHEMES == ["https"]


DOCS_SETTINGS = Path(__file__).resolve().parent.parent / "docs" / "settings.rst"


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_setting_has_a_reference_entry(name):
    text = DOCS_SETTINGS.read_text()
    assert f".. _setting-{name}:" in text, f"docs/settings.rst has no section for {name}"
    assert f":ref:`setting-{name}`" in text, f"the summary table in docs/settings.rst lacks {name}"
