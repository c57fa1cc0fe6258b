"""The pages of the other grants, each with the trace of its own figure in RFC 6749: the
reports service (client credentials, §4.4), the password grant (§4.3) and the implicit
grant (§4.2). The last two are discouraged (RFC 9700 §2.4, §2.1.2) and shown as such."""

import requests
from django.conf import settings
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from oauthlib.oauth2 import OAuth2Error

from . import oauth
from .answers import ApiAnswer
from .trace import CLIENT_CREDENTIALS, IMPLICIT, PASSWORD, Trace, request_text, response_text
from .views import BROWSER_HEADERS, FAILURES, failure_text, flash, page

IMPLICIT_STATE = "implicit_state"
IMPLICIT_TRACE = "implicit_trace"
THIS_PAGE = "(this page, with the script that reads the fragment)"


@never_cache
def reports(request):
    """Client credentials: the reports service gets a token for itself, then reads the report
    of every hotel."""
    trace = Trace(flow=CLIENT_CREDENTIALS)
    context = {}
    try:
        service = oauth.service_session(trace)
        response = oauth.call_api(service, "GET", "/reports/occupancy/", client="partner-service")
    except FAILURES as exc:
        context["error"] = failure_text(exc)
    else:
        context["answer"] = ApiAnswer.from_response("GET", "/reports/occupancy/", response)
        context["token"] = service.token
        context["curl_url"] = f"{settings.API_URL}/reports/occupancy/"
    return page(request, "reports.html", flow=CLIENT_CREDENTIALS, steps=trace.steps, **context)


@never_cache
def password(request):
    """The password grant, discouraged: the owner types their password into this app."""
    context = {"username": request.POST.get("username", "alice")}
    if request.method == "POST":
        trace = Trace(flow=PASSWORD)
        headers = [(name, value) for name, value in request.headers.items() if name in BROWSER_HEADERS]
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        trace.add("A", request_text("POST", request.build_absolute_uri(), headers, request.body))
        try:
            session = oauth.password_session(context["username"], request.POST.get("password", ""), trace)
            response = oauth.call_api(session, "GET", "/bookings/", client="partner-cli")
        except OAuth2Error as exc:
            context["error"] = f"The hotel site refused: {failure_text(exc)}"
        except requests.RequestException as exc:
            context["error"] = failure_text(exc)
        else:
            context["answer"] = ApiAnswer.from_response("GET", "/bookings/", response)
            context["token"] = session.token
            context["curl_url"] = f"{settings.API_URL}/bookings/"
        context["steps"] = trace.steps
    return page(request, "password.html", flow=PASSWORD, **context)


@never_cache
def implicit(request):
    """The implicit grant, discouraged: the token arrives in the URL fragment, read by script.

    Coming back from the hotel site, this request is step (D): the browser keeps the fragment,
    so the request carries no token. The page it gets is step (E); its script does the rest.
    """
    expected_state = request.session.pop(IMPLICIT_STATE, "")
    steps = request.session.pop(IMPLICIT_TRACE, [])
    if expected_state:
        trace = Trace(steps, IMPLICIT)
        headers = [(name, value) for name, value in request.headers.items() if name in BROWSER_HEADERS]
        trace.add("D", request_text("GET", request.build_absolute_uri(), headers))
        trace.add("E", f"HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\n\n{THIS_PAGE}")
        steps = trace.steps
    return page(
        request,
        "implicit.html",
        flow=IMPLICIT,
        steps=steps,
        expected_state=expected_state,
        api_url=settings.API_URL,
    )


@require_POST
def implicit_start(request):
    """Step (A): send the browser to the authorization endpoint with response_type=token."""
    try:
        url, state = oauth.implicit_request()
    except requests.RequestException as exc:
        flash(request, f"The hotel site did not answer: {exc}")
        return redirect("implicit")
    trace = Trace(flow=IMPLICIT)
    trace.add("A", response_text(302, "Found", [("Location", url)]))
    request.session[IMPLICIT_STATE] = state
    request.session[IMPLICIT_TRACE] = trace.steps
    return redirect(url)
