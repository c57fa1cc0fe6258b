"""The pushed authorization request endpoint (RFC 9126 §2): the client sends the
authorization request's parameters, authenticated, and gets a ``request_uri`` to send the
browser to the authorization endpoint with instead. It answers 404 while
``PUSHED_AUTHORIZATION_REQUESTS`` is off."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from oauthlib.oauth2.rfc6749 import errors as oauthlib_errors

from ...core import signals
from ...core.errors import InvalidClient, InvalidRequest, json_response
from .. import client_authentication
from ..oauthlib_server import without_empty_parameters
from ..par import par_enabled, push
from .base import FormPostEndpoint, oauthlib_response

__all__ = ["PushedAuthorizationRequestView"]

#: Parameters a pushed request must not carry (RFC 9126 §2.1; request objects, RFC 9101,
#: are not supported here).
REFUSED = {
    "request_uri": "request_uri cannot be pushed (RFC 9126 §2.1).",
    "request": "Request objects (RFC 9101) are not supported; push the parameters themselves.",
}


class PushedAuthorizationRequestView(FormPostEndpoint):
    """RFC 9126 §2.1: validate the request as the authorization endpoint would, store it."""

    endpoint = "pushed_authorization_request"
    sensitive_parameters = ("client_secret", "code_challenge")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not par_enabled():
            raise Http404("Pushed authorization requests are off.")
        return super().dispatch(request, *args, **kwargs)

    def handle(self, request: HttpRequest) -> HttpResponse:
        client = client_authentication.authenticated_client(request)
        if client is None:
            raise InvalidClient("Client authentication failed (RFC 9126 §2.1, RFC 6749 §3.2.1).")
        for name, problem in REFUSED.items():
            if name in request.POST:
                raise InvalidRequest(problem)
        parameters = {name: str(value) for name, value in request.POST.items() if name != "client_secret"}
        parameters["client_id"] = client.client_id
        uri, _ = without_empty_parameters("https://server.invalid/?" + urlencode(parameters), None)
        try:
            # The same validation as the authorization endpoint's, before anything is stored.
            self.get_oauthlib_core().server.validate_authorization_request(uri, "GET", None, {})
        except oauthlib_errors.FatalClientError as error:
            raise InvalidRequest(error.description or "Invalid redirect_uri or client_id.") from error
        except oauthlib_errors.OAuth2Error as error:
            return oauthlib_response(error.json, error.status_code, {})
        request_uri, expires_in = push(client, parameters)
        signals.authorization_request_pushed.send(
            sender=type(self), application_id=client.pk, expires_in=expires_in
        )
        return json_response({"request_uri": request_uri, "expires_in": expires_in}, status=201)
