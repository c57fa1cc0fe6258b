"""The partner's OAuth 2.0 client: every grant through requests-oauthlib's OAuth2Session.

Nothing here builds a grant request by hand; the library does, and the flow trace
records what it sent (a ``requests`` response hook, :class:`partner.trace.Trace`).
Revocation (RFC 7009) and introspection (RFC 7662) are not in the library: they are plain
authenticated form POSTs. Signing in with OpenID Connect runs the same code grant; Authlib
verifies the ID token it returns (requests-oauthlib does not look inside it).
"""

import functools
import os
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.conf import settings
from oauthlib.oauth2 import (
    BackendApplicationClient,
    DeviceClient,
    LegacyApplicationClient,
    MobileApplicationClient,
    WebApplicationClient,
)
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

__all__ = [
    "AuthorizationFailed",
    "api_session",
    "authorization_request",
    "call_api",
    "endpoints",
    "exchange_code",
    "implicit_request",
    "implicit_token",
    "introspect",
    "device_poll",
    "device_start",
    "password_session",
    "refresh",
    "revoke",
    "service_session",
    "signin_request",
    "sign_in",
    "userinfo",
    "logout_url",
]

# The demo's servers listen on http://127.0.0.1. oauthlib insists on TLS (RFC 6749 §3.1)
# unless told otherwise; a real client never sets this.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
# The owner may untick scopes on the consent page, and the server then grants fewer
# (RFC 6749 §3.3); the token response's "scope" says which.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")

TIMEOUT = 10


class AuthorizationFailed(Exception):
    """The authorization response cannot be trusted or carries an error."""


def registration(name: str) -> dict:
    """The client's registration at the authorization server: client_id, secret, redirect URI."""
    return settings.OAUTH_CLIENTS[name]


