"""The partner travel app's pages: connect to the hotel site, the guest's bookings, the flow
trace, the reports service (client credentials) and the legacy implicit page."""

from datetime import date, timedelta

import requests
from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from oauthlib.oauth2 import OAuth2Error

from . import oauth
from .trace import Trace, request_text, response_text

TOKEN = "token"
PENDING = "pending_authorization"
TRACE = "trace"
MESSAGE = "message"
# The trace keeps steps (A) to (D) and the latest exchanges after them.
LATEST_STEPS = 10
DEFAULT_SCOPES = ["bookings:read", "bookings:write"]
# The headers of the browser's request (B) shown in the trace; the rest are left out.
BROWSER_HEADERS = ("Host", "User-Agent", "Referer", "Cookie")
FAILURES = (OAuth2Error, oauth.AuthorizationFailed, requests.RequestException)


def load_trace(request) -> Trace:
    return Trace(request.session.get(TRACE))


def save_trace(request, trace: Trace) -> None:
    steps = trace.steps
    request.session[TRACE] = steps[:4] + steps[4:][-LATEST_STEPS:]


def flash(request, text: str) -> None:
    request.session[MESSAGE] = text


def page(request, template: str, status: int = 200, **context):
    context.setdefault("message", request.session.pop(MESSAGE, None))
    context.setdefault("connected", TOKEN in request.session)
    return render(request, f"partner/{template}", context, status=status)


def failure_text(exc: Exception) -> str:
    if isinstance(exc, OAuth2Error):
        return f"{exc.error}: {exc.description}" if exc.description else exc.error
    return str(exc)


def home(request):
    token = request.session.get(TOKEN)
    return page(
        request,
        "home.html",
        scopes=settings.SCOPES,
        selected=DEFAULT_SCOPES,
        granted=token.get("scope", []) if token else [],
        authorization_server=settings.AUTHORIZATION_SERVER,
    )


@require_POST
def connect(request):
    """Step (A): send the owner to the authorization server."""
    scopes = [scope for scope in request.POST.getlist("scope") if scope in settings.SCOPES] or DEFAULT_SCOPES
    try:
        url, pending = oauth.authorization_request(scopes)
    except requests.RequestException as exc:
        flash(request, f"The hotel site did not answer: {exc}")
        return redirect("home")
    request.session[PENDING] = pending
    trace = Trace()
    trace.add("A", response_text(302, "Found", [("Location", url)]))
    save_trace(request, trace)
    return redirect(url)


def callback(request):
    """Steps (B) to (D): the owner is back with a code (or an error); exchange it."""
    pending = request.session.pop(PENDING, None)
    trace = load_trace(request)
    headers = [(name, value) for name, value in request.headers.items() if name in BROWSER_HEADERS]
    trace.add("B", request_text("GET", request.build_absolute_uri(), headers))
    try:
        if pending is None:
            raise oauth.AuthorizationFailed(
                "No authorization is in progress: start again from the home page."
            )
        token = oauth.exchange_code(request.build_absolute_uri(), pending, trace)
    except FAILURES as exc:
        save_trace(request, trace)
        return page(request, "error.html", error=failure_text(exc), status=400)
    request.session[TOKEN] = token
    save_trace(request, trace)
    return redirect("bookings")


def api(request, trace: Trace):
    """An OAuth2Session with the owner's token that stores refreshed tokens in the session."""

    def store(token):
        request.session[TOKEN] = token

    return oauth.api_session(request.session[TOKEN], store, trace)


def api_failure(request, response) -> str:
    """A message for an API refusal; a token the server no longer accepts is dropped."""
    if response.status_code == 401:
        request.session.pop(TOKEN, None)
        return "The hotel site no longer accepts the token (revoked or expired). Connect again."
    try:
        detail = response.json()
    except ValueError:
        detail = response.text[:200]
    return f"The API answered {response.status_code}: {detail}"


def bookings(request):
    """Steps (E) and (F): the guest's bookings from the hotel API."""
    if TOKEN not in request.session:
        return redirect("home")
    trace = load_trace(request)
    context = {"token": request.session[TOKEN]}
    try:
        response = oauth.call_api(api(request, trace), "GET", "/bookings/")
        hotels = requests.get(f"{settings.API_URL}/hotels/", timeout=oauth.TIMEOUT).json()
    except FAILURES as exc:
        context["error"] = failure_text(exc)
    else:
        if response.ok:
            context["bookings"] = response.json()
        else:
            context["error"] = api_failure(request, response)
        context["rooms"] = [(hotel, room) for hotel in hotels for room in hotel["rooms"]]
    save_trace(request, trace)
    context["token"] = request.session.get(TOKEN)
    context["check_in"] = date.today() + timedelta(days=60)
    return page(request, "bookings.html", **context)


def change_bookings(request, method: str, path: str, done: str, **kwargs):
    if TOKEN not in request.session:
        return redirect("home")
    trace = load_trace(request)
    try:
        response = oauth.call_api(api(request, trace), method, path, **kwargs)
    except FAILURES as exc:
        flash(request, failure_text(exc))
    else:
        flash(request, done if response.ok else api_failure(request, response))
    save_trace(request, trace)
    return redirect("bookings")


@require_POST
def book(request):
    try:
        check_in = date.fromisoformat(request.POST.get("check_in", ""))
        nights = int(request.POST.get("nights", "1"))
    except ValueError:
        flash(request, "Choose a date and a number of nights.")
        return redirect("bookings")
    booking = {
        "room": request.POST.get("room"),
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=max(nights, 1))).isoformat(),
    }
    return change_bookings(request, "POST", "/bookings/", "Booked.", json=booking)


@require_POST
def cancel(request, booking_id: int):
    return change_bookings(request, "DELETE", f"/bookings/{booking_id}/", "Booking cancelled.")


@require_POST
def refresh(request):
    """Steps (G) and (H): trade the refresh token for new tokens now."""
    if TOKEN not in request.session:
        return redirect("home")
    trace = load_trace(request)
    try:
        request.session[TOKEN] = oauth.refresh(api(request, trace))
        flash(request, "New access and refresh tokens.")
    except FAILURES as exc:
        request.session.pop(TOKEN, None)
        flash(request, f"The refresh failed: {failure_text(exc)}. Connect again.")
    save_trace(request, trace)
    return redirect("bookings")


@require_POST
def disconnect(request):
    """Revoke the refresh token (RFC 7009), which ends its access tokens too, and forget both."""
    token = request.session.pop(TOKEN, None)
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
    return page(request, "trace.html", steps=load_trace(request).steps)


def reports(request):
    """The reports service: client credentials, then the manager's report across hotels."""
    trace = Trace()
    context = {}
    try:
        service = oauth.service_session(trace)
        response = oauth.call_api(service, "GET", "/reports/occupancy/", client="partner-service")
    except FAILURES as exc:
        context["error"] = failure_text(exc)
    else:
        if response.ok:
            context["rows"] = response.json()
        else:
            context["error"] = api_failure(request, response)
    return page(request, "reports.html", steps=trace.steps, **context)


def implicit(request):
    """The implicit grant, discouraged: the token arrives in the URL fragment, read by script."""
    return page(
        request,
        "implicit.html",
        expected_state=request.session.get("implicit_state", ""),
        api_url=settings.API_URL,
    )


@require_POST
def implicit_start(request):
    try:
        url, state = oauth.implicit_request()
    except requests.RequestException as exc:
        flash(request, f"The hotel site did not answer: {exc}")
        return redirect("implicit")
    request.session["implicit_state"] = state
    return redirect(url)
