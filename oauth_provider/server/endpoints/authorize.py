"""The authorization endpoint (RFC 6749 §3.1, §4.1.1, §4.2.1) with stored consent.

The owner logs in through the site's login view, then sees the consent page, unless
they already approved this client for these scopes (or more) and did not revoke it.
On the page every requested scope is a ticked checkbox; the owner may untick any of
them, and the code or token then carries only the scopes left ticked (RFC 6749 §3.3
lets the server grant less than was asked). Unticking every scope is a refusal:
``access_denied``, as if the owner had pressed "Deny".
Errors go back to the client only once the client and its redirect URI are known to
match (RFC 6749 §4.1.2.1); otherwise the owner sees an error page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.request import QueryDict as MutableQuery
from django.shortcuts import resolve_url
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.scopes import get_scopes_backend
from oauth2_provider.views.base import AuthorizationView as DOTAuthorizationView
from oauth2_provider.views.base import BaseAuthorizationView
from oauthlib.oauth2.rfc6749 import errors as oauthlib_errors

from ...core.authentication_request import (
    AuthenticationRequestError,
    login_is_fresh,
    parse_max_age,
    parse_prompt,
)
from ...core.claims import OPENID_SCOPE
from ...core.errors import (
    InvalidRequest,
    InvalidRequestUri,
    OAuthError,
    TemporarilyUnavailable,
    TooManyRequests,
    default_description,
)
from ...core.issuer import issuer
from ...core.redirect_uris import redirect_schemes, response_parameters, with_response_parameter
from ...core.scopes import known_scopes, parse_scope
from ...settings import provider_settings
from ...storage.models import Consent, PushedAuthorizationRequest
from ...storage.revocation import withdraw_consent
from .. import client_authentication, throttling
from ..consent import (
    consent_covers,
    owner_refusal,
    owner_share,
    record_consent,
    scopes_refused_to,
    skips_consent,
)
from ..forms import APPROVED_SCOPES_FIELD, ConsentForm
from ..login import ask_for_fresh_login, login_time, needs_fresh_login
from ..oidc.nonces import nonce_problem
from ..par import consume, par_enabled, par_required, parameters_of, pushed_request
from ..request_checks import parameter_problem, unparsable_problem
from .base import log_backing_service_error
from .framing import deny_framing, page_context
from .pages import error_page, parse_then_protect

__all__ = ["AuthorizationView", "consent_form_problem", "web_url"]

log = logging.getLogger("oauth_provider")

CREDENTIAL_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
)

NOTHING_APPROVED = "The resource owner approved none of the requested scopes."


def consent_form_problem(params: QueryDict) -> OAuthError | None:
    """:func:`parameter_problem` for a consent form POST, whose scope checkboxes share a name."""
    others = params.copy()
    ticked = others.pop(APPROVED_SCOPES_FIELD, [])
    problem = parameter_problem(others)
    for value in ticked:
        if problem is not None:
            break
        single = QueryDict(mutable=True)
        single[APPROVED_SCOPES_FIELD] = value
        problem = parameter_problem(single)
    return problem


def web_url(value: str | None) -> str:
    """``value`` if it is an absolute http(s) URL, else ``""``: nothing else goes in an href or src."""
    try:
        parts = urlsplit(value or "")
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return value or ""


@method_decorator([deny_framing, never_cache], name="dispatch")
class AuthorizationView(DOTAuthorizationView):
    """Validates the request, asks for (or reuses) consent, and redirects with a code or token."""

    form_class = ConsentForm

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return parse_then_protect(super().as_view(**initkwargs))

    def get_template_names(self) -> list[str]:
        return [provider_settings.AUTHORIZE_TEMPLATE]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**page_context(), **super().get_context_data(**kwargs)}

    def get_initial(self) -> dict[str, Any]:
        initial = {key: value for key, value in self.oauth2_data.items() if key != "scope"}
        initial["scope"] = " ".join(self.oauth2_data.get("scope", []))
        return initial

    def get_login_url(self) -> str:
        return provider_settings.LOGIN_URL or settings.LOGIN_URL

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = (
            unparsable_problem(request)
            or parameter_problem(request.GET)
            or (consent_form_problem(request.POST) if request.method == "POST" else None)
        )
        if problem is not None:
            return self.error_page(problem)
        try:
            params = request.POST if request.method == "POST" else request.GET
            subjects = throttling.Subjects(throttling.client_ip(request), params.get("client_id", ""))
            limited = throttling.check("authorize", subjects)
            if limited is not None:
                response = self.error_page(TooManyRequests(limited.reason, limited.retry_after))
                response["Retry-After"] = str(max(1, limited.retry_after))
                return response
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        except (DatabaseError, throttling.CacheUnavailable) as exc:
            log_backing_service_error(request, exc)
            return self.error_page(TemporarilyUnavailable())

    # -- responses ---------------------------------------------------------------

    def error_page(self, error: OAuthError) -> HttpResponse:
        """An error shown to the owner; used whenever the redirect URI cannot be trusted."""
        return error_page(self.request, error)

    def error_response(self, error: OAuthToolkitError, application: Any, **kwargs: Any) -> HttpResponse:
        oauthlib_error = error.oauthlib_error
        if not oauthlib_error.description:
            oauthlib_error.description = default_description(oauthlib_error.error)
        redirect, response = super(BaseAuthorizationView, self).error_response(error, **kwargs)
        if redirect and oauthlib_error.redirect_uri:
            url = response["url"]
            params = self.request.POST if self.request.method == "POST" else self.request.GET
            if params.get("response_type") == "token":
                # RFC 6749 §4.2.2.1: implicit errors travel in the fragment.
                url = f"{oauthlib_error.redirect_uri}#{oauthlib_error.urlencoded}"
            return self.redirect(url, application)
        page_error = InvalidRequest(oauthlib_error.description)
        page_error.error = oauthlib_error.error  # type: ignore[misc]
        return self.error_page(page_error)

    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        # RFC 9207: every authorization response, errors included, names the issuer.
        params = response_parameters(redirect_to)
        if "error" in params and not params.get("error_description"):
            description = default_description(params["error"])
            redirect_to = with_response_parameter(redirect_to, "error_description", description)
        redirect_to = with_response_parameter(redirect_to, "iss", issuer(self.request))
        # The URI was matched against the client's registered ones before we got here.
        return OAuth2ResponseRedirect(redirect_to, redirect_schemes())

    # -- pushed authorization requests (RFC 9126) ---------------------------------

    #: The pushed request a ``request_uri`` stands for, while one is being served.
    pushed: PushedAuthorizationRequest | None = None
    #: The query string the browser sent, when it was replaced by a pushed request's.
    original_query: str | None = None

    def with_pushed_request(self, request: HttpRequest, run: Callable[[], HttpResponse]) -> HttpResponse:
        """Run ``run`` on the pushed request's parameters when the query names a
        ``request_uri`` (RFC 9126 §4: every other parameter but ``client_id`` is ignored),
        or refuse a client that must push its requests and did not (§5)."""
        if not par_enabled():
            return run()
        client_id = request.GET.get("client_id")
        if "request_uri" not in request.GET:
            if par_required(client_authentication.load_client(client_id or "")):
                return self.error_page(
                    InvalidRequest("This client must push its authorization requests first (RFC 9126 §5).")
                )
            return run()
        row = pushed_request(client_id, request.GET.get("request_uri"))
        if row is None:
            return self.error_page(InvalidRequestUri())
        self.pushed, self.original_query = row, request.META.get("QUERY_STRING", "")
        original_get = request.GET
        parameters = parameters_of(row)
        request.GET, request.META["QUERY_STRING"] = parameters, parameters.urlencode()  # type: ignore[assignment]
        try:
            return run()
        finally:
            request.GET, request.META["QUERY_STRING"] = original_get, self.original_query

    def spend_pushed_request(self) -> HttpResponse | None:
        """The owner's decision spends the pushed request: at most one response per
        request_uri. An error page if another request spent it first."""
        if self.pushed is not None and not consume(self.pushed):
            return self.error_page(InvalidRequestUri())
        return None

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.with_pushed_request(
            request, lambda: super(AuthorizationView, self).post(request, *args, **kwargs)
        )

    # -- GET: validate, then consent page or stored consent ------------------------

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.with_pushed_request(request, lambda: self.handle_get(request))

    def handle_get(self, request: HttpRequest) -> HttpResponse:
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = credentials["request"].client
        prompt = set(request.GET.get("prompt", "").split())
        max_age = None
        if self.is_openid_request(scopes):
            try:
                prompt = set(parse_prompt(request.GET.get("prompt")))
                max_age = parse_max_age(request.GET.get("max_age"))
            except AuthenticationRequestError as exc:
                return self.redirect_error(
                    oauthlib_errors.InvalidRequestError(description=str(exc)), credentials
                )
            problem = nonce_problem(application, credentials.get("nonce"))
            if problem:
                return self.redirect_error(
                    oauthlib_errors.InvalidRequestError(description=problem), credentials
                )
        if "login" in prompt:
            # OpenID Connect Core §3.1.2.1: the owner must log in again, even though the
            # session is logged in; the request goes on, without the prompt, after that.
            ask_for_fresh_login(request)
            return self.login_again(without=("prompt", "max_age"))
        fresh = login_is_fresh(login_time(request), max_age, time.time())
        if self.is_openid_request(scopes) and "none" in prompt and (not fresh or needs_fresh_login(request)):
            # OpenID Connect Core §3.1.2.1: no login page for prompt=none; an error instead.
            return self.redirect_error(oauthlib_errors.LoginRequired(), credentials)
        if needs_fresh_login(request):
            return self.login_again()
        if not fresh:
            # OpenID Connect Core §3.1.2.1: past max_age the owner must log in again.
            ask_for_fresh_login(request)
            return self.login_again(without=("prompt", "max_age"))
        explicit = bool(parse_scope(request.GET.get("scope")))
        scopes, refused = owner_share(request.user, application, scopes, explicit)
        if refused:
            # The site's policy, before any consent is asked for or reused.
            denied = oauthlib_errors.AccessDeniedError(
                state=credentials.get("state"), description=owner_refusal(refused)
            )
            wrapped = OAuthToolkitError(error=denied, redirect_uri=credentials["redirect_uri"])
            return self.error_response(wrapped, application)
        if skips_consent(application, scopes) or (
            "consent" not in prompt and consent_covers(request.user, application, scopes)
        ):
            return self.approve(" ".join(scopes), credentials, application, decided=False)
        if "none" in prompt:
            return self.redirect_error(oauthlib_errors.ConsentRequired(), credentials)
        self.oauth2_data = {key: credentials.get(key) for key in CREDENTIAL_FIELDS}
        self.oauth2_data["scope"] = scopes
        context = self.consent_context(application, scopes)
        # RFC 8707: the resource servers the token will be for.
        context["resources"] = credentials.get("resources") or []
        return self.render_to_response(self.get_context_data(**context))

    def login_again(self, without: tuple[str, ...] = ()) -> HttpResponse:
        """The login page, then back to this request, less the parameters ``without``
        (a new login answers ``prompt=login`` and ``max_age``; asking again would loop)."""
        # A pushed request comes back by its request_uri, never with its parameters.
        query_string = self.original_query if self.pushed is not None else None
        query = MutableQuery(query_string or self.request.META.get("QUERY_STRING", ""), mutable=True)
        for name in without:
            query.pop(name, None)
        path = self.request.path + ("?" + query.urlencode() if query else "")
        return redirect_to_login(path, resolve_url(self.get_login_url()), self.get_redirect_field_name())

    def is_openid_request(self, scopes: list[str]) -> bool:
        """An OpenID Connect authentication request (OpenID Connect Core §3.1.2.1)."""
        return bool(provider_settings.OIDC_ENABLED) and OPENID_SCOPE in scopes

    def redirect_error(self, error: oauthlib_errors.OAuth2Error, credentials: dict[str, Any]) -> HttpResponse:
        """``error`` sent back to the client: its redirect URI was checked by the validation."""
        error.state = credentials.get("state")
        wrapped = OAuthToolkitError(error=error, redirect_uri=credentials["redirect_uri"])
        return self.error_response(wrapped, credentials["request"].client)

    def consent_context(self, application: Any, scopes: list[str]) -> dict[str, Any]:
        descriptions = known_scopes()
        previous = Consent.objects.filter(
            user=self.request.user, application=application, revoked__isnull=True
        ).first()
        granted = set(previous.scope_list) if previous else set()
        return {
            "application": application,
            # The client's own URLs, shown only if they are plain web URLs.
            "logo_url": web_url(application.logo_url),
            "homepage_url": web_url(application.homepage_url),
            "scopes": [
                {"name": name, "description": descriptions.get(name, name), "new": name not in granted}
                for name in scopes
            ],
            "has_previous_consent": previous is not None,
            # A client metadata document's client: the domain that vouches for it, shown prominently.
            "client_domain": urlsplit(application.client_id).hostname
            if application.registration_source == "cimd"
            else "",
        }

    def approve(
        self, scopes: str, credentials: dict[str, Any], application: Any, *, decided: bool
    ) -> HttpResponse:
        """Issue the code or token. ``decided``: the owner chose ``scopes`` on the consent
        page, and the stored consent becomes exactly that; otherwise a stored consent
        covered the request, or the client skips consent (then the stored one grows)."""
        # RFC 6749 §4.1.3: the token request must repeat redirect_uri only if this request had one.
        credentials["redirect_uri_given"] = "redirect_uri" in self.request.GET
        # OpenID Connect Core §2: the ID token's auth_time.
        credentials["auth_time"] = login_time(self.request)
        if self.is_openid_request(parse_scope(scopes)):
            problem = nonce_problem(application, self.request.GET.get("nonce"))
            if problem:
                error = oauthlib_errors.InvalidRequestError(
                    description=problem, state=credentials.get("state")
                )
                return self.error_response(
                    OAuthToolkitError(error=error, redirect_uri=credentials["redirect_uri"]), application
                )
        spent = self.spend_pushed_request()
        if spent is not None:
            return spent
        try:
            uri, _, _, _ = self.create_authorization_response(
                request=self.request, scopes=scopes, credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        # oauthlib answers late errors (e.g. a tampered consent form) with an error redirect.
        if "error" not in response_parameters(uri) and (
            decided or skips_consent(application, parse_scope(scopes))
        ):
            record_consent(self.request.user, application, parse_scope(scopes), replace=decided)
        return self.redirect(uri, application)

    # -- POST: the owner's decision ------------------------------------------------

    def form_valid(self, form: ConsentForm) -> HttpResponse:
        if self.pushed is not None:
            # RFC 9126: the request is the pushed one, validated again; the form's hidden
            # fields are not trusted, only the owner's ticks and decision.
            uri = self.request.build_absolute_uri(self.request.path) + "?" + self.request.META["QUERY_STRING"]
            try:
                # The query alone: the form's fields are not part of the request.
                server = self.get_oauthlib_core().server
                scopes, credentials = server.validate_authorization_request(uri, "GET", None, {})
            except oauthlib_errors.OAuth2Error as error:
                return self.error_page(InvalidRequest(error.description or default_description(error.error)))
            data = form.cleaned_data
            for key in CREDENTIAL_FIELDS:
                data[key] = credentials.get(key) or ""
            data["scope"] = " ".join(scopes)
            data[APPROVED_SCOPES_FIELD] = [name for name in data[APPROVED_SCOPES_FIELD] if name in scopes]
        return self.decide(form)

    def decide(self, form: ConsentForm) -> HttpResponse:
        """The owner's decision on the consent form."""
        from oauth2_provider.models import get_application_model

        data = form.cleaned_data
        application = get_application_model().objects.filter(client_id=data["client_id"]).first()
        # Check the client and redirect URI before anything can redirect (docs/security.rst,
        # policy item 1).
        if (
            application is None
            or not application.is_active
            or not application.redirect_uri_allowed(data["redirect_uri"])
        ):
            return self.error_page(InvalidRequest("Unknown client or unregistered redirect URI."))
        credentials = {key: data.get(key) for key in CREDENTIAL_FIELDS if data.get(key)}
        credentials["redirect_uri"] = data["redirect_uri"]
        credentials["state"] = data.get("state") or None
        if not data.get("allow"):
            # The owner's last word: the next request asks again.
            withdraw_consent(self.request.user, application)
            return self.refuse(
                oauthlib_errors.AccessDeniedError(state=credentials["state"]), data, application
            )
        requested = parse_scope(data.get("scope"))
        approved = data[APPROVED_SCOPES_FIELD]
        available = set(
            get_scopes_backend().get_available_scopes(application=application, request=self.request)
        )
        if not set(requested) <= available:
            # The hidden field was widened past what this client may have: refuse, never narrow.
            error = oauthlib_errors.InvalidScopeError(state=credentials["state"])
            return self.refuse(error, data, application)
        refused = scopes_refused_to(self.request.user, application, approved)
        if refused:
            error = oauthlib_errors.AccessDeniedError(
                state=credentials["state"], description=owner_refusal(refused)
            )
            return self.refuse(error, data, application)
        if not approved and (requested or self.fallback_scopes(application)):
            withdraw_consent(self.request.user, application)
            error = oauthlib_errors.AccessDeniedError(
                state=credentials["state"], description=NOTHING_APPROVED
            )
            return self.refuse(error, data, application)
        return self.approve(" ".join(approved), credentials, application, decided=True)

    def refuse(
        self, error: oauthlib_errors.OAuth2Error, data: dict[str, Any], application: Any
    ) -> HttpResponse:
        """An error redirect for a consent form whose client and redirect URI were checked."""
        spent = self.spend_pushed_request()
        if spent is not None:
            return spent
        return self.error_response(
            OAuthToolkitError(error=error, redirect_uri=data["redirect_uri"]), application
        )

    def fallback_scopes(self, application: Any) -> list[str]:
        """What oauthlib grants when handed no scopes: the query's ``scope``, else the defaults."""
        return parse_scope(self.request.GET.get("scope")) or list(
            get_scopes_backend().get_default_scopes(application=application, request=self.request)
        )

    def form_invalid(self, form: ConsentForm) -> HttpResponse:
        return self.error_page(
            InvalidRequest("The consent form is incomplete; start the authorization again.")
        )
