"""The introspection endpoint (RFC 7662), for resource servers that authenticate as clients."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.http import HttpRequest, HttpResponse

from ...core.errors import InvalidClient, InvalidRequest, json_response
from ...core.issuer import issuer
from .. import client_authentication
from ..introspection import introspect
from .base import FormPostEndpoint

__all__ = ["IntrospectTokenView"]


class IntrospectTokenView(FormPostEndpoint):
    """RFC 7662 §2.1 requires authorization; we require a confidential client's credentials."""

    endpoint = "introspect"
    sensitive_parameters = ("client_secret", "token")

    def atomic(self, request: HttpRequest) -> AbstractContextManager[Any]:
        return nullcontext()  # reads only (a legacy secret's rehash is one UPDATE of its own)

    def handle(self, request: HttpRequest) -> HttpResponse:
        client = client_authentication.authenticated_client(request)
        if client is None or not client.is_confidential:
            raise InvalidClient("Introspection needs a confidential client's credentials (RFC 7662 §2.1).")
        token = request.POST.get("token")
        if not token:
            raise InvalidRequest("The token parameter is required (RFC 7662 §2.1).")
        return json_response(introspect(token, request.POST.get("token_type_hint"), client, issuer(request)))
