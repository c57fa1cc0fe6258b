"""The device authorization grant's endpoints (RFC 8628): the device authorization endpoint
(§3.1, §3.2) and the verification page where the owner enters the user code (§3.3).

The token request (§3.4) is the token endpoint's, through oauthlib's ``DeviceCodeGrant``
and the validator. Both endpoints answer 404 while ``GRANT_TYPES`` leaves the grant out.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import errors as oauthlib_errors

from ...core.errors import InvalidClient, TemporarilyUnavailable, UnauthorizedClient, json_response
from ...core.grant_types import GrantType
from ...core.issuer import absolute_url
from ...core.scopes import known_scopes, parse_scope
from ...settings import provider_settings
from .. import throttling
from ..consent import owner_refusal, record_consent, scopes_refused_to
from ..device import authorizations, codes, device_grant_enabled
from ..forms import APPROVED_SCOPES_FIELD, DeviceConsentForm
from ..oauthlib_server import without_empty_parameters
from .authorize import consent_form_problem, web_url
from .base import FormPostEndpoint, log_backing_service_error, oauthlib_response, peek_client_id
from .framing import deny_framing, page_context
from .pages import error_page, parse_then_protect

__all__ = ["DeviceAuthorizationView", "DeviceVerificationView", "device_consent_context"]

WRONG_CODE = "That code is not valid, was already used, or has expired. Check the code on your device."
NOTHING_APPROVED = "You approved none of the requested permissions, so the device was denied."


class DeviceAuthorizationView(FormPostEndpoint):
    """RFC 8628 §3.1: the device asks for a device code and a user code."""

    endpoint = "device_authorization"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not device_grant_enabled():
            raise Http404("The device grant is off.")
        return super().dispatch(request, *args, **kwargs)

    def handle(self, request: HttpRequest) -> HttpResponse:
        core = self.get_oauthlib_core()
        uri, method, body, headers = core._extract_params(request)
        uri, body = without_empty_parameters(uri, body)
        oauthlib_request = Request(uri, method, body, headers)
        # A client that authenticates with HTTP Basic names itself there (RFC 6749 §2.3.1).
        oauthlib_request.client_id = oauthlib_request.client_id or peek_client_id(request)
        try:
            core.server.device_code_grant.validate_device_authorization_request(oauthlib_request)
        except oauthlib_errors.InvalidClientIdError as error:
            # RFC 8628 §3.1 applies RFC 6749 §3.2.1: an unknown client fails authentication.
            raise InvalidClient("Unknown or inactive client.") from error
        except oauthlib_errors.OAuth2Error as error:
            return oauthlib_response(error.json, error.status_code, dict(error.headers))
        client = oauthlib_request.client
        if not client.has_grant_type(GrantType.DEVICE_CODE):
            raise UnauthorizedClient("This client is not registered for the device grant (RFC 8628).")
        started = authorizations.start(client, list(oauthlib_request.scopes or []))
        verification_uri = absolute_url(request, reverse("oauth_provider:device"))
        shown = codes.format_user_code(started.user_code)
        return json_response(
            {
                "device_code": started.device_code,
                "user_code": shown,
                "verification_uri": verification_uri,
                # RFC 8628 §3.3.1; the owner still confirms the code on the page (§5.4).
                "verification_uri_complete": f"{verification_uri}?user_code={shown}",
                "expires_in": int(provider_settings.DEVICE_CODE_EXPIRE_SECONDS),
                "interval": started.row.interval,
            }
        )


def device_consent_context(row: Any, form: DeviceConsentForm) -> dict[str, Any]:
    """The consent page's context for a device authorization: the same page, client and
    scope list as the authorization code grant's."""
    application = row.application
    descriptions = known_scopes()
    return {
        **page_context(),
        "form": form,
        "application": application,
        "logo_url": web_url(application.logo_url),
        "homepage_url": web_url(application.homepage_url),
        "scopes": [
            {"name": name, "description": descriptions.get(name, name), "new": True}
            for name in row.requested_scope_list
        ],
        "has_previous_consent": False,
        "device": True,
    }


@method_decorator([deny_framing, never_cache], name="dispatch")
class DeviceVerificationView(View):
    """RFC 8628 §3.3: the logged-in owner enters the user code, then approves or denies the
    client and scopes on the consent page. Wrong codes count towards a lockout per owner
    and per address (§5.1)."""

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return parse_then_protect(super().as_view(**initkwargs))  # type: ignore[arg-type]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not device_grant_enabled():
            raise Http404("The device grant is off.")
        if not request.user.is_authenticated:
            login_url = provider_settings.LOGIN_URL or settings.LOGIN_URL
            return redirect_to_login(request.get_full_path(), resolve_url(login_url))
        problem = consent_form_problem(request.POST) if request.method == "POST" else None
        if problem is not None:
            return error_page(request, problem)
        try:
            return super().dispatch(request, *args, **kwargs)
        except (DatabaseError, throttling.CacheUnavailable) as exc:
            log_backing_service_error(request, exc)
            return error_page(request, TemporarilyUnavailable())

    def page(self, status: int = 200, **context: Any) -> HttpResponse:
        context = {**page_context(), **context}
        return render(self.request, provider_settings.DEVICE_TEMPLATE, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        # The code from verification_uri_complete only fills the field: the owner still
        # presses the button after comparing it with the device's (RFC 8628 §5.4).
        typed = request.GET.get("user_code", "")
        return self.page(user_code=typed[:16] if codes.normalize_user_code(typed) else "")

    def post(self, request: HttpRequest) -> HttpResponse:
        address = throttling.client_ip(request)
        owner = str(request.user.pk)
        limited = throttling.check_user_code_entry(address, owner)
        if limited is not None:
            response = self.page(status=429, error=limited.reason)
            response["Retry-After"] = str(limited.retry_after)
            return response
        typed = request.POST.get("user_code", "")
        row = authorizations.find_pending(typed)
        if row is None:
            throttling.record_user_code_failure(address, owner)
            return self.page(status=400, error=WRONG_CODE)
        if request.POST.get("step") != "decide":
            form = DeviceConsentForm(
                initial={"user_code": typed, "scope": row.requested_scope, "step": "decide"}
            )
            return render(request, provider_settings.AUTHORIZE_TEMPLATE, device_consent_context(row, form))
        return self.decide(row)

    def decide(self, row: Any) -> HttpResponse:
        form = DeviceConsentForm(self.request.POST)
        if not form.is_valid():
            return self.page(status=400, error="The form is incomplete; enter the code again.")
        data = form.cleaned_data
        user = self.request.user
        # The scopes are the ones the device asked for, as stored: a tampered hidden field
        # cannot widen them (ConsentForm keeps only requested scopes that stayed ticked).
        requested = row.requested_scope_list
        approved = [scope for scope in data[APPROVED_SCOPES_FIELD] if scope in requested]
        if parse_scope(data.get("scope")) != requested:
            return self.page(status=400, error="The form does not match this request; enter the code again.")
        refused = scopes_refused_to(user, row.application, approved)
        if not data.get("allow") or refused or (requested and not approved):
            authorizations.decide(row, user, None)
            message = owner_refusal(refused) if refused else NOTHING_APPROVED if data.get("allow") else ""
            return self.page(done="denied", application=row.application, error=message)
        if not authorizations.decide(row, user, approved):
            return self.page(status=400, error="This code was already used or has expired.")
        record_consent(user, row.application, approved)
        return self.page(done="approved", application=row.application)
