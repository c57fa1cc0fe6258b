"""The client registration endpoint (RFC 7591 §3) and client configuration endpoint
(RFC 7592 §2). Both answer 404 while ``DYNAMIC_REGISTRATION`` is off."""

from __future__ import annotations

import json
from typing import Any

from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.compat import login_not_required

from ...core.bearer import bearer_challenge
from ...core.errors import (
    InvalidClientMetadata,
    InvalidRequest,
    InvalidSoftwareStatement,
    MissingToken,
    OAuthError,
    TemporarilyUnavailable,
    TooManyRequests,
    json_response,
)
from ...core.issuer import absolute_url
from ...settings import provider_settings
from .. import registration, throttling
from .base import log_backing_service_error

__all__ = ["ClientConfigurationView", "RegistrationView"]

#: A registration is a few hundred bytes; anything much larger is refused before parsing.
MAX_BODY_BYTES = 16 * 1024


def _error(error: OAuthError) -> HttpResponse:
    if error.status_code == 401:
        # RFC 6750 §3: the initial or registration access token is a bearer token.
        code = None if isinstance(error, MissingToken) else error.error
        error.headers.setdefault("WWW-Authenticate", bearer_challenge(code, error.description))
    return error.as_response()


def _bearer(request: HttpRequest) -> str:
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise MissingToken("Send the token in an 'Authorization: Bearer' header.")
    return value


def _json_body(request: HttpRequest) -> Any:
    if request.content_type != "application/json":
        raise InvalidClientMetadata("Send the client metadata as application/json (RFC 7591 §3.1).")
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidClientMetadata(f"The client metadata is larger than {MAX_BODY_BYTES} bytes.")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidClientMetadata("The request body is not valid JSON.") from exc
    if isinstance(data, dict) and "software_statement" in data:
        raise InvalidSoftwareStatement("Software statements are not accepted by this server.")
    return data


def _configuration_url(request: HttpRequest, client_id: str) -> str:
    return absolute_url(request, reverse("oauth_provider:register_client", args=[client_id]))


def _registered(
    request: HttpRequest, application: Any, metadata: Any, status: int, **credentials: Any
) -> HttpResponse:
    body = {
        "client_id": application.client_id,
        "client_id_issued_at": int(application.created.timestamp()),
        **{name: value for name, value in credentials.items() if value},
        "registration_client_uri": _configuration_url(request, application.client_id),
        **metadata.as_response(),
    }
    if application.is_confidential:
        body["client_secret_expires_at"] = 0
    return json_response(body, status)


class _Endpoint(View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if provider_settings.DYNAMIC_REGISTRATION not in registration.MODES:
            raise Http404("Dynamic client registration is off.")
        try:
            limited = throttling.check("register", throttling.Subjects(throttling.client_ip(request)))
            if limited is not None:
                response = _error(TooManyRequests(limited.reason, limited.retry_after))
                response["Retry-After"] = str(max(1, limited.retry_after))
                return response
            with transaction.atomic():
                answer = super().dispatch(request, *args, **kwargs)
                return answer  # type: ignore[return-value]
        except OAuthError as error:
            return _error(error)
        except (DatabaseError, throttling.CacheUnavailable) as exc:
            log_backing_service_error(request, exc)
            return _error(TemporarilyUnavailable())

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allowed = ", ".join(method.upper() for method in self.http_method_names if method != "options")
        response = _error(
            InvalidRequest(f"{request.method} is not allowed here.", headers={"Allow": allowed})
        )
        response.status_code = 405
        return response


@method_decorator([csrf_exempt, login_not_required], name="dispatch")
class RegistrationView(_Endpoint):
    """``POST`` client metadata, get a client (RFC 7591 §3.1, §3.2.1)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if provider_settings.DYNAMIC_REGISTRATION == "initial_access_token":
            registration.spend_initial_access_token(_bearer(request))
        application, metadata, secret, token = registration.register(_json_body(request))
        return _registered(
            request,
            application,
            metadata,
            201,
            client_secret=secret,
            registration_access_token=token,
        )


@method_decorator([csrf_exempt, login_not_required], name="dispatch")
class ClientConfigurationView(_Endpoint):
    """Read, update or delete a registration with its registration access token (RFC 7592)."""

    http_method_names = ["get", "put", "delete"]

    def client(self, request: HttpRequest, client_id: str) -> Any:
        return registration.registered_client(client_id, _bearer(request))

    def get(self, request: HttpRequest, client_id: str) -> HttpResponse:
        application = self.client(request, client_id)
        token = registration.new_registration_access_token(application)
        metadata = registration.client_metadata_of(application)
        return _registered(request, application, metadata, 200, registration_access_token=token)

    def put(self, request: HttpRequest, client_id: str) -> HttpResponse:
        application = self.client(request, client_id)
        application, metadata = registration.update_registration(application, _json_body(request))
        token = registration.new_registration_access_token(application)
        return _registered(request, application, metadata, 200, registration_access_token=token)

    def delete(self, request: HttpRequest, client_id: str) -> HttpResponse:
        registration.delete_registration(self.client(request, client_id))
        response = HttpResponse(status=204)
        response["Cache-Control"] = "no-store"
        return response
