"""The OpenID Connect endpoints that serve documents: discovery (OpenID Connect Discovery
§4) and the JWKS of the signing keys (RFC 7517 §5). Discovery answers 404 while OpenID
Connect is off; the JWKS too, unless signing keys exist (for JWT access tokens)."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from oauth2_provider.compat import login_not_required

from ...core.errors import TemporarilyUnavailable
from ...settings import provider_settings
from ...storage import signing_keys
from .base import log_backing_service_error
from .metadata import MetadataView

__all__ = ["JWKSView", "OpenIDConfigurationView", "require_openid_connect"]


def require_openid_connect() -> None:
    """A 404 while ``OIDC_ENABLED`` is off, as if the endpoint did not exist."""
    if not provider_settings.OIDC_ENABLED:
        raise Http404("OpenID Connect is not enabled.")


class OpenIDConfigurationView(MetadataView):
    """``/.well-known/openid-configuration``: the metadata document, the same as RFC 8414's."""

    def get(self, request: HttpRequest) -> HttpResponse:
        require_openid_connect()
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class JWKSView(View):
    """The public keys that verify what the server signs, including the ones published
    ahead of use and the retired ones whose tokens may still be valid."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            document = signing_keys.jwks()
        except DatabaseError as exc:
            log_backing_service_error(request, exc)
            return TemporarilyUnavailable().as_response()
        if not document["keys"]:
            # JWT access tokens (docs/jwt.rst) need the keys without OpenID Connect.
            require_openid_connect()
        response = JsonResponse(document)
        age = int(provider_settings.JWKS_MAX_AGE_SECONDS)
        # A key is published SIGNING_KEY_ROTATION_LEAD_SECONDS before it signs, longer than
        # any cache may keep this document (max-age plus stale-while-revalidate).
        response["Cache-Control"] = f"public, max-age={age}, stale-while-revalidate={age}"
        response["Access-Control-Allow-Origin"] = "*"
        return response
