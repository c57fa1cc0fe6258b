"""OpenAPI for drf-spectacular: the ``oauth2`` security scheme, and each operation's scopes.

drf-spectacular is optional (``pip install django-oauth-provider-kit[openapi]``). It
finds an extension when the extension's class is defined; this package's AppConfig
imports this module in ``ready()`` when ``drf_spectacular`` is in ``INSTALLED_APPS``.
A site that uses drf-spectacular without listing it there imports this module itself,
from an AppConfig's ``ready()`` (not from ``settings.py``: the import loads Django REST
framework, which reads settings).

Views authenticated by :class:`~oauth_provider.resource.authentication.BearerTokenAuthentication`
(or a subclass) then declare an ``oauth2`` scheme (RFC 6749 authorization code and client
credentials flows, with ``OAUTH_PROVIDER["SCOPES"]``) and list, per operation, the scopes
their permission classes and ``require_scopes`` decorators ask for. The flows' URLs are
this site's authorization and token endpoints; a resource server that does not mount
``oauth_provider.urls`` names the authorization server's endpoints in drf-spectacular's
own ``SPECTACULAR_SETTINGS["OAUTH2_AUTHORIZATION_URL"]`` and ``["OAUTH2_TOKEN_URL"]``
(and, if it likes, ``["OAUTH2_REFRESH_URL"]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.settings import spectacular_settings
from rest_framework.permissions import AND, NOT, OR

from ..settings import provider_settings
from .permissions import (
    IsAuthenticatedOrTokenHasScope,
    TokenHasMethodScope,
    TokenHasScope,
    method_scopes_of,
    required_scopes_of,
)

__all__ = ["BearerTokenScheme", "operation_scopes"]

#: Scope sets, any one of which lets a request through (an OpenAPI security requirement list).
Alternatives = list[list[str]]

NO_SCOPES: Alternatives = [[]]

# Our grant type names (RFC 6749) -> OpenAPI flow object names.
FLOWS = {"authorization_code": "authorizationCode", "client_credentials": "clientCredentials"}


def _union(*scope_lists: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(scope for scopes in scope_lists for scope in scopes))


def _distinct(alternatives: Alternatives) -> Alternatives:
    seen: dict[frozenset[str], list[str]] = {}
    for scopes in alternatives:
        seen.setdefault(frozenset(scopes), scopes)
    return list(seen.values())


def _both(left: Alternatives, right: Alternatives) -> Alternatives:
    return _distinct([_union(a, b) for a in left for b in right])


def _permission_scopes(permission: Any, view: Any, method: str) -> Alternatives:
    """The scope sets one permission (or a composition with ``&``, ``|``, ``~``) asks for."""
    if isinstance(permission, AND):
        return _both(
            _permission_scopes(permission.op1, view, method), _permission_scopes(permission.op2, view, method)
        )
    if isinstance(permission, OR):
        return _distinct(
            _permission_scopes(permission.op1, view, method)
            + _permission_scopes(permission.op2, view, method)
        )
    if isinstance(permission, NOT):
        return NO_SCOPES  # "not this" never needs a scope
    if isinstance(permission, TokenHasMethodScope):
        return [method_scopes_of(view, method)]
    if isinstance(permission, (TokenHasScope, IsAuthenticatedOrTokenHasScope)):
        return [required_scopes_of(view, method)]
    return NO_SCOPES


def _decorated_scopes(view: Any, method: str) -> list[str]:
    """Scopes ``require_scopes`` puts on the handler: the ViewSet action or the method."""
    action = getattr(view, "action", None)
    handler = getattr(view, action if action else method.lower(), None)
    if handler is None:
        return []
    scopes = getattr(handler, "required_scopes", None)
    if scopes is None:
        # @api_view turns the function into a method that closes over it.
        function = getattr(handler, "__func__", handler)
        for cell in getattr(function, "__closure__", None) or ():
            try:
                scopes = getattr(cell.cell_contents, "required_scopes", None)
            except ValueError:  # an empty cell
                continue
            if scopes is not None:
                break
    return list(scopes or [])


def operation_scopes(view: Any, method: str) -> Alternatives:
    """The scope sets a request to ``view`` with ``method`` needs; any one of them will do.

    Permission classes combine with ``&`` and ``|`` as DRF evaluates them; the
    scopes of a ``require_scopes``-decorated handler are needed on top.
    """
    alternatives = NO_SCOPES
    for permission in view.get_permissions():
        alternatives = _both(alternatives, _permission_scopes(permission, view, method))
    return _both(alternatives, [_decorated_scopes(view, method)])


def _endpoint(setting: str, url_name: str) -> str:
    configured = getattr(spectacular_settings, setting)
    if configured:
        return str(configured)
    try:
        return reverse(url_name)
    except NoReverseMatch as exc:
        raise ImproperlyConfigured(
            f"The OpenAPI oauth2 scheme needs the URL of {url_name!r}: include oauth_provider.urls, "
            f'or set SPECTACULAR_SETTINGS["{setting}"] to the authorization server\'s endpoint.'
        ) from exc


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents :class:`~oauth_provider.resource.authentication.BearerTokenAuthentication` as ``oauth2``."""

    target_class = "oauth_provider.resource.authentication.BearerTokenAuthentication"
    name = "oauth2"
    match_subclasses = True

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scopes = {name: str(description) for name, description in provider_settings.SCOPES.items()}
        flows: dict[str, dict[str, Any]] = {}
        for grant_type, flow_name in FLOWS.items():
            if grant_type not in provider_settings.GRANT_TYPES:
                continue
            flow: dict[str, Any] = {}
            if grant_type == "authorization_code":
                flow["authorizationUrl"] = _endpoint("OAUTH2_AUTHORIZATION_URL", "oauth_provider:authorize")
            flow["tokenUrl"] = _endpoint("OAUTH2_TOKEN_URL", "oauth_provider:token")
            if spectacular_settings.OAUTH2_REFRESH_URL:
                flow["refreshUrl"] = str(spectacular_settings.OAUTH2_REFRESH_URL)
            flow["scopes"] = scopes
            flows[flow_name] = flow
        return {"type": "oauth2", "flows": flows}

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[Any]] | list[dict[str, list[Any]]]:
        alternatives = operation_scopes(auto_schema.view, auto_schema.method)
        if len(alternatives) == 1:
            return {self.name: alternatives[0]}
        return [{self.name: scopes} for scopes in alternatives]
