"""Authorization server metadata (RFC 8414 §2), built from the settings: one document,
served at ``/.well-known/oauth-authorization-server`` and, while OpenID Connect is on, at
``/.well-known/openid-configuration`` too (OpenID Connect Discovery §3), so the two can
never disagree. RFC 8414 §2 lets the OAuth document carry the OpenID Connect members."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ..core.claims import supported_claims
from ..core.grant_types import GrantType, supported_response_types
from ..core.issuer import absolute_url, issuer
from ..core.scopes import known_scopes
from ..settings import provider_settings
from ..storage import signing_keys

__all__ = [
    "device_metadata",
    "dpop_metadata",
    "keys_metadata",
    "metadata",
    "openid_metadata",
    "optional_metadata",
    "par_metadata",
    "registration_metadata",
]


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
    } | optional_metadata(request)


def optional_metadata(request: HttpRequest) -> dict[str, Any]:
    """The members of the features a site turns on: registration, OpenID Connect, the
    device grant, pushed authorization requests and DPoP."""
    openid = openid_metadata(request) if provider_settings.OIDC_ENABLED else {}
    return (
        registration_metadata(request)
        | keys_metadata(request)
        | openid
        | device_metadata(request)
        | par_metadata(request)
        | dpop_metadata()
    )


def keys_metadata(request: HttpRequest) -> dict[str, Any]:
    """RFC 8414 §2 ``jwks_uri`` whenever the JWKS document is served: with OpenID Connect
    on, or once a signing key is published (JWT access tokens, docs/jwt.rst), so that a
    resource server can find the keys from the issuer alone."""
    if not provider_settings.OIDC_ENABLED and not signing_keys.published_keys():
        return {}
    return {"jwks_uri": absolute_url(request, reverse("oauth_provider:jwks"))}


def dpop_metadata() -> dict[str, Any]:
    """RFC 9449 §5.1: the algorithms DPoP proofs may use, while DPoP is on."""
    if not provider_settings.DPOP_ENABLED:
        return {}
    return {"dpop_signing_alg_values_supported": list(provider_settings.DPOP_SIGNING_ALGORITHMS)}


def par_metadata(request: HttpRequest) -> dict[str, Any]:
    """RFC 9126 §5: the PAR endpoint, and whether every client must use it, while it is on."""
    if not provider_settings.PUSHED_AUTHORIZATION_REQUESTS:
        return {}
    endpoint = absolute_url(request, reverse("oauth_provider:pushed_authorization_request"))
    return {
        "pushed_authorization_request_endpoint": endpoint,
        "require_pushed_authorization_requests": bool(
            provider_settings.REQUIRE_PUSHED_AUTHORIZATION_REQUESTS
        ),
    }


def device_metadata(request: HttpRequest) -> dict[str, Any]:
    """RFC 8628 §4: the device authorization endpoint, while the device grant is on."""
    if GrantType.DEVICE_CODE.value not in provider_settings.GRANT_TYPES:
        return {}
    return {
        "device_authorization_endpoint": absolute_url(request, reverse("oauth_provider:device_authorization"))
    }


def registration_metadata(request: HttpRequest) -> dict[str, Any]:
    """RFC 8414 §2 ``registration_endpoint`` while dynamic registration is on, and the client
    ID metadata document flag while those are on."""
    members: dict[str, Any] = {}
    if provider_settings.DYNAMIC_REGISTRATION:
        members["registration_endpoint"] = absolute_url(request, reverse("oauth_provider:register"))
    if provider_settings.CLIENT_ID_METADATA_DOCUMENTS:
        members["client_id_metadata_document_supported"] = True
    return members


def openid_metadata(request: HttpRequest) -> dict[str, Any]:
    """The OpenID Connect Discovery §3 members (the OAuth ones are :func:`metadata`'s)."""

    def url(path: str) -> str:
        return absolute_url(request, path)

    subject_types = ["public"]
    if provider_settings.PAIRWISE_SUBJECT_KEY:
        subject_types.append("pairwise")
    return {
        "userinfo_endpoint": url(reverse("oauth_provider:userinfo")),
        "end_session_endpoint": url(reverse("oauth_provider:end_session")),
        "subject_types_supported": subject_types,
        "id_token_signing_alg_values_supported": list(provider_settings.SIGNING_ALGORITHMS),
        "claims_supported": supported_claims(known_scopes()),
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        # OpenID Connect Discovery §3: the default is true, so it must be said.
        "request_uri_parameter_supported": False,
    }
