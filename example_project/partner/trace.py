"""The flow trace: each HTTP message of a run, labelled with its step in the figure of RFC
6749 for that grant (section 1.2 for the authorization code grant, with section 1.5's refresh,
and for signing in with OpenID Connect; 4.4 client credentials; 4.3 password; 4.2 implicit),
with secrets and tokens redacted to their first four characters."""

import json
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit, urlunsplit

__all__ = ["FLOWS", "GrantFlow", "Trace", "id_token_text", "redact", "redact_url"]

# Parameters and JSON members whose values are secrets or tokens.
SECRETS = frozenset(
    {
        "code",
        "code_verifier",
        "client_secret",
        "password",
        "access_token",
        "refresh_token",
        "id_token",
        "id_token_hint",
        "token",
        "csrfmiddlewaretoken",
        "device_code",
    }
)


@dataclass(frozen=True)
class GrantFlow:
    """One grant as a figure of RFC 6749 draws it: the steps by letter, what each carries, and
    which letters the client's own requests take. A request outside the figure (an API call
    after the client credentials grant, say) is shown without a letter."""

    #: "Authorization code grant", shown above the figure.
    name: str
    #: The RFC 6749 section of the figure, e.g. "4.4".
    section: str
    figure: str
    #: letter -> (the RFC's name for the message, sender, receiver)
    steps: dict[str, tuple[str, str, str]]
    #: letter -> what the step carries in this grant
    notes: dict[str, str]
    #: The letters of the token request and its response.
    token: tuple[str, str]
    #: The letters of a refresh (RFC 6749 §1.5), if the figure has them.
    refresh: tuple[str, str] = ("", "")
    #: The letters of an API call with the token, if the figure has them.
    api: tuple[str, str] = ("", "")


# RFC 6749 §1.2, the abstract flow, as the authorization code grant runs it (and §1.5's refresh).
AUTHORIZATION_CODE = GrantFlow(
    name="Authorization code grant",
    section="1.2",
    figure="""\
     +--------+                               +---------------+
     |        |--(A)- Authorization Request ->|   Resource    |
     |        |                               |     Owner     |
     |        |<-(B)-- Authorization Grant ---|               |
     |        |                               +---------------+
     |        |
     |        |                               +---------------+
     |        |--(C)-- Authorization Grant -->| Authorization |
     | Client |                               |     Server    |
     |        |<-(D)----- Access Token -------|               |
     |        |                               +---------------+
     |        |
     |        |                               +---------------+
     |        |--(E)----- Access Token ------>|    Resource   |
     |        |                               |     Server    |
     |        |<-(F)--- Protected Resource ---|               |
     +--------+                               +---------------+""",
    steps={
        "A": ("Authorization Request", "Client", "Resource Owner"),
        "B": ("Authorization Grant", "Resource Owner", "Client"),
        "C": ("Authorization Grant", "Client", "Authorization Server"),
        "D": ("Access Token", "Authorization Server", "Client"),
        "E": ("Access Token", "Client", "Resource Server"),
        "F": ("Protected Resource", "Resource Server", "Client"),
        "G": ("Refresh Token", "Client", "Authorization Server"),
        "H": ("Access Token (refreshed)", "Authorization Server", "Client"),
    },
    notes={
        "A": "The client sends the resource owner's browser to the authorization endpoint with its "
        "client_id, the scopes it wants, a state value and a PKCE code_challenge. The authorization "
        "server then logs the owner in and asks for consent; the client sees none of that.",
        "B": "The browser comes back to the client's redirect URI with the authorization grant: a "
        "one-time code, the state (the client checks it is the one it sent) and iss, the issuer.",
        "C": "The client presents the grant at the token endpoint, authenticated with its client "
        "secret (HTTP Basic), with the PKCE code_verifier that only it knows.",
        "D": "The authorization server checks the code, the client, the redirect URI and the "
        "verifier, and issues an access token and a refresh token.",
        "E": "The client calls the resource server's API with the access token as a bearer token.",
        "F": "The resource server checks the token and its scopes, and answers with the owner's data.",
        "G": "The access token is short-lived; the client trades its refresh token for a new one.",
        "H": "A new access token, and a new refresh token: the old one is now spent (rotation).",
    },
    token=("C", "D"),
    refresh=("G", "H"),
    api=("E", "F"),
)