def discover(session=None) -> dict:
    """The authorization server's metadata document (RFC 8414)."""
    url = f"{settings.AUTHORIZATION_SERVER}/.well-known/oauth-authorization-server"
    response = (session or requests).get(url, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


@functools.cache
def endpoints() -> dict:
    """The metadata, fetched once per process (an exception is not cached)."""
    return discover()


def traced(session, trace):
    return trace.attach(session) if trace is not None else session


# Authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636) ------------------------------


def authorization_request(scopes: list[str], login: bool = False) -> tuple[str, dict]:
    """Step (A): the authorization URL, and what to keep until the owner comes back:
    the ``state`` (RFC 6749 §10.12) and the PKCE ``code_verifier``. With ``login``, the
    request carries ``prompt=login`` (OpenID Connect Core §3.1.2.1, which the hotel site
    honours): the owner logs in again, so they can choose which account to connect."""
    web = registration("partner-web")
    client = WebApplicationClient(web["client_id"])
    oauth = OAuth2Session(client=client, redirect_uri=web["redirect_uri"], scope=scopes, pkce="S256")
    extra = {"prompt": "login"} if login else {}
    url, state = oauth.authorization_url(endpoints()["authorization_endpoint"], **extra)
    return url, {"state": state, "code_verifier": client.code_verifier}


def check_issuer(authorization_response: str) -> None:
    """RFC 9207: the response names the server that issued it, against mix-up attacks."""
    metadata = endpoints()
    if not metadata.get("authorization_response_iss_parameter_supported"):
        return
    issuer = parse_qs(urlsplit(authorization_response).query).get("iss", [None])[0]
    if issuer != metadata["issuer"]:
        raise AuthorizationFailed(f"The response names issuer {issuer!r}, not {metadata['issuer']!r}.")


def exchange_code(authorization_response: str, pending: dict, trace=None, redirect_uri: str = "") -> dict:
    """Steps (B) to (D): check ``state`` and ``iss``, exchange the code with the verifier.

    The library raises ``MismatchingStateError`` for a wrong state and, for an error
    response such as ``access_denied``, the matching oauthlib error.
    """
    web = registration("partner-web")
    redirect_uri = redirect_uri or web["redirect_uri"]
    oauth = OAuth2Session(web["client_id"], redirect_uri=redirect_uri, state=pending["state"])
    check_issuer(authorization_response)
    return traced(oauth, trace).fetch_token(
        endpoints()["token_endpoint"],
        authorization_response=authorization_response,
        client_secret=web["client_secret"],  # HTTP Basic (client_secret_basic)
        code_verifier=pending["code_verifier"],
        timeout=TIMEOUT,
    )


def api_session(token: dict, token_updater, trace=None) -> OAuth2Session:
    """A session that sends the access token (step E) and refreshes it when it expires."""
    web = registration("partner-web")
    oauth = OAuth2Session(
        web["client_id"],
        token=token,
        auto_refresh_url=endpoints()["token_endpoint"],
        token_updater=token_updater,
    )
    return traced(oauth, trace)


def call_api(oauth: OAuth2Session, method: str, path: str, client: str = "partner-web", **kwargs):
    """Call the hotel API, e.g. ``call_api(oauth, "GET", "/bookings/")``."""
    registered = registration(client)
    return oauth.request(
        method,
        f"{settings.API_URL}{path}",
        # Authenticate an automatic refresh (RFC 6749 §6) with HTTP Basic.
        client_id=registered["client_id"],
        client_secret=registered["client_secret"],
        timeout=TIMEOUT,
        **kwargs,
    )


def refresh(oauth: OAuth2Session, client: str = "partner-web", refresh_token: str | None = None) -> dict:
    """Steps (G) and (H): a new access token, and a new refresh token (they rotate)."""
    registered = registration(client)
    return oauth.refresh_token(
        endpoints()["token_endpoint"],
        refresh_token=refresh_token,
        auth=HTTPBasicAuth(registered["client_id"], registered["client_secret"]),
        timeout=TIMEOUT,
    )


# Sign in with Hotel Booking (OpenID Connect Core 1.0 §3.1) ---------------------------------


def signin_request() -> tuple[str, dict]:
    """The authentication request: the code grant's step (A) with the ``openid`` scope and a
    ``nonce`` (Core §3.1.2.1), which comes back inside the ID token and ties it to this
    browser's sign-in."""
    web = registration("partner-web")
    client = WebApplicationClient(web["client_id"])
    oauth = OAuth2Session(
        client=client, redirect_uri=web["signin_redirect_uri"], scope=settings.SIGN_IN_SCOPES, pkce="S256"
    )
    nonce = secrets.token_urlsafe(24)
    url, state = oauth.authorization_url(endpoints()["authorization_endpoint"], nonce=nonce)
    return url, {"state": state, "code_verifier": client.code_verifier, "nonce": nonce}


def sign_in(authorization_response: str, pending: dict, trace=None) -> tuple[dict, dict, dict]:
    """Exchange the code, then verify the ID token (Core §3.1.3.7): the tokens, and the ID
    token's header and claims. Raises :class:`AuthorizationFailed` for an ID token that does
    not verify, and what :func:`exchange_code` raises."""
    web = registration("partner-web")
    token = exchange_code(authorization_response, pending, trace, redirect_uri=web["signin_redirect_uri"])
    if "id_token" not in token:
        raise AuthorizationFailed("The token response has no ID token: was the openid scope granted?")
    header, claims = verify_id_token(token, pending["nonce"], traced(requests.Session(), trace))
    return token, header, claims


def userinfo(token: dict, subject: str, trace=None) -> dict:
    """The user's claims from the userinfo endpoint (Core §5.3), with the access token."""
    web = registration("partner-web")
    oauth = traced(OAuth2Session(web["client_id"], token=token), trace)
    response = oauth.get(endpoints()["userinfo_endpoint"], timeout=TIMEOUT)
    response.raise_for_status()
    info = response.json()
    # Core §5.3.2: a response about another subject than the ID token's must not be used.
    if info.get("sub") != subject:
        raise AuthorizationFailed("The userinfo response is about another subject than the ID token.")
    return info


def verify_id_token(token: dict, nonce: str, session) -> tuple[dict, dict]:
    """Authlib's checks of Core §3.1.3.7: the signature, with a key of the provider's JWKS and
    an algorithm it announces; ``iss``; ``aud`` naming this client; ``exp`` and ``iat``;
    the ``nonce`` this browser sent; and ``at_hash`` against the access token."""
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    metadata = endpoints()
    client_id = registration("partner-web")["client_id"]
    response = session.get(metadata["jwks_uri"], timeout=TIMEOUT)
    response.raise_for_status()
    try:
        keys = KeySet.import_key_set(response.json())
        decoded = jwt.decode(
            token["id_token"], keys, algorithms=metadata["id_token_signing_alg_values_supported"]
        )
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            options={
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": client_id},
            },
            params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]},
        )
        claims.validate(leeway=60)
    except (JoseError, ValueError) as exc:
        raise AuthorizationFailed(f"The ID token does not verify: {exc}") from exc
    return dict(decoded.header), dict(claims)


