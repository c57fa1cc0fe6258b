"""What the package relies on in Django REST framework, django-oauth-toolkit and oauthlib.

Each test names the upstream behaviour it checks, so that an upgrade that moves it fails
here, saying what moved, rather than somewhere in a request. The non-public names are
wrapped once, in ``oauth_provider/core/upstream.py``.
"""

from __future__ import annotations

import inspect

import pytest
from django.http import HttpRequest
from oauth2_provider import settings as dot_settings
from oauth2_provider.models import AbstractApplication, get_access_token_model, set_token_value
from oauth2_provider.oauth2_validators import OAuth2Validator as DOTValidator
from oauthlib.oauth2 import RequestValidator
from oauthlib.oauth2.rfc8628.request_validator import RequestValidator as DeviceRequestValidator
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from oauth_provider.core.grant_types import DOT_GRANT_NAMES
from oauth_provider.core.hashing import hash_token
from oauth_provider.core.upstream import django_request
from oauth_provider.server.configuration import dot_settings as our_dot_settings
from oauth_provider.server.oauthlib_server import Server
from oauth_provider.server.validator import OAuth2Validator


def test_drf_keeps_the_django_request_as_request_underscore_request():
    """DRF's ``Request`` wraps Django's as ``_request`` (not public API)."""
    django = APIRequestFactory().get("/", HTTP_AUTHORIZATION="Bearer x")
    wrapped = Request(django)
    assert django_request(wrapped) is django
    assert isinstance(django_request(wrapped), HttpRequest)
    assert django_request(django) is django


@pytest.mark.django_db
def test_dot_set_token_value_stores_only_the_sha256_checksum(confidential_client):
    """django-oauth-toolkit's ``set_token_value`` with RFC 9700 token storage on: the token
    column stays blank and ``token_checksum`` (our lookup key) is the SHA-256 hex digest."""
    from django.utils import timezone

    token = get_access_token_model()(application=confidential_client, expires=timezone.now(), scope="read")
    set_token_value(token, "a-token-value")
    token.save()
    token.refresh_from_db()
    assert token.token == ""
    assert token.token_checksum == hash_token("a-token-value")


def test_dot_grant_type_names_are_the_ones_we_translate():
    """django-oauth-toolkit passes its ``GRANT_*`` names to ``allows_grant_type()``."""
    dot_names = {
        AbstractApplication.GRANT_AUTHORIZATION_CODE,
        AbstractApplication.GRANT_IMPLICIT,
        AbstractApplication.GRANT_PASSWORD,
        AbstractApplication.GRANT_CLIENT_CREDENTIALS,
    }
    assert set(DOT_GRANT_NAMES) == dot_names


def test_oauthlibs_grant_types_property_is_the_endpoints_own_table():
    """oauthlib's ``TokenEndpoint.grant_types`` returns the dict it dispatches on, so
    removing an entry there turns the grant off (the device grant, until GRANT_TYPES lists it)."""
    server = Server(OAuth2Validator())
    assert "urn:ietf:params:oauth:grant-type:device_code" not in server.grant_types
    assert server.grant_types is server._grant_types


# Validator hooks that are ours, not overrides (oauthlib and django-oauth-toolkit call none).
OWN_METHODS = {"_grant", "_token_family", "_used_twice", "_save_id_token_row", "_redeem_device_code"}


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name, _ in inspect.getmembers(OAuth2Validator, inspect.isfunction)
        if name in vars(OAuth2Validator)
    ),
)
def test_every_validator_override_still_exists_upstream(name):
    """A hook renamed upstream would silently stop calling our rule."""
    if name in OWN_METHODS:
        return
    assert (
        hasattr(DOTValidator, name)
        or hasattr(RequestValidator, name)
        or hasattr(DeviceRequestValidator, name)
    ), f"OAuth2Validator.{name} overrides nothing in django-oauth-toolkit or oauthlib any more"


def test_every_setting_we_give_django_oauth_toolkit_is_one_it_reads():
    """A setting django-oauth-toolkit renamed would be ignored, its default in force."""
    unknown = sorted(set(our_dot_settings()) - set(dot_settings.DEFAULTS))
    assert not unknown, f"django-oauth-toolkit no longer knows {unknown}"


# -- Django internals the hand-written store (oauth_provider/storage/sql.py) compiles with ---------


