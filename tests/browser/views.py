"""A client's redirect URI on the live server: it shows the authorization response it got;
and a small OpenID Connect relying party built on Authlib."""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils.html import format_html, format_html_join


def callback(request):
    """Lists the query parameters, one ``<dd>`` per value, so the browser test can read them."""
    items = format_html_join(
        "", "<dt>{}</dt><dd id='{}'>{}</dd>", ((k, k, v) for k, v in request.GET.items())
    )
    return HttpResponse(format_html("<!doctype html><title>Client callback</title><dl>{}</dl>", items))


# -- A relying party (OpenID Connect) on the live server, for the sign-in and logout test --------
#
# It keeps no session of its own (the server's session cookie is on the same host): the
# pending sign-ins are kept here, by state, and the test sets ``RELYING_PARTY`` first.

RELYING_PARTY: dict[str, str] = {}
_PENDING: dict[str, tuple[str, str]] = {}


def _configuration(request):
    import requests

    base = request.build_absolute_uri("/").rstrip("/")
    return requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()


def _session():
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(
        RELYING_PARTY["client_id"],
        RELYING_PARTY["client_secret"],
        scope="openid profile email",
        redirect_uri=RELYING_PARTY["redirect_uri"],
        code_challenge_method="S256",
    )


def rp_home(request):
    """A page with a "Sign in" link: an authorization request with PKCE and a nonce."""
    import secrets

    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = _session().create_authorization_url(
        _configuration(request)["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    _PENDING[state] = (verifier, nonce)
    return HttpResponse(
        format_html("<!doctype html><title>Relying party</title><a href='{}'>Sign in</a>", url)
    )


def rp_callback(request):
    """Exchanges the code, validates the ID token with the JWKS, reads userinfo, and shows
    the claims with a "Log out" link to the end-session endpoint."""
    import requests
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.jwk import KeySet

    configuration = _configuration(request)
    verifier, nonce = _PENDING.pop(request.GET["state"])
    rp = _session()
    token = rp.fetch_token(
        configuration["token_endpoint"],
        authorization_response=request.build_absolute_uri(),
        code_verifier=verifier,
    )
    keys = KeySet.import_key_set(requests.get(configuration["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(
        token["id_token"], keys, algorithms=configuration["id_token_signing_alg_values_supported"]
    )
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={"iss": {"essential": True, "value": configuration["issuer"]}},
        params={
            "nonce": nonce,
            "client_id": RELYING_PARTY["client_id"],
            "access_token": token["access_token"],
        },
    )
    claims.validate(leeway=60)
    userinfo = rp.get(configuration["userinfo_endpoint"], timeout=10).json()
    logout = (
        configuration["end_session_endpoint"]
        + "?"
        + urlencode(
            {
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": RELYING_PARTY["post_logout_redirect_uri"],
                "state": "bye-123",
            }
        )
    )
    rows = format_html_join("", "<dt>{}</dt><dd id='{}'>{}</dd>", ((k, k, v) for k, v in userinfo.items()))
    return HttpResponse(
        format_html(
            "<!doctype html><title>Signed in</title>"
            "<h1>Signed in as {}</h1><dl>{}</dl><a href='{}'>Log out</a>",
            userinfo.get("name") or claims["sub"],
            rows,
            logout,
        )
    )


def rp_logged_out(request):
    return HttpResponse(
        format_html(
            "<!doctype html><title>Signed out</title><h1>Signed out</h1><p id='state'>{}</p>",
            request.GET.get("state", ""),
        )
    )
