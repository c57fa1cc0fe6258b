"""Protected resource metadata (RFC 9728): the document that tells a client which
authorization server issues tokens for this resource server, and with which scopes.

Serve it next to the resource it describes (at ``/.well-known/oauth-protected-resource/mcp``)::

    urlpatterns = [
        path("mcp", mcp_view),
        *protected_resource_metadata_urls("mcp"),
    ]

and set ``RESOURCE_SERVER_AUDIENCE`` to the resource's URL: 401 challenges then carry its
address in ``resource_metadata`` (RFC 9728 §5.1), as the MCP authorization spec requires.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import NoReverseMatch, URLPattern, path
from django.utils.decorators import method_decorator
from django.views import View
from oauth2_provider.compat import login_not_required

from ..core.issuer import issuer
from ..core.resources import WELL_KNOWN_PROTECTED_RESOURCE
from ..core.scopes import known_scopes
from ..settings import provider_settings

__all__ = ["ProtectedResourceMetadataView", "protected_resource_metadata", "protected_resource_metadata_urls"]


def _authorization_servers(request: HttpRequest) -> list[str]:
    configured = list(provider_settings.RESOURCE_SERVER_AUTHORIZATION_SERVERS)
    if configured:
        return configured
    try:
        # The authorization server is this site (oauth_provider.urls is mounted).
        return [issuer(request)]
    except NoReverseMatch:
        return []


def protected_resource_metadata(
    request: HttpRequest,
    resource: str,
    *,
    authorization_servers: list[str] | None = None,
    scopes_supported: list[str] | None = None,
    resource_name: str | None = None,
) -> dict[str, Any]:
    """The RFC 9728 §2 document for ``resource``."""
    methods = ["header", "body"] if provider_settings.ACCESS_TOKEN_IN_BODY else ["header"]
    document: dict[str, Any] = {
        "resource": resource,
        "authorization_servers": authorization_servers or _authorization_servers(request),
        "scopes_supported": list(scopes_supported if scopes_supported is not None else known_scopes()),
        "bearer_methods_supported": methods,
    }
    if resource_name:
        document["resource_name"] = resource_name
    return document


@method_decorator(login_not_required, name="dispatch")
class ProtectedResourceMetadataView(View):
    """Serves the RFC 9728 document. ``resource`` defaults to ``RESOURCE_SERVER_AUDIENCE``,
    else the URL of ``resource_path`` on the request's host."""

    resource: str | None = None
    resource_path: str = ""
    authorization_servers: list[str] | None = None
    scopes_supported: list[str] | None = None
    resource_name: str | None = None

    def get(self, request: HttpRequest) -> JsonResponse:
        resource = (
            self.resource
            or provider_settings.RESOURCE_SERVER_AUDIENCE
            or request.build_absolute_uri("/" + self.resource_path.lstrip("/"))
        )
        document = protected_resource_metadata(
            request,
            resource,
            authorization_servers=self.authorization_servers,
            scopes_supported=self.scopes_supported,
            resource_name=self.resource_name,
        )
        response = JsonResponse(document)
        # Public metadata, read by clients in browsers too.
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "no-cache"
        response["Vary"] = "Host"
        return response


def protected_resource_metadata_urls(resource_path: str = "", **view_options: Any) -> list[URLPattern]:
    """URL patterns serving the metadata of the resource at ``resource_path`` (``"mcp"`` for
    ``https://site.example/mcp``) at its RFC 9728 §3.1 address,
    ``/.well-known/oauth-protected-resource/mcp``. ``view_options`` set the view's
    attributes (``resource``, ``authorization_servers``, ``scopes_supported``, ``resource_name``)."""
    suffix = resource_path.strip("/")
    route = WELL_KNOWN_PROTECTED_RESOURCE.lstrip("/") + (f"/{suffix}" if suffix else "")
    view = ProtectedResourceMetadataView.as_view(resource_path=suffix, **view_options)
    return [path(route, view, name=f"protected_resource_metadata_{suffix or 'root'}")]
