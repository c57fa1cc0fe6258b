"""OpenAPI with drf-spectacular: the ``oauth2`` security scheme and each operation's scopes.

The schema is generated for the test URLconf (``tests/urls.py``), whose views are
protected in every supported way (``tests/api_views.py``); a few views defined here
cover the combinations those do not.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings
from drf_spectacular.validation import validate_schema
from rest_framework.response import Response
from rest_framework.schemas.generators import EndpointEnumerator
from rest_framework.schemas.inspectors import DefaultSchema
from rest_framework.schemas.openapi import AutoSchema as DRFAutoSchema
from rest_framework.views import APIView

import oauth_provider.resource.openapi  # noqa: F401  (registers the extension, as a site's AppConfig would)
from oauth_provider.resource import (
    BearerTokenAuthentication,
    TokenHasMethodScope,
    TokenHasResourceOwner,
    TokenHasScope,
    require_scopes,
)

SCOPES = {"read": "Read your data", "write": "Change your data", "bookings:read": "See your bookings"}


class SiteBearerAuthentication(BearerTokenAuthentication):
    """A site's own subclass: documented the same way."""


class PermissionAndDecoratorView(APIView):
    """Both checks run: the permission's scopes and the decorator's are needed together."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasScope]
    required_scopes = ["read"]

    @require_scopes("bookings:read")
    def get(self, request):
        return Response({})


class EitherScopeView(APIView):
    """``|`` of two scoped checks: either scope set will do."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasMethodScope | (TokenHasResourceOwner & TokenHasScope)]
    required_scopes = ["bookings:read"]

    def get(self, request):
        return Response({})


class NegatedScopeView(APIView):
    """``~TokenHasScope`` is satisfied by a token without the scope: it needs none."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasResourceOwner & ~TokenHasScope]
    required_scopes = ["write"]

    def get(self, request):
        return Response({})


class SiteAuthenticatedView(APIView):
    authentication_classes = [SiteBearerAuthentication]
    permission_classes = [TokenHasScope]
    required_scopes = ["read"]

    def get(self, request):
        return Response({})


class UnprotectedView(APIView):
    authentication_classes = []
    permission_classes = []

    def get(self, request):
        return Response({})


urlpatterns = [
    path("sso/", include("oauth_provider.urls")),
    path("api/permission-and-decorator/", PermissionAndDecoratorView.as_view()),
    path("api/either-scope/", EitherScopeView.as_view()),
    path("api/negated-scope/", NegatedScopeView.as_view()),
    path("api/site-authenticated/", SiteAuthenticatedView.as_view()),
    path("api/unprotected/", UnprotectedView.as_view()),
]


class WithoutTheAuthorizationServer:
    """A resource server's URLconf: its API only, the authorization server lives elsewhere."""

    urlpatterns = [path("api/either-scope/", EitherScopeView.as_view())]


@pytest.fixture
def generate(settings, monkeypatch):
    """``generate()``: the OpenAPI document for the current URLconf and settings."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    }

    def run() -> dict[str, Any]:
        # @api_view fixes its view's schema class when the module is imported, from the
        # setting of that moment (DRF's own AutoSchema here, unless this test came first);
        # a site sets DEFAULT_SCHEMA_CLASS in its settings and never sees this.
        for _, _, view in EndpointEnumerator().get_api_endpoints():
            if isinstance(view.cls.__dict__.get("schema"), DRFAutoSchema):
                monkeypatch.setattr(view.cls, "schema", DefaultSchema())
        # The test views return plain Responses; "unable to guess serializer" is expected.
        with GENERATOR_STATS.silence():
            schema = SchemaGenerator().get_schema(request=None, public=True)
        GENERATOR_STATS.reset()
        return schema

    return run


@pytest.fixture
def schema(generate) -> dict[str, Any]:
    return generate()


def oauth2_scopes(schema: dict[str, Any], path: str, method: str) -> list[list[str]]:
    """The ``oauth2`` entries of an operation's security requirements: one scope list each."""
    security = schema["paths"][path][method]["security"]
    return [requirement["oauth2"] for requirement in security if "oauth2" in requirement]