def logout_url(id_token: str, state: str) -> str:
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2): where to send the
    browser to end its session at Hotel Booking, and come back to the registered URI."""
    web = registration("partner-web")
    query = {
        "id_token_hint": id_token,
        "client_id": web["client_id"],
        "post_logout_redirect_uri": web["post_logout_redirect_uri"],
        "state": state,
    }
    return f"{endpoints()['end_session_endpoint']}?{urlencode(query)}"


# The other grants -------------------------------------------------------------------------


def service_session(trace=None) -> OAuth2Session:
    """Client credentials (RFC 6749 §4.4): the partner's reports service acting for itself."""
    service = registration("partner-service")
    oauth = OAuth2Session(client=BackendApplicationClient(service["client_id"]), scope=service["scopes"])
    traced(oauth, trace).fetch_token(
        endpoints()["token_endpoint"], client_secret=service["client_secret"], timeout=TIMEOUT
    )
    return oauth


def password_session(username: str, password: str, trace=None) -> OAuth2Session:
    """Password grant (RFC 6749 §4.3). Discouraged: RFC 9700 §2.4 says it MUST NOT be used,
    since the client sees the owner's password. Only the partner-cli client may use it."""
    cli = registration("partner-cli")
    oauth = OAuth2Session(client=LegacyApplicationClient(cli["client_id"]), scope=cli["scopes"])
    traced(oauth, trace).fetch_token(
        endpoints()["token_endpoint"],
        username=username,
        password=password,
        client_secret=cli["client_secret"],
        timeout=TIMEOUT,
    )
    return oauth


def device_start(trace=None) -> dict:
    """Device authorization request (RFC 8628 §3.1): the device code, and the user code and
    URL to show. requests-oauthlib has no call for it: a plain form POST, as RFC 8628 says."""
    tv = registration("partner-tv")
    session = traced(requests.Session(), trace)
    response = session.post(
        endpoints()["device_authorization_endpoint"],
        data={"client_id": tv["client_id"], "scope": " ".join(tv["scopes"])},
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return response.json()


def device_poll(started: dict, *, sleep, deadline: float, clock, trace=None) -> OAuth2Session:
    """Poll the token endpoint (RFC 8628 §3.4) with oauthlib's DeviceClient until the owner
    decides: wait ``interval`` seconds between polls, 5 more after each ``slow_down`` (§3.5).
    Raises the library's error for ``access_denied`` and ``expired_token``."""
    tv = registration("partner-tv")
    oauth = traced(OAuth2Session(client=DeviceClient(tv["client_id"])), trace)
    interval = started.get("interval", 5)
    while True:
        sleep(interval)
        try:
            oauth.fetch_token(
                endpoints()["token_endpoint"],
                device_code=started["device_code"],
                include_client_id=True,
                timeout=TIMEOUT,
            )
            return oauth
        except OAuth2Error as exc:
            if exc.error == "slow_down":
                interval += 5
            elif exc.error != "authorization_pending" or clock() > deadline:
                raise


def implicit_request() -> tuple[str, str]:
    """Implicit grant (RFC 6749 §4.2): the authorization URL and its state. Discouraged
    (RFC 9700 §2.1.2): the token travels in the URL. Only partner-implicit may use it."""
    legacy = registration("partner-implicit")
    oauth = OAuth2Session(
        client=MobileApplicationClient(legacy["client_id"]),
        redirect_uri=legacy["redirect_uri"],
        scope=legacy["scopes"],
    )
    return oauth.authorization_url(endpoints()["authorization_endpoint"])


def implicit_token(redirect_url: str, state: str) -> OAuth2Session:
    """The token from the fragment of the redirect, after checking ``state``."""
    legacy = registration("partner-implicit")
    oauth = OAuth2Session(client=MobileApplicationClient(legacy["client_id"]), state=state)
    oauth.token_from_fragment(redirect_url)
    return oauth


# Token utilities (not grants; requests-oauthlib has no helper for them) ---------------------


def revoke(token: str, hint: str, client: str = "partner-web", trace=None) -> requests.Response:
    """RFC 7009: revoking a refresh token also ends the access tokens issued with it."""
    registered = registration(client)
    session = traced(requests.Session(), trace)
    return session.post(
        endpoints()["revocation_endpoint"],
        data={"token": token, "token_type_hint": hint},
        auth=(registered["client_id"], registered["client_secret"]),
        timeout=TIMEOUT,
    )


def introspect(token: str, client: str = "partner-web", trace=None) -> dict:
    """RFC 7662: is the token active, for whom and with which scopes (own tokens only)."""
    registered = registration(client)
    session = traced(requests.Session(), trace)
    response = session.post(
        endpoints()["introspection_endpoint"],
        data={"token": token},
        auth=(registered["client_id"], registered["client_secret"]),
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return response.json()
