"""Authorization server metadata (RFC 8414) at ``/.well-known/oauth-authorization-server``."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from oauth2_provider.compat import login_not_required

from ...core.errors import TemporarilyUnavailable
from ...core.issuer import configured_issuer
from ..metadata import metadata
from .base import log_backing_service_error

__all__ = ["MetadataView"]


@method_decorator(login_not_required, name="dispatch")
class MetadataView(View):
    """Serves the metadata document at ``/.well-known/oauth-authorization-server``."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            # Reads the published signing keys (jwks_uri), from this process's cache mostly.
            document = metadata(request)
        except DatabaseError as exc:
            log_backing_service_error(request, exc)
            return TemporarilyUnavailable().as_response()
        response = JsonResponse(document)
        response["Access-Control-Allow-Origin"] = "*"
        if configured_issuer():
            response["Cache-Control"] = "public, max-age=3600"
        else:
            # Built from this request's Host and scheme: a shared cache must not hand it on.
            response["Cache-Control"] = "no-cache"
            response["Vary"] = "Host"
        return response