CLIENT_CREDENTIALS = GrantFlow(
    name="Client credentials grant",
    section="4.4",
    figure="""\
     +---------+                                  +---------------+
     |         |                                  |               |
     |         |>--(A)- Client Authentication --->| Authorization |
     | Client  |                                  |     Server    |
     |         |<--(B)---- Access Token ---------<|               |
     |         |                                  |               |
     +---------+                                  +---------------+""",
    steps={
        "A": ("Client Authentication", "Client", "Authorization Server"),
        "B": ("Access Token", "Authorization Server", "Client"),
    },
    notes={
        "A": "The client asks for a token for itself: grant_type=client_credentials and the scope "
        "it needs, authenticated with its own client secret (HTTP Basic). There is no resource "
        "owner, no browser, no redirect URI and no code.",
        "B": "The authorization server authenticates the client and issues an access token that "
        "belongs to the client itself: no user behind it, and no refresh token (RFC 6749 §4.4.3); "
        "the client asks again when it expires.",
    },
    token=("A", "B"),
)

PASSWORD = GrantFlow(
    name="Resource owner password credentials grant",
    section="4.3",
    figure="""\
     +----------+
     | Resource |
     |  Owner   |
     |          |
     +----------+
          v
          |    Resource Owner
         (A) Password Credentials
          |
          v
     +---------+                                  +---------------+
     |         |>--(B)---- Resource Owner ------->|               |
     |         |         Password Credentials     | Authorization |
     | Client  |                                  |     Server    |
     |         |<--(C)---- Access Token ---------<|               |
     |         |    (w/ Optional Refresh Token)   |               |
     +---------+                                  +---------------+""",
    steps={
        "A": ("Resource Owner Password Credentials", "Resource Owner", "Client"),
        "B": ("Resource Owner Password Credentials", "Client", "Authorization Server"),
        "C": ("Access Token (w/ Optional Refresh Token)", "Authorization Server", "Client"),
    },
    notes={
        "A": "The resource owner types their username and password into the client's own form. "
        "This is what RFC 9700 §2.4 forbids: the client sees the password, and the owner learns to "
        "type it into other sites' pages.",
        "B": "The client sends the owner's username and password to the token endpoint with "
        "grant_type=password, authenticated with its own client secret (HTTP Basic).",
        "C": "The authorization server checks the client and the owner's password, and issues an "
        "access token for the owner (and a refresh token, as this client may refresh).",
    },
    token=("B", "C"),
)

