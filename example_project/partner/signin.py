"""Sign in with Hotel Booking: the partner app has no accounts of its own, so it lets its
users sign in with their Hotel Booking account (OpenID Connect Core 1.0 §3.1), shows who
they are from the verified ID token and the userinfo endpoint, and signs them out of both
sites (OpenID Connect RP-Initiated Logout 1.0)."""

import secrets
from datetime import datetime, timezone

import requests
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from oauthlib.oauth2 import OAuth2Error

from . import oauth
from .trace import SIGN_IN, Trace, id_token_text, request_text, response_text
from .views import BROWSER_HEADERS, FAILURES, SIGNED_IN, TOKEN, WHO, failure_text, flash, page

PENDING = "pending_sign_in"
PENDING_LOGOUT = "pending_logout"
TRACE = "sign_in_trace"

# What each claim of the ID token says (OpenID Connect Core §2, §3.1.3.6).
CLAIM_NOTES = {
    "iss": "Issuer: the server that signed the token. Must be Hotel Booking's issuer.",
    "sub": "Subject: the user's identifier at Hotel Booking, never reassigned. The key to "
    "link the user to an account here.",
    "aud": "Audience: the client the token is for. Must be this app's client_id.",
    "exp": "Expiry: the token is not accepted after this time.",
    "iat": "Issued at.",
    "auth_time": "When the user last logged in at Hotel Booking.",
    "nonce": "The random value this app sent in its authentication request: this sign-in, "
    "not a replayed one.",
    "at_hash": "Half of the SHA-256 of the access token: binds the two tokens together.",
    "jti": "The token's own identifier.",
    "azp": "Authorized party: the client the token was issued to.",
}
TIME_CLAIMS = ("exp", "iat", "auth_time")


def claim_rows(claims: dict) -> list[tuple[str, str, str]]:
    """(claim, value, what it means) for the page; times also as UTC dates."""
    rows = []
    for name, value in claims.items():
        shown = str(value)
        if name in TIME_CLAIMS and isinstance(value, int | float):
            moment = datetime.fromtimestamp(value, tz=timezone.utc)
            shown = f"{value} ({moment:%Y-%m-%d %H:%M:%S} UTC)"
        rows.append((name, shown, CLAIM_NOTES.get(name, "")))
    return rows


def browser_request(request) -> str:
    headers = [(name, value) for name, value in request.headers.items() if name in BROWSER_HEADERS]
    return request_text("GET", request.build_absolute_uri(), headers)


@never_cache
def signin(request):
    """Who is signed in, the claims, and the trace of the last sign-in."""
    signed_in = request.session.get(SIGNED_IN)
    return page(
        request,
        "signin.html",
        flow=SIGN_IN,
        steps=request.session.get(TRACE, []),
        signed_in=signed_in,
        id_token_rows=claim_rows(signed_in["claims"]) if signed_in else [],
        userinfo_rows=claim_rows(signed_in["userinfo"]) if signed_in else [],
    )


@require_POST
def signin_start(request):
    """Step (A): the authentication request, with a nonce."""
    try:
        url, pending = oauth.signin_request()
    except requests.RequestException as exc:
        flash(request, f"The hotel site did not answer: {exc}")
        return redirect("signin")
    request.session[PENDING] = pending
    trace = Trace(flow=SIGN_IN)
    trace.add("A", response_text(302, "Found", [("Location", url)]))
    request.session[TRACE] = trace.steps
    return redirect(url)


def signin_callback(request):
    """Steps (B) to (F): the code, the verified ID token, then the userinfo claims."""
    pending = request.session.pop(PENDING, None)
    if pending is None:
        return page(
            request,
            "error.html",
            error="No sign-in is in progress: this address is the end of one that this browser did "
            "not start here, or that was already finished. Start again from the sign-in page.",
            status=400,
            trace_page="signin",
        )
    trace = Trace(request.session.get(TRACE), SIGN_IN)
    trace.add("B", browser_request(request))
    try:
        token, header, claims = oauth.sign_in(request.build_absolute_uri(), pending, trace)
        trace.add(
            "",
            id_token_text(header, claims),
            title="ID token, verified and decoded (OpenID Connect Core §3.1.3.7)",
            sender="Client",
            receiver="Client",
            note="Authlib checked the signature with a key from the JWKS just fetched, then iss, aud, "
            "exp, iat, the nonce this browser sent, and at_hash against the access token.",
        )
        info = oauth.userinfo(token, claims["sub"], trace)
    except OAuth2Error as exc:
        request.session[TRACE] = trace.steps
        hint = "You pressed Deny on Hotel Booking's consent page." if exc.error == "access_denied" else ""
        return page(
            request,
            "error.html",
            heading="Hotel Booking refused",
            error_code=exc.error,
            error=exc.description or "",
            hint=hint,
            status=400,
            trace_page="signin",
        )
    except FAILURES as exc:
        request.session[TRACE] = trace.steps
        return page(
            request,
            "error.html",
            heading="Sign-in failed",
            error=failure_text(exc),
            status=400,
            trace_page="signin",
        )
    request.session[TRACE] = trace.steps
    request.session[SIGNED_IN] = {
        "id_token": token["id_token"],
        "header": header,
        "claims": claims,
        "userinfo": info,
        "display": info.get("name") or info.get("preferred_username") or claims["sub"],
    }
    return redirect("signin")


@require_POST
def signout(request):
    """Forget the sign-in here, then send the browser to Hotel Booking's end-session endpoint
    with the ID token as the hint, and a state to recognise the way back."""
    signed_in = request.session.pop(SIGNED_IN, None)
    if not signed_in:
        return redirect("signin")
    state = secrets.token_urlsafe(16)
    try:
        url = oauth.logout_url(signed_in["id_token"], state)
    except requests.RequestException as exc:
        flash(request, f"Signed out here; the hotel site did not answer: {exc}")
        return redirect("signin")
    request.session[PENDING_LOGOUT] = state
    trace = Trace(request.session.get(TRACE), SIGN_IN)
    trace.add(
        "",
        response_text(302, "Found", [("Location", url)]),
        title="Logout request (OpenID Connect RP-Initiated Logout 1.0 §2)",
        sender="Client",
        receiver="Authorization Server",
        note="The client sends the browser to the end-session endpoint with the ID token as "
        "id_token_hint: Hotel Booking logs the user out without asking, since the hint names them.",
    )
    request.session[TRACE] = trace.steps
    return redirect(url)


def signed_out(request):
    """The way back from Hotel Booking's logout (RP-Initiated Logout §3)."""
    expected = request.session.pop(PENDING_LOGOUT, None)
    if not expected or request.GET.get("state") != expected:
        return page(
            request,
            "error.html",
            error="This logout was not started here, or was already finished.",
            status=400,
            trace_page="signin",
        )
    trace = Trace(request.session.get(TRACE), SIGN_IN)
    trace.add(
        "",
        browser_request(request),
        title="Back from logout (RP-Initiated Logout 1.0 §3)",
        sender="Resource Owner",
        receiver="Client",
        note="Hotel Booking sends the browser to the registered post_logout_redirect_uri, with "
        "the state the client sent.",
    )
    request.session[TRACE] = trace.steps
    # Logging out at Hotel Booking also revoked this app's tokens for the user there.
    request.session.pop(TOKEN, None)
    request.session.pop(WHO, None)
    flash(request, "Signed out of Partner Travel and of Hotel Booking.")
    return redirect("signin")
