"""The partner travel app's pages: the home page, connecting to the hotel site (the
authorization code grant), the flow trace, refresh and disconnect. The pages of each role
are in ``partner.roles``, those of the other grants in ``partner.grants``, signing in with
OpenID Connect in ``partner.signin``."""

import requests
from demo.favicon import favicon_view
from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from oauthlib.oauth2 import OAuth2Error

from . import oauth
from .trace import AUTHORIZATION_CODE, Trace, request_text, response_text

TOKEN = "token"
# The username the API sees in the token (GET /api/me/), shown in the header.
WHO = "connected_as"
PENDING = "pending_authorization"
# The state of the last authorization response exchanged, to recognise a reload of it.
USED_STATE = "used_state"
USED_NEXT = "used_next"
TRACE = "trace"
# The verified sign-in with Hotel Booking (partner.signin), if the user signed in.
SIGNED_IN = "signed_in"
MESSAGE = "message"
# The trace keeps steps (A) to (D) and the latest exchanges after them.
LATEST_STEPS = 10
DEFAULT_SCOPES = ["bookings:read", "bookings:write"]
# The headers of the browser's request (B) shown in the trace; the rest are left out.
BROWSER_HEADERS = ("Host", "User-Agent", "Referer", "Cookie")
FAILURES = (OAuth2Error, oauth.AuthorizationFailed, requests.RequestException)
# Where a connection may lead once the token is in: a role's page (partner.roles.ROLES).
NEXT_PAGES = ("bookings", "hotel_desk", "manager_reports")

favicon = favicon_view("P", "#0f6b5c")


def load_trace(request) -> Trace:
    return Trace(request.session.get(TRACE), AUTHORIZATION_CODE)


def save_trace(request, trace: Trace) -> None:
    steps = trace.steps
    request.session[TRACE] = steps[:4] + steps[4:][-LATEST_STEPS:]


def flash(request, text: str) -> None:
    request.session[MESSAGE] = text


def page(request, template: str, status: int = 200, **context):
    context.setdefault("message", request.session.pop(MESSAGE, None))
    context.setdefault("connected", TOKEN in request.session)
    context.setdefault("connected_as", request.session.get(WHO))
    context.setdefault("signed_in_as", (request.session.get(SIGNED_IN) or {}).get("display"))
    context.setdefault("granted", (request.session.get(TOKEN) or {}).get("scope", []))
    return render(request, f"partner/{template}", context, status=status)


def failure_text(exc: Exception) -> str:
    """An OAuth error as ``error: description``; anything else as its message."""
    if isinstance(exc, OAuth2Error):
        return f"{exc.error}: {exc.description}" if exc.description else exc.error
    return str(exc)


def failure_hint(exc: Exception) -> str:
    """What to do about a refused authorization."""
    if not isinstance(exc, OAuth2Error) or exc.error != "access_denied":
        return ""
    if "may not grant" in (exc.description or ""):
        return (
            "Hotel Booking lets each user grant only the scopes of their role: hotel:manage is for "
            "hotel staff (sam), reports:read for managers (maria). Connect again and log in as one "
            "of them, or ask only for the bookings scopes."
        )
    return "You pressed Deny, or unticked every scope, on Hotel Booking's consent page."


def home(request):
    from .roles import ROLES

    return page(
        request,
        "home.html",
        scopes=settings.SCOPES,
        selected=DEFAULT_SCOPES,
        roles=ROLES.values(),
        authorization_server=settings.AUTHORIZATION_SERVER,
    )


@require_POST
def connect(request):
    """Step (A): send the owner to the authorization server."""
    scopes = [scope for scope in request.POST.getlist("scope") if scope in settings.SCOPES] or DEFAULT_SCOPES
    next_page = request.POST.get("next") if request.POST.get("next") in NEXT_PAGES else "bookings"
    try:
        url, pending = oauth.authorization_request(scopes, login=bool(request.POST.get("login")))
    except requests.RequestException as exc:
        flash(request, f"The hotel site did not answer: {exc}")
        return redirect("home")
    request.session[PENDING] = {**pending, "next": next_page}
    trace = Trace(flow=AUTHORIZATION_CODE)
    trace.add("A", response_text(302, "Found", [("Location", url)]))
    save_trace(request, trace)
    return redirect(url)