IMPLICIT = GrantFlow(
    name="Implicit grant",
    section="4.2",
    figure="""\
     +----------+
     | Resource |
     |  Owner   |
     |          |
     +----------+
          ^
          |
         (B)
     +----|-----+          Client Identifier     +---------------+
     |         -+----(A)-- & Redirection URI --->|               |
     |  User-   |                                | Authorization |
     |  Agent  -|----(B)-- User authenticates -->|     Server    |
     |          |                                |               |
     |          |<---(C)--- Redirection URI ----<|               |
     |          |          with Access Token     +---------------+
     |          |            in Fragment
     |          |                                +---------------+
     |          |----(D)--- Redirection URI ---->|   Web-Hosted  |
     |          |          without Fragment      |     Client    |
     |          |                                |    Resource   |
     |     (F)  |<---(E)------- Script ---------<|               |
     |          |                                +---------------+
     +-|--------+
       |    |
      (A)  (G) Access Token
       |    |
       ^    v
     +---------+
     |         |
     |  Client |
     |         |
     +---------+""",
    steps={
        "A": ("Client Identifier & Redirection URI", "Client", "User-Agent"),
        "C": ("Redirection URI with Access Token in Fragment", "Authorization Server", "User-Agent"),
        "D": ("Redirection URI without Fragment", "User-Agent", "Web-Hosted Client Resource"),
        "E": ("Script", "Web-Hosted Client Resource", "User-Agent"),
        "F": ("The script extracts the access token", "User-Agent", "User-Agent"),
        "G": ("Access Token", "User-Agent", "Client"),
    },
    notes={
        "A": "The client sends the browser to the authorization endpoint with response_type=token, "
        "its client_id, the redirect URI, the scope and a state. Step (B), logging in and "
        "consenting, is between the owner and the authorization server.",
        "C": "The authorization server redirects the browser back with the access token in the "
        "URL fragment: no code, no client authentication, no PKCE, and no refresh token.",
        "D": "The browser asks the client's page for the redirect URI. The fragment stays in the "
        "browser, so this request, as the client's server received it, carries no token.",
        "E": "The page answers with a script, which reads the fragment.",
        "F": "The script, in the browser, takes the token out of the fragment and the address bar.",
        "G": "The script is the client here: it calls the API with the token itself.",
    },
    token=("", ""),
)

# Signing in with OpenID Connect is the authorization code grant (OpenID Connect Core 1.0
# §3.1), with the openid scope: the same figure, and an ID token in step (D). The userinfo
# endpoint is the protected resource of steps (E) and (F).
SIGN_IN = replace(
    AUTHORIZATION_CODE,
    name="Sign in with OpenID Connect (the authorization code grant)",
    steps={
        **AUTHORIZATION_CODE.steps,
        "A": ("Authentication Request", "Client", "Resource Owner"),
        "B": ("Authentication Response", "Resource Owner", "Client"),
        "D": ("ID Token and Access Token", "Authorization Server", "Client"),
        "E": ("UserInfo Request", "Client", "Authorization Server"),
        "F": ("UserInfo Response", "Authorization Server", "Client"),
    },
    notes={
        **AUTHORIZATION_CODE.notes,
        "A": "The client sends the browser to the authorization endpoint with scope=openid (and "
        "profile, email), a state, a PKCE code_challenge and a nonce: a random value it keeps, "
        "which must come back inside the ID token (OpenID Connect Core §3.1.2.1).",
        "D": "The token response carries an ID token, a JWT signed by Hotel Booking that says who "
        "signed in, and when. The client verifies it before trusting a word of it (below).",
        "E": "The client reads the user's claims at the userinfo endpoint, with the access token.",
        "F": "The claims the granted scopes release: profile gives the name, email the address. "
        "The client checks that sub is the ID token's.",
    },
)

# RFC 8628 §1, Figure 1: the device authorization grant, as the partner's TV app runs it.
DEVICE = GrantFlow(
    name="Device authorization grant",
    section="",
    figure="""\
      +----------+                                +----------------+
      |          |>---(A)-- Client Identifier --->|                |
      |          |                                |                |
      |          |<---(B)-- Device Code,      ---<|                |
      |          |          User Code,            |                |
      |  Device  |          & Verification URI    |                |
      |  Client  |                                |                |
      |          |  [polling]                     |                |
      |          |>---(E)-- Device Code       --->|                |
      |          |          & Client Identifier   |                |
      |          |                                |  Authorization |
      |          |<---(F)-- Access Token      ---<|     Server     |
      +----------+   (& Optional Refresh Token)   |                |
            v                                     |                |
            :                                     |                |
           (C) User Code & Verification URI       |                |
            :                                     |                |
            v                                     |                |
      +----------+                                |                |
      | End User |                                |                |
      |    at    |<---(D)-- End user reviews  --->|                |
      |  Browser |          authorization request |                |
      +----------+                                +----------------+""",
    steps={
        "A": ("Device Authorization Request", "Client", "Authorization Server"),
        "B": ("Device Code, User Code & Verification URI", "Authorization Server", "Client"),
        "C": ("User Code & Verification URI", "Client", "Resource Owner"),
        "D": ("End user reviews authorization request", "Resource Owner", "Authorization Server"),
        "E": ("Device Code & Client Identifier", "Client", "Authorization Server"),
        "F": ("Access Token", "Authorization Server", "Client"),
    },
    notes={
        "A": "The TV app (a public client) asks for a device code with its client_id and the scope.",
        "B": "A device code for the app, a short user code and the URL where the owner enters it.",
        "C": "The app shows the user code and the URL; the owner opens it on a phone or computer.",
        "D": "The owner logs in, types the code and approves the app on the consent page.",
        "E": "Meanwhile the app polls the token endpoint with its device code, every interval seconds.",
        "F": "Once approved: an access token (and a refresh token) for the owner and the approved scopes.",
    },
    token=("E", "F"),
)

