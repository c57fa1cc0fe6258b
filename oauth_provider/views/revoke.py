"""The revocation endpoint (RFC 7009)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from .base import FormPostEndpoint, oauthlib_response

__all__ = ["RevokeTokenView"]


@method_decorator(sensitive_post_parameters("client_secret", "token"), name="dispatch")
class RevokeTokenView(FormPostEndpoint):
    """Revokes a token the requesting client holds, with its whole family; 200 for unknown tokens."""

    endpoint = "revoke"

    def handle(self, request: HttpRequest) -> HttpResponse:
        _, headers, body, status = self.create_revocation_response(request)
        return oauthlib_response(body, status, headers)