# --- the security scheme ----------------------------------------------------------------------


def test_the_oauth2_scheme_has_the_authorization_code_and_client_credentials_flows(schema):
    assert schema["components"]["securitySchemes"]["oauth2"] == {
        "type": "oauth2",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/oauth/authorize/",
                "tokenUrl": "/oauth/token/",
                "scopes": SCOPES,
            },
            "clientCredentials": {"tokenUrl": "/oauth/token/", "scopes": SCOPES},
        },
    }


def test_the_document_is_valid_openapi(schema):
    validate_schema(schema)


def test_the_scopes_come_from_the_settings(settings, generate):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "SCOPES": {"profile": "See your profile"}}
    flows = generate()["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["authorizationCode"]["scopes"] == {"profile": "See your profile"}
    assert flows["clientCredentials"]["scopes"] == {"profile": "See your profile"}


def test_a_grant_type_that_is_turned_off_is_not_a_flow(settings, generate):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": ["authorization_code", "refresh_token"],
    }
    flows = generate()["components"]["securitySchemes"]["oauth2"]["flows"]
    assert list(flows) == ["authorizationCode"]


def test_the_urls_follow_where_the_endpoints_are_mounted(settings, generate):
    settings.ROOT_URLCONF = __name__
    flows = generate()["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["authorizationCode"]["authorizationUrl"] == "/sso/oauth/authorize/"
    assert flows["authorizationCode"]["tokenUrl"] == "/sso/oauth/token/"
    assert flows["clientCredentials"]["tokenUrl"] == "/sso/oauth/token/"


def test_a_remote_resource_server_names_the_authorization_servers_endpoints(settings, generate):
    settings.ROOT_URLCONF = WithoutTheAuthorizationServer
    endpoints = {
        "OAUTH2_AUTHORIZATION_URL": "https://auth.example/oauth/authorize/",
        "OAUTH2_TOKEN_URL": "https://auth.example/oauth/token/",
        "OAUTH2_REFRESH_URL": "https://auth.example/oauth/token/",
    }
    with patched_settings(endpoints):
        flows = generate()["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["authorizationCode"] == {
        "authorizationUrl": "https://auth.example/oauth/authorize/",
        "tokenUrl": "https://auth.example/oauth/token/",
        "refreshUrl": "https://auth.example/oauth/token/",
        "scopes": SCOPES,
    }
    assert flows["clientCredentials"]["tokenUrl"] == "https://auth.example/oauth/token/"


def test_without_the_endpoints_the_error_says_what_to_set(settings, generate):
    settings.ROOT_URLCONF = WithoutTheAuthorizationServer
    with pytest.raises(ImproperlyConfigured, match=r'SPECTACULAR_SETTINGS\["OAUTH2_AUTHORIZATION_URL"\]'):
        generate()


# --- each operation's scopes --------------------------------------------------------------------

OPERATIONS = [
    # (path, method, the oauth2 scope lists of its security requirements)
    ("/api/scoped/", "get", [["read"]]),  # TokenHasScope, required_scopes
    ("/api/method-scoped/", "get", [["read"]]),  # TokenHasMethodScope: READ_SCOPES
    ("/api/method-scoped/", "post", [["write"]]),  # ... WRITE_SCOPES
    ("/api/method-scoped-override/", "get", [["bookings:read"]]),  # the view's read_scopes
    ("/api/method-scoped-override/", "post", [["read", "write"]]),  # the view's write_scopes
    ("/api/session-or-token/", "get", [["write"]]),  # IsAuthenticatedOrTokenHasScope
    ("/api/composed/", "get", [["read"]]),  # IsAuthenticated & TokenHasScope & ~TokenIsClientOnly
    ("/api/not-client/", "get", [["read"]]),  # TokenHasScope & ~TokenIsClientOnly
    ("/api/any-token/", "get", [[]]),  # TokenIsClientOnly | TokenHasResourceOwner
    ("/api/client-or-scoped-owner/", "get", [[], ["write"]]),  # a client token, or a user's with write
    ("/api/owner-only/", "get", [[]]),  # TokenHasResourceOwner
    ("/api/reports/", "get", [["read"]]),  # ViewSet list, required_scopes
    ("/api/reports/archive/", "post", [["write"]]),  # ViewSet action, required_scopes_by_method
    ("/api/method-scoped-function/", "get", [["read"]]),  # @api_view + TokenHasMethodScope
    ("/api/method-scoped-function/", "post", [["write"]]),
    ("/api/decorated-method/", "get", [["write"]]),  # @require_scopes on an APIView method
    ("/api/bookings/", "get", [["bookings:read"]]),  # @require_scopes on a ViewSet list
    ("/api/bookings/cancel/", "post", [["write"]]),  # @require_scopes on a ViewSet action
    ("/api/decorated-function/", "get", [["read"]]),  # @require_scopes under @api_view
]


@pytest.mark.parametrize(("path", "method", "scopes"), OPERATIONS)
def test_each_operation_lists_the_scopes_it_needs(schema, path, method, scopes):
    assert oauth2_scopes(schema, path, method) == scopes


def test_a_view_with_bearer_authentication_only_offers_only_oauth2(schema):
    assert schema["paths"]["/api/scoped/"]["get"]["security"] == [{"oauth2": ["read"]}]


def test_a_view_that_also_takes_a_session_offers_both(schema):
    """The default authentication classes: a bearer token or a session cookie."""
    assert schema["paths"]["/api/decorated-function/"]["get"]["security"] == [
        {"oauth2": ["read"]},
        {"cookieAuth": []},
    ]


def test_the_method_scopes_follow_the_settings(settings, generate):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "READ_SCOPES": ["bookings:read"]}
    schema = generate()
    assert oauth2_scopes(schema, "/api/method-scoped/", "get") == [["bookings:read"]]
    assert oauth2_scopes(schema, "/api/method-scoped/", "post") == [["write"]]


