"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): a client sends the owner
here to end their session at this server, then gets them back.

The request (GET or POST, §2) may carry ``id_token_hint``, ``client_id``,
``post_logout_redirect_uri`` and ``state``. The hint must be an ID token this server
signed (expired ones are fine: §2 says so), for the client named. The owner is logged out
at once when the hint names them; otherwise they are asked first (§2: the OP must ask when
it cannot tell the request comes from the owner's own client). The client's tokens for the
owner are revoked with the session (through ``storage/revocation.py``); other clients'
are left alone. The owner goes back to ``post_logout_redirect_uri`` only when it is
registered for the client, exactly (§3); else a page says they are logged out.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from oauth2_provider.compat import login_not_required
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import get_application_model

from ...core.errors import InvalidRequest, OAuthError, TemporarilyUnavailable
from ...core.issuer import issuer
from ...core.redirect_uris import redirect_schemes, with_response_parameter
from ...storage.revocation import revoke_client_tokens
from ..oidc.id_tokens import verify_id_token_hint
from ..oidc.subjects import subject_for
from ..request_checks import parameter_problem, unparsable_problem
from .base import log_backing_service_error
from .framing import deny_framing
from .openid import require_openid_connect
from .pages import error_page

__all__ = ["EndSessionView", "LogoutRequest"]

CONFIRM_TEMPLATE = "oauth_provider/logout.html"
DONE_TEMPLATE = "oauth_provider/logged_out.html"
#: The confirmation form's button; its presence tells the owner's answer from a client's POST.
CONFIRM_FIELD = "confirm"


class LogoutRequest:
    """A validated logout request: the client (if named), whether the hint names the
    logged-in owner, and where to go afterwards."""

    def __init__(self, request: HttpRequest, params: QueryDict) -> None:
        self.params = {
            name: params.get(name, "")
            for name in ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")
        }
        self.application: Any = None
        self.hint_names_owner = False
        self._validate(request)

    def _validate(self, request: HttpRequest) -> None:
        hint, client_id = self.params["id_token_hint"], self.params["client_id"]
        audiences: list[str] = []
        claims: dict[str, Any] = {}
        if hint:
            verified = verify_id_token_hint(hint, issuer(request))
            if verified is None:
                raise InvalidRequest("The id_token_hint is not an ID token this server issued.")
            claims = verified
            audience = claims.get("aud")
            audiences = [value for value in (audience if isinstance(audience, list) else [audience]) if value]
            if client_id and client_id not in audiences:
                raise InvalidRequest("The id_token_hint was not issued to client_id.")
            client_id = client_id or (audiences[0] if audiences else "")
        if client_id:
            application = get_application_model().objects.filter(client_id=client_id).first()
            if application is None or not application.is_active:
                raise InvalidRequest("Unknown client.")
            self.application = application
        if hint and self.application is not None and request.user.is_authenticated:
            self.hint_names_owner = claims.get("sub") == subject_for(request.user, self.application)
        uri = self.params["post_logout_redirect_uri"]
        if uri and (self.application is None or not self.application.post_logout_redirect_uri_allowed(uri)):
            # §3: only a URI registered for the client, which the request must identify.
            raise InvalidRequest("post_logout_redirect_uri is not registered for this client.")


@method_decorator([deny_framing, never_cache, login_not_required, csrf_exempt], name="dispatch")
class EndSessionView(View):
    """The end-session endpoint (``end_session_endpoint`` in the metadata)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_openid_connect()
        if request.method not in ("GET", "POST"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        params = request.POST if request.method == "POST" else request.GET
        problem = unparsable_problem(request) or parameter_problem(request.GET) or parameter_problem(params)
        if problem is not None:
            return error_page(request, problem)
        try:
            logout_request = LogoutRequest(request, params)
            if request.method == "POST" and CONFIRM_FIELD in params:
                # The owner's answer on the confirmation page: a form of this site's own.
                return csrf_protect(lambda request: self.confirmed(request, logout_request))(request)
            if request.user.is_authenticated and not logout_request.hint_names_owner:
                return self.ask(request, logout_request)
            return self.log_out(request, logout_request)
        except OAuthError as error:
            return error_page(request, error)
        except DatabaseError as exc:
            log_backing_service_error(request, exc)
            return error_page(request, TemporarilyUnavailable())

    def ask(self, request: HttpRequest, logout_request: LogoutRequest) -> HttpResponse:
        context = {"application": logout_request.application, "params": logout_request.params}
        return render(request, CONFIRM_TEMPLATE, context)

    def confirmed(self, request: HttpRequest, logout_request: LogoutRequest) -> HttpResponse:
        if request.POST.get(CONFIRM_FIELD) != "yes":
            return render(request, DONE_TEMPLATE, {"logged_out": False})
        return self.log_out(request, logout_request)

    def log_out(self, request: HttpRequest, logout_request: LogoutRequest) -> HttpResponse:
        application = logout_request.application
        if request.user.is_authenticated and application is not None:
            revoke_client_tokens(application, user=request.user)
        logout(request)
        uri = logout_request.params["post_logout_redirect_uri"]
        if not uri:
            return render(request, DONE_TEMPLATE, {"logged_out": True, "application": application})
        state = logout_request.params["state"]
        if state:
            uri = with_response_parameter(uri, "state", state)
        return OAuth2ResponseRedirect(uri, redirect_schemes())
