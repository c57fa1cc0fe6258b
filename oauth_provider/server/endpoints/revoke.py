"""The revocation endpoint (RFC 7009)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .base import FormPostEndpoint, oauthlib_response

__all__ = ["RevokeTokenView"]


class RevokeTokenView(FormPostEndpoint):
    """Revokes a token the requesting client holds, with its whole family; 200 for unknown tokens."""

    endpoint = "revoke"
    sensitive_parameters = ("client_secret", "token")

    def handle(self, request: HttpRequest) -> HttpResponse:
        _, headers, body, status = self.create_revocation_response(request)
        return oauthlib_response(body, status, headers)