ALREADY_USED = (
    "This address was already used: the authorization code in it was exchanged for a token when "
    "you first arrived here, and a code works only once (RFC 6749 §4.1.2). Reloading the page "
    "does not connect again."
)


def callback(request):
    """Steps (B) to (D): the owner is back with a code (or an error); exchange it."""
    pending = request.session.pop(PENDING, None)
    if pending is None:
        return callback_without_pending(request)
    trace = load_trace(request)
    headers = [(name, value) for name, value in request.headers.items() if name in BROWSER_HEADERS]
    trace.add("B", request_text("GET", request.build_absolute_uri(), headers))
    try:
        token = oauth.exchange_code(request.build_absolute_uri(), pending, trace)
    except OAuth2Error as exc:
        # RFC 6749 §4.1.2.1: the authorization server's answer, readably.
        save_trace(request, trace)
        return page(
            request,
            "error.html",
            heading="Hotel Booking refused",
            error_code=exc.error,
            error=exc.description or "",
            hint=failure_hint(exc),
            status=400,
        )
    except FAILURES as exc:
        save_trace(request, trace)
        return page(request, "error.html", error=failure_text(exc), status=400)
    request.session[TOKEN] = token
    request.session[WHO] = connected_as(token)
    request.session[USED_STATE] = pending["state"]
    request.session[USED_NEXT] = pending.get("next", "bookings")
    save_trace(request, trace)
    return redirect(pending.get("next", "bookings"))


def callback_without_pending(request):
    """A callback with no authorization in progress: most often a reload of the page the last
    authorization came back to."""
    state = request.GET.get("state")
    if state and state == request.session.get(USED_STATE):
        if TOKEN in request.session:
            flash(request, f"{ALREADY_USED} The app is still connected.")
            return redirect(request.session.get(USED_NEXT) or "bookings")
        return page(
            request,
            "error.html",
            heading="Already used",
            error=f"{ALREADY_USED} The app has been disconnected since: connect again from the home page.",
        )
    return page(
        request,
        "error.html",
        error="No authorization is in progress: this address is the end of one that this browser "
        "did not start here, or started too long ago. Start again from the home page.",
        status=400,
    )


def connected_as(token: dict) -> str | None:
    """Who the API sees in the token (``GET /api/me/``), for the header; not part of the trace."""
    try:
        response = oauth.call_api(oauth.api_session(token, lambda token: None), "GET", "/me/")
    except FAILURES:
        return None
    return response.json().get("subject") if response.ok else None


def api(request, trace: Trace):
    """An OAuth2Session with the owner's token that stores refreshed tokens in the session."""

    def store(token):
        request.session[TOKEN] = token

    return oauth.api_session(request.session[TOKEN], store, trace)


def forget_token_if_refused(request, answer) -> None:
    """A token the API no longer accepts (401, RFC 6750 §3.1 invalid_token) is dropped."""
    if answer.status == 401:
        request.session.pop(TOKEN, None)
        request.session.pop(WHO, None)


@require_POST
def refresh(request):
    """Steps (G) and (H): trade the refresh token for new tokens now."""
    next_page = request.POST.get("next") if request.POST.get("next") in NEXT_PAGES else "bookings"
    if TOKEN not in request.session:
        return redirect(next_page)
    trace = load_trace(request)
    try:
        request.session[TOKEN] = oauth.refresh(api(request, trace))
        flash(request, "New access and refresh tokens.")
    except FAILURES as exc:
        request.session.pop(TOKEN, None)
        flash(request, f"The refresh failed: {failure_text(exc)}. Connect again.")
    save_trace(request, trace)
    return redirect(next_page)


@require_POST
def disconnect(request):
    """Revoke the refresh token (RFC 7009), which ends its access tokens too, and forget both."""
    token = request.session.pop(TOKEN, None)
    request.session.pop(WHO, None)
    if token:
        trace = load_trace(request)
        try:
            oauth.revoke(token["refresh_token"], "refresh_token", trace=trace)
            flash(request, "Disconnected: the hotel site revoked the tokens.")
        except requests.RequestException as exc:
            flash(request, f"The revocation failed: {exc}")
        save_trace(request, trace)
    return redirect("home")


def trace(request):
    """The flow trace of the last authorization."""
    return page(request, "trace.html", flow=AUTHORIZATION_CODE, steps=load_trace(request).steps)