FLOWS = {
    "authorization_code": AUTHORIZATION_CODE,
    "sign_in": SIGN_IN,
    "client_credentials": CLIENT_CREDENTIALS,
    "password": PASSWORD,
    "implicit": IMPLICIT,
}


def redact(value: str) -> str:
    """Recognisable but useless: the first four characters and an ellipsis."""
    return value[:4] + "…" if len(value) > 8 else "…"


def redact_form(encoded: str) -> str:
    """A query string or form body with the secret parameters' values redacted."""
    parts = []
    for pair in encoded.split("&"):
        name, sep, value = pair.partition("=")
        if sep and unquote_plus(name) in SECRETS:
            value = redact(unquote_plus(value))
        parts.append(name + sep + value)
    return "&".join(parts)


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=redact_form(parts.query), fragment=redact_form(parts.fragment)))


def redact_json(value):
    if isinstance(value, dict):
        return {
            k: redact(v) if k in SECRETS and isinstance(v, str) else redact_json(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item) for item in value]
    return value


def redact_header(name: str, value: str) -> str:
    lower = name.lower()
    if lower == "authorization":
        scheme, _, credentials = value.partition(" ")
        return f"{scheme} {redact(credentials)}"
    if lower in ("cookie", "set-cookie"):
        return "; ".join(
            f"{k}={redact(v)}" if sep else k for k, sep, v in (c.partition("=") for c in value.split("; "))
        )
    if lower == "location":
        return redact_url(value)
    return value


