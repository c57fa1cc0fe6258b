"""The token endpoint (RFC 6749 §3.2, §4.1.3, §4.3.2, §4.4.2, §6)."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse

from ...core.errors import InvalidRequest, OAuthError
from ...storage import transactions
from ...storage.token_store import RowChanged, token_store
from .. import dpop, throttling
from .base import FormPostEndpoint, oauthlib_response, peek_client_id

__all__ = ["TokenView"]


class TokenView(FormPostEndpoint):
    """Issues tokens for every grant the client is registered for."""

    endpoint = "token"
    sensitive_parameters = ("password", "client_secret", "code", "code_verifier", "refresh_token")

    def subjects(self, request: HttpRequest) -> throttling.Subjects:
        subjects = super().subjects(request)
        if request.POST.get("grant_type") == "password":
            # RFC 6749 §4.3.2: the password grant is open to password guessing.
            return replace(subjects, username=request.POST.get("username", ""))
        return subjects

    def count_failure(self, subjects: throttling.Subjects, response: HttpResponse) -> None:
        super().count_failure(subjects, response)
        if (
            subjects.username
            and response.status_code == 400
            and json.loads(response.content).get("error") == "invalid_grant"
        ):
            throttling.record_password_failure(subjects)

    def atomic(self, request: HttpRequest) -> AbstractContextManager[Any]:
        # A transaction begins only where the validator writes more than one statement
        # (see transactions.py), and holds until the request ends. Client credentials,
        # and on PostgreSQL a code exchange or a refresh, write in one statement.
        return transactions.deferred_atomic()

    def respond(self, request: HttpRequest) -> HttpResponse:
        # Clients may come from memory; a request that relied on one that has changed
        # since runs again, reading it (storage/sql.py, "clients from memory"). Its
        # transaction rolled back.
        with token_store().serving() as served:
            try:
                response = super().respond(request)
                if response.status_code < 400 or not served.any_changed():
                    return response
            except RowChanged:
                pass
            except OAuthError:
                if not served.any_changed():
                    raise
            served.forget()
        return super().respond(request)

    def handle(self, request: HttpRequest) -> HttpResponse:
        if not request.POST.get("grant_type"):
            raise InvalidRequest(
                "The grant_type parameter is required (RFC 6749 §4.1.3, §4.3.2, §4.4.2, §6)."
            )
        proof = dpop.token_request_proof(request, peek_client_id(request))
        with dpop.binding(proof):
            _, headers, body, status = self.create_token_response(request)
        return oauthlib_response(body, status, headers)
