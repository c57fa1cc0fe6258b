"""The flow trace: each HTTP message of a run, labelled with its step of RFC 6749's
protocol flow (section 1.2: steps A to F; section 1.5: refresh, G and H), with secrets and
tokens redacted to their first four characters."""

import json
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit, urlunsplit

__all__ = ["STEPS", "Trace", "redact", "redact_url"]

# Parameters and JSON members whose values are secrets or tokens.
SECRETS = frozenset(
    {"code", "code_verifier", "client_secret", "password", "access_token", "refresh_token", "token"}
)

# letter -> (the RFC's name for the message, sender, receiver)
STEPS = {
    "A": ("Authorization Request", "Client", "Resource Owner"),
    "B": ("Authorization Grant", "Resource Owner", "Client"),
    "C": ("Authorization Grant", "Client", "Authorization Server"),
    "D": ("Access Token", "Authorization Server", "Client"),
    "E": ("Access Token", "Client", "Resource Server"),
    "F": ("Protected Resource", "Resource Server", "Client"),
    "G": ("Refresh Token", "Client", "Authorization Server"),
    "H": ("Access Token (refreshed)", "Authorization Server", "Client"),
}

# What each step carries in the authorization code grant, shown on the flow trace page.
NOTES = {
    "A": "The client sends the resource owner's browser to the authorization endpoint with its "
    "client_id, the scopes it wants, a state value and a PKCE code_challenge. The authorization "
    "server then logs the owner in and asks for consent; the client sees none of that.",
    "B": "The browser comes back to the client's redirect URI with the authorization grant: a "
    "one-time code, the state (the client checks it is the one it sent) and iss, the issuer.",
    "C": "The client presents the grant at the token endpoint, authenticated with its client secret "
    "(HTTP Basic), with the PKCE code_verifier that only it knows.",
    "D": "The authorization server checks the code, the client, the redirect URI and the verifier, "
    "and issues an access token and a refresh token.",
    "E": "The client calls the resource server's API with the access token as a bearer token.",
    "F": "The resource server checks the token and its scopes, and answers with the owner's data.",
    "G": "The access token is short-lived; the client trades its refresh token for a new one.",
    "H": "A new access token, and a new refresh token: the old one is now spent (rotation).",
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
}


def classify(request) -> tuple[str, str, str, str]:
    """(request letter, response letter, title, server) of an exchange of the client's;
    the letters are empty for an exchange outside RFC 6749's figures."""
    path = urlsplit(request.url).path
    if path in OTHER_EXCHANGES:
        return ("", "", OTHER_EXCHANGES[path], "Authorization Server")
    if path.endswith("/oauth/token/"):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        grant_type = dict(parse_qsl(body)).get("grant_type")
        return ("G", "H", "", "") if grant_type == "refresh_token" else ("C", "D", "", "")
    if "Authorization" not in request.headers:
        return ("", "", "Public API call, no token", "Resource Server")
    return ("E", "F", "", "")


class Trace:
    """Steps of one run, as JSON-ready dicts (the partner app keeps them in the session)."""

    def __init__(self, steps=None):
        self.steps = list(steps or [])

    def add(
        self, letter: str, http: str, note: str = "", title: str = "", sender: str = "", receiver: str = ""
    ) -> None:
        """Adds a step; a step without a letter needs a ``title``, ``sender`` and ``receiver``."""
        name, sender, receiver = STEPS.get(letter) or (title, sender, receiver)
        self.steps.append(
            {
                "letter": letter,
                "title": title or name,
                "sender": sender,
                "receiver": receiver,
                "http": http,
                "note": note or NOTES.get(letter, ""),
            }
        )

    def record(self, response, *args, **kwargs):
        """A ``requests`` response hook: adds the exchange as two steps."""
        request = response.request
        sent, answered, title, server = classify(request)
        message = request_text(request.method, request.url, request.headers.items(), request.body)
        self.add(sent, message, title=title, sender="Client", receiver=server)
        message = response_text(
            response.status_code, response.reason, response.headers.items(), response.content
        )
        self.add(answered, message, title=title, sender=server, receiver="Client")
        return response

    def attach(self, session):
        """Records every exchange of a ``requests`` session (an OAuth2Session is one)."""
        session.hooks["response"].append(self.record)
        return session

    def letters(self) -> str:
        return "".join(step["letter"] for step in self.steps)


def summary(http: str) -> str:
    """A message's first line, and where a redirect goes."""
    lines = http.splitlines()
    location = next((line for line in lines if line.startswith("Location: ")), "")
    return f"{lines[0]}  {location}" if location else lines[0]