def redact_body(body, content_type: str) -> str:
    if not body:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    if "json" in content_type:
        try:
            return json.dumps(redact_json(json.loads(text)), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    if "x-www-form-urlencoded" in content_type:
        return redact_form(text)
    return text if len(text) < 2000 else text[:2000] + "…"


def request_text(method: str, url: str, headers, body=None) -> str:
    parts = urlsplit(redact_url(url))
    target = quote(parts.path or "/", safe="/%") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {redact_header(name, value)}" for name, value in headers if name.lower() != "host"]
    content = redact_body(body, dict((k.lower(), v) for k, v in headers).get("content-type", ""))
    return "\n".join(lines) + ("\n\n" + content if content else "")


def response_text(status: int, reason: str, headers, body=None) -> str:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {redact_header(name, value)}" for name, value in headers]
    content = redact_body(body, dict((k.lower(), v) for k, v in headers).get("content-type", ""))
    return "\n".join(lines) + ("\n\n" + content if content else "")


# Exchanges outside RFC 6749's figures, by the path of the authorization server's endpoint.
OTHER_EXCHANGES = {
    "/oauth/revoke/": "Token revocation (RFC 7009)",
    "/oauth/introspect/": "Token introspection (RFC 7662)",
    "/.well-known/oauth-authorization-server": "Authorization server metadata (RFC 8414)",
    "/oauth/jwks/": "The provider's public signing keys (JWKS, RFC 7517 §5)",
}


API_CALL = ("Protected resource request (RFC 6750 §2.1)", "Protected resource")
REFRESH = ("Refresh request (RFC 6749 §6)", "Access token, refreshed")
# What the exchanges outside a grant's figure carry.
NOTES_OUTSIDE = {
    API_CALL[0]: "The client calls the API with the access token in the Authorization header.",
    API_CALL[1]: "The resource server checks the token and its scopes, and answers.",
    REFRESH[0]: "The client trades its refresh token for a new access token.",
    REFRESH[1]: "A new access token, and a new refresh token: the old one is now spent (rotation).",
}


def classify(request, flow: GrantFlow = AUTHORIZATION_CODE) -> tuple[str, str, str, str, str]:
    """(request letter, response letter, request title, response title, server) of an exchange
    of the client's. The letters are the grant's figure's; an exchange outside the figure has
    none, and a title instead."""
    path = urlsplit(request.url).path
    if flow is DEVICE and path.endswith("/oauth/device_authorization/"):
        return ("A", "B", "", "", "Authorization Server")
    if path in OTHER_EXCHANGES:
        title = OTHER_EXCHANGES[path]
        return ("", "", title, title, "Authorization Server")
    if path.endswith("/oauth/token/"):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        if dict(parse_qsl(body)).get("grant_type") == "refresh_token":
            return (*flow.refresh, *REFRESH, "Authorization Server")
        return (*flow.token, "", "", "Authorization Server")
    if "Authorization" not in request.headers:
        title = "Public API call, no token"
        return ("", "", title, title, "Resource Server")
    return (*flow.api, *API_CALL, "Resource Server")


class Trace:
    """Steps of one run of a grant, as JSON-ready dicts (the partner app keeps them in the
    session), labelled with the letters of that grant's figure."""

    def __init__(self, steps=None, flow: GrantFlow = AUTHORIZATION_CODE):
        self.steps = list(steps or [])
        self.flow = flow

    def add(
        self, letter: str, http: str, note: str = "", title: str = "", sender: str = "", receiver: str = ""
    ) -> None:
        """Adds a step; a step without a letter needs a ``title``, ``sender`` and ``receiver``."""
        name, sender, receiver = self.flow.steps.get(letter) or (title, sender, receiver)
        self.steps.append(
            {
                "letter": letter,
                "title": title or name,
                "sender": sender,
                "receiver": receiver,
                "http": http,
                "note": note or self.flow.notes.get(letter, "") or NOTES_OUTSIDE.get(title, ""),
            }
        )

    def record(self, response, *args, **kwargs):
        """A ``requests`` response hook: adds the exchange as two steps."""
        request = response.request
        sent, answered, sent_title, answered_title, server = classify(request, self.flow)
        message = request_text(request.method, request.url, request.headers.items(), request.body)
        self.add(sent, message, title=sent_title if not sent else "", sender="Client", receiver=server)
        message = response_text(
            response.status_code, response.reason, response.headers.items(), response.content
        )
        self.add(
            answered, message, title=answered_title if not answered else "", sender=server, receiver="Client"
        )
        return response

    def attach(self, session):
        """Records every exchange of a ``requests`` session (an OAuth2Session is one)."""
        session.hooks["response"].append(self.record)
        return session

    def letters(self) -> str:
        return "".join(step["letter"] for step in self.steps)


def id_token_text(header: dict, claims: dict) -> str:
    """A verified ID token, decoded: its JOSE header and its claims (the signature is left
    out). Times are seconds since 1970 (RFC 7519 §2, NumericDate)."""
    return (
        "JOSE header\n"
        + json.dumps(header, indent=2, ensure_ascii=False)
        + "\n\nClaims\n"
        + json.dumps(claims, indent=2, ensure_ascii=False)
    )


def summary(http: str) -> str:
    """A message's first line, and where a redirect goes."""
    lines = http.splitlines()
    location = next((line for line in lines if line.startswith("Location: ")), "")
    return f"{lines[0]}  {location}" if location else lines[0]