@pytest.fixture
def local_schema(settings, generate) -> dict[str, Any]:
    settings.ROOT_URLCONF = __name__
    return generate()


def test_a_permission_and_a_decorator_need_both_sets_of_scopes(local_schema):
    assert local_schema["paths"]["/api/permission-and-decorator/"]["get"]["security"] == [
        {"oauth2": ["read", "bookings:read"]}
    ]


def test_a_subclass_of_the_authentication_class_is_documented(local_schema):
    assert local_schema["paths"]["/api/site-authenticated/"]["get"]["security"] == [{"oauth2": ["read"]}]


def test_a_negated_scope_check_needs_no_scope(local_schema):
    assert local_schema["paths"]["/api/negated-scope/"]["get"]["security"] == [{"oauth2": []}]


def test_either_side_of_an_or_is_an_alternative(local_schema):
    assert local_schema["paths"]["/api/either-scope/"]["get"]["security"] == [
        {"oauth2": ["read"]},
        {"oauth2": ["bookings:read"]},
    ]


def test_a_view_without_bearer_authentication_has_no_oauth2_requirement(local_schema):
    assert "security" not in local_schema["paths"]["/api/unprotected/"]["get"]


# --- registration -------------------------------------------------------------------------------

REGISTERED = """
import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "rest_framework",
                    "oauth2_provider", "oauth_provider", *EXTRA_APPS],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    SECRET_KEY="not-secret",
)
django.setup()
from drf_spectacular.extensions import OpenApiAuthenticationExtension

extensions = OpenApiAuthenticationExtension._registry
print(any(e.__module__ == "oauth_provider.resource.openapi" for e in extensions))
"""


@pytest.mark.parametrize(("extra_apps", "registered"), [(["drf_spectacular"], "True"), ([], "False")])
def test_the_extension_registers_itself_when_drf_spectacular_is_installed(extra_apps, registered):
    """Listing ``drf_spectacular`` in INSTALLED_APPS is enough; no import in the site's code.

    A fresh interpreter, since this test module imports ``oauth_provider.openapi`` itself.
    """
    code = f"EXTRA_APPS = {extra_apps!r}\n" + REGISTERED
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == registered
