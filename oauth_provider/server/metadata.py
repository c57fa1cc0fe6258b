"""Authorization server metadata (RFC 8414 §2): the document, built from the settings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ..core.grant_types import supported_response_types
from ..core.issuer import absolute_url, issuer
from ..core.scopes import known_scopes
from ..settings import provider_settings

__all__ = ["metadata"]


def metadata(request: HttpRequest) -> dict[str, Any]:
    """The RFC 8414 §2 document for this server. With ``ISSUER`` set, every URL in it is
    built on the issuer, whatever ``Host`` the request carried."""

    def url(path: str) -> str:
        return absolute_url(request, path)

    grant_types = list(provider_settings.GRANT_TYPES)
    return {
        "issuer": issuer(request),
        "authorization_endpoint": url(reverse("oauth_provider:authorize")),
        "token_endpoint": url(reverse("oauth_provider:token")),
        "revocation_endpoint": url(reverse("oauth_provider:revoke")),
        "introspection_endpoint": url(reverse("oauth_provider:introspect")),
        "scopes_supported": list(known_scopes()),
        "response_types_supported": supported_response_types(grant_types),
        "response_modes_supported": ["query", "fragment"],
        "grant_types_supported": grant_types,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256", "plain"]
        if provider_settings.PKCE_PLAIN_ALLOWED
        else ["S256"],
        "authorization_response_iss_parameter_supported": True,
    }
