"""Print ready-to-paste curl commands for every flow against the demo server."""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from django.core.management.base import BaseCommand

from demo.credentials import BASE_URL, CLIENTS, PASSWORD, REDIRECT_URI, USERNAME

TOKEN_URL = f"{BASE_URL}/oauth/token/"


def pkce_pair() -> tuple[str, str]:
    """A fresh RFC 7636 code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def basic(client_id: str) -> str:
    return f"-u {client_id}:{CLIENTS[client_id]['client_secret']}"


def authorize_url(**params: str) -> str:
    return f"{BASE_URL}/oauth/authorize/?{urlencode(params)}"


class Command(BaseCommand):
    help = "Print curl commands for every OAuth flow against the demo server."

    def handle(self, *args, **options):
        web_verifier, web_challenge = pkce_pair()
        spa_verifier, spa_challenge = pkce_pair()
        field = '$(echo "$TOKENS" | json_field {})'
        access, refresh = field.format("access_token"), field.format("refresh_token")
        exchange = (
            f'-d grant_type=authorization_code --data-urlencode "code=$CODE" '
            f"--data-urlencode redirect_uri={REDIRECT_URI}"
        )
        state = secrets.token_urlsafe(8)
        code_params = {"response_type": "code", "redirect_uri": REDIRECT_URI, "state": state}
        pkce = {"code_challenge_method": "S256"}
        web_url = authorize_url(
            **code_params, client_id="demo-web", scope="read write", code_challenge=web_challenge, **pkce
        )
        spa_url = authorize_url(
            **code_params, client_id="demo-public", scope="read", code_challenge=spa_challenge, **pkce
        )
        implicit_url = authorize_url(
            response_type="token",
            client_id="demo-legacy",
            redirect_uri=REDIRECT_URI,
            scope="read",
            state=state,
        )
        text = f"""
========================================================================
oauth_provider demo: {BASE_URL}/
Sign in as {USERNAME} / {PASSWORD}   (demo-only credentials)
Clients: {", ".join(CLIENTS)}
Paste the commands below into bash or zsh while the server runs.
========================================================================

# Helper: print one field of the JSON held in $TOKENS (needs python3).
json_field() {{ python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }}

# Authorization server metadata (RFC 8414)
curl -s -w '\\n' {BASE_URL}/.well-known/oauth-authorization-server

# Client credentials grant (demo-service)
curl -s -w '\\n' {basic("demo-service")} -d grant_type=client_credentials -d scope=read {TOKEN_URL}

# Password grant (demo-legacy; discouraged by RFC 9700). Keeps the response in $TOKENS.
TOKENS=$(curl -s {basic("demo-legacy")} -d grant_type=password -d username={USERNAME} \\
  -d password={PASSWORD} --data-urlencode "scope=read write" {TOKEN_URL}); echo "$TOKENS"

# Call the protected API with the access token
curl -s -w '\\n' -H "Authorization: Bearer {access}" {BASE_URL}/api/me/

# Refresh. Refresh tokens rotate: each works once, and reusing one revokes the whole family.
TOKENS=$(curl -s {basic("demo-legacy")} -d grant_type=refresh_token \\
  --data-urlencode "refresh_token={refresh}" {TOKEN_URL}); echo "$TOKENS"

# Introspect the access token (RFC 7662; demo-service may introspect any client's tokens)
curl -s -w '\\n' {basic("demo-service")} --data-urlencode "token={access}" {BASE_URL}/oauth/introspect/

# Revoke the refresh token and every token issued with it (RFC 7009); the answer is 200 {{}}
curl -s -w '\\n' -i {basic("demo-legacy")} -d token_type_hint=refresh_token \\
  --data-urlencode "token={refresh}" {BASE_URL}/oauth/revoke/

# The access token of the revoked family is inactive now: {{"active": false}}
curl -s -w '\\n' {basic("demo-service")} --data-urlencode "token={access}" {BASE_URL}/oauth/introspect/

# Authorization code grant with PKCE, confidential client (demo-web).
# PKCE pair: code_verifier={web_verifier}
#            code_challenge={web_challenge} (S256)
# 1. Open this URL in a browser, sign in as {USERNAME} and approve:
#    {web_url}
# 2. The callback page shows the code; exchange it within a minute:
CODE=paste-the-code-here
TOKENS=$(curl -s {basic("demo-web")} \\
  {exchange} \\
  -d code_verifier={web_verifier} {TOKEN_URL}); echo "$TOKENS"

# Authorization code grant with PKCE, public client (demo-public): no secret, client_id in the body.
# PKCE pair: code_verifier={spa_verifier}
#            code_challenge={spa_challenge} (S256)
# 1. Open this URL in a browser, sign in as {USERNAME} and approve:
#    {spa_url}
# 2. The callback page shows the code; exchange it within a minute:
CODE=paste-the-code-here
TOKENS=$(curl -s -d client_id=demo-public \\
  {exchange} \\
  -d code_verifier={spa_verifier} {TOKEN_URL}); echo "$TOKENS"

# Implicit grant (demo-legacy; discouraged by RFC 9700). Open this URL in a browser;
# the token comes back in the URL fragment, which the callback page shows:
#    {implicit_url}
"""
        self.stdout.write(text)