@pytest.mark.django_db
def test_djangos_compiler_exposes_what_a_compiled_lookup_reads():
    """``SQLCompiler.klass_info``, ``select``, ``col_count``, ``annotation_col_map``,
    ``get_converters()`` and ``apply_converters()`` (not public API)."""
    from django.db.models import Value

    model = get_access_token_model()
    queryset = model.objects.select_related("application", "user").annotate(extra=Value("x")).filter(pk=1)[:1]
    compiler = queryset.query.get_compiler(using="default")
    compiler.as_sql()
    assert compiler.klass_info["model"] is model
    assert compiler.klass_info["select_fields"]
    assert {info["model"] for info in compiler.klass_info["related_klass_infos"]} >= {
        model._meta.get_field("application").related_model
    }
    assert compiler.col_count <= len(compiler.select)
    assert "extra" in compiler.annotation_col_map
    converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
    assert isinstance(converters, dict)
    assert list(compiler.apply_converters([[None] * len(compiler.select)], {})) == [
        [None] * len(compiler.select)
    ]


def test_djangos_get_related_populators_takes_the_compilers_parts():
    """``django.db.models.query.get_related_populators`` builds the select_related objects."""
    from django.db.models.query import get_related_populators

    parameters = list(inspect.signature(get_related_populators).parameters)
    assert parameters[:3] == ["klass_info", "select", "db"]


@pytest.mark.django_db
def test_djangos_connection_has_what_the_store_uses_for_its_cursors():
    """``queries_logged``, ``close_if_health_check_failed()``, ``ensure_connection()``,
    ``wrap_database_errors`` and ``_prepare_cursor()`` (the last not public API)."""
    from django.db import connection

    assert isinstance(connection.queries_logged, bool)
    for name in ("close_if_health_check_failed", "ensure_connection", "_prepare_cursor"):
        assert callable(getattr(connection, name)), name
    assert hasattr(connection, "wrap_database_errors")
    assert connection.features.can_return_columns_from_insert in (True, False)
    returning, _ = connection.ops.return_insert_columns([get_access_token_model()._meta.pk])
    assert returning.startswith("RETURNING")


@pytest.mark.postgres
@pytest.mark.django_db
def test_djangos_postgresql_backend_has_a_server_binding_cursor():
    """``django.db.backends.postgresql.base.ServerBindingCursor`` (Django's cursor class for
    ``server_side_binding``), which the store uses to let psycopg prepare its statements."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    assert ServerBindingCursor is not None


def test_dot_views_keep_their_oauthlib_server_on_the_class():
    """``OAuthLibMixin.get_oauthlib_core`` caches the server as ``_oauthlib_core`` on the view
    class; ``forget_oauthlib_servers`` drops it when the settings change."""
    from oauth2_provider.views.mixins import OAuthLibMixin

    from oauth_provider.core.upstream import forget_oauthlib_servers
    from oauth_provider.server.endpoints.token import TokenView

    assert "_oauthlib_core" in inspect.getsource(OAuthLibMixin.get_oauthlib_core)
    TokenView.get_oauthlib_core()
    assert "_oauthlib_core" in vars(TokenView)
    forget_oauthlib_servers()
    assert "_oauthlib_core" not in vars(TokenView)


def test_the_openid_server_checks_pkce_on_both_code_grants_and_has_no_jwt_token_type():
    """oauthlib's OpenID Connect server routes openid requests to a grant object of its own,
    and its JWT token type would take an ID token for an access token (oauthlib#939)."""
    from oauth_provider.server.oauthlib_server import OpenIDServer, check_pkce_challenge, check_pkce_downgrade

    server = OpenIDServer(OAuth2Validator())
    for grant in (server.auth_grant, server.openid_connect_auth):
        assert check_pkce_challenge in grant.custom_validators.post_auth
        assert check_pkce_downgrade in grant.custom_validators.post_token
    assert server.openid_connect_auth.custom_validators is not server.auth_grant.custom_validators
    assert set(server.tokens) == {"Bearer"}
    assert "urn:ietf:params:oauth:grant-type:device_code" not in server.grant_types


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name in vars(
            __import__("oauth_provider.server.oidc.validator", fromlist=["x"]).OpenIDConnectHooks
        )
        if not name.startswith("__")
    ),
)
def test_every_openid_hook_overrides_one_upstream(name):
    """An OpenID Connect hook renamed upstream would silently stop being called."""
    from oauthlib.openid import RequestValidator as OpenIDRequestValidator

    assert hasattr(DOTValidator, name) or hasattr(OpenIDRequestValidator, name), name
