"""The userinfo endpoint (OpenID Connect Core §5.3): the claims of the access token's owner.

GET and POST (§5.3.1); the access token is read by the same rules as the resource
server's (``core/bearer.py``): a bearer token (RFC 6750) in the ``Authorization`` header,
in a form body only where ``ACCESS_TOKEN_IN_BODY`` allows it, in the URL query never; with
DPoP on, a DPoP-bound token as ``Authorization: DPoP`` with its proof (RFC 9449 §7).
Errors are RFC 6750 §3 (or RFC 9449 §7.1) challenges (§5.3.3). oauthlib's userinfo
endpoint does the rest, through django-oauth-toolkit's ``OAuthLibMixin``, with the
validator's hooks.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.compat import login_not_required
from oauth2_provider.views.mixins import OAuthLibMixin

from ...core import dpop
from ...core.bearer import challenge_for, presented_token
from ...core.claims import OPENID_SCOPE
from ...core.errors import (
    InsufficientScope,
    InvalidToken,
    MissingToken,
    OAuthError,
    TemporarilyUnavailable,
    json_response,
)
from ..oidc.validator import presented_with_dpop_key
from ..request_checks import parameter_problem, unparsable_problem
from .base import log_backing_service_error
from .openid import require_openid_connect

__all__ = ["UserInfoView"]


def _challenge(error: OAuthError) -> HttpResponse:
    challenge = challenge_for(error)
    if challenge:
        error.headers["WWW-Authenticate"] = challenge
    return error.as_response()


@method_decorator([csrf_exempt, login_not_required], name="dispatch")
class UserInfoView(OAuthLibMixin, View):
    """Answers with the claims the access token's scopes release, and ``sub``."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_openid_connect()
        if request.method not in ("GET", "POST"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        try:
            problem = (
                unparsable_problem(request)
                or parameter_problem(request.GET)
                or (parameter_problem(request.POST) if request.method == "POST" else None)
            )
            if problem is not None:
                raise problem
            presented = presented_token(request)
            if presented is None:
                raise MissingToken()
            scheme, value = presented
            if scheme == "dpop":
                return self.dpop_claims_response(request, value)
            return self.claims_response(request)
        except OAuthError as error:
            return _challenge(error)
        except DatabaseError as exc:
            log_backing_service_error(request, exc)
            return _challenge(TemporarilyUnavailable())

    def dpop_claims_response(self, request: HttpRequest, value: str) -> HttpResponse:
        try:
            proof = dpop.verify_resource_proof(request, value, "userinfo")
            # oauthlib reads Bearer tokens only; the proof is checked, the binding is the
            # validator's (validate_bearer_token).
            request.META["HTTP_AUTHORIZATION"] = f"Bearer {value}"
            with presented_with_dpop_key(proof.jkt):
                return self.claims_response(request)
        except OAuthError as refused:
            refused.dpop = True
            raise

    def claims_response(self, request: HttpRequest) -> HttpResponse:
        _, headers, body, status = self.create_userinfo_response(request)
        if status == 200:
            # Claims about a person: never stored by a cache (RFC 9111 §5.2.2.5).
            return json_response(json.loads(body))
        if status == 403:
            raise InsufficientScope([OPENID_SCOPE])
        raise InvalidToken()
