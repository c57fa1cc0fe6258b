"""Fixed demo credentials, so that ``make demo`` can print commands that work as they are.

Demo only: these values are public. Never reuse them on a real site.
"""

import os

USERNAME = "alice"
PASSWORD = "alice-demo-password"

# `make demo DEMO_ADDR=127.0.0.1:8001` serves (and registers the clients) elsewhere.
BASE_URL = "http://" + os.environ.get("DEMO_ADDR", "127.0.0.1:8000")
REDIRECT_URI = f"{BASE_URL}/demo/callback/"

# client_id -> Application fields; "client_secret" is hashed when saved.
CLIENTS = {
    "demo-web": {
        "name": "Demo web app (confidential, authorization code)",
        "client_type": "confidential",
        "client_secret": "demo-web-secret-not-for-production",
        "grant_types": "authorization_code refresh_token",
        "redirect_uris": REDIRECT_URI,
        "allowed_scopes": "read write",
    },
    "demo-service": {
        "name": "Demo service (client credentials; resource server)",
        "client_type": "confidential",
        "client_secret": "demo-service-secret-not-for-production",
        "grant_types": "client_credentials",
        "redirect_uris": "",
        "allowed_scopes": "read",
        "can_introspect_any_token": True,
    },
    "demo-public": {
        "name": "Demo single-page app (public, authorization code + PKCE)",
        "client_type": "public",
        "client_secret": "",
        "grant_types": "authorization_code refresh_token",
        "redirect_uris": REDIRECT_URI,
        "allowed_scopes": "read",
    },
    "demo-legacy": {
        "name": "Demo legacy app (password + implicit: discouraged by RFC 9700)",
        "client_type": "confidential",
        "client_secret": "demo-legacy-secret-not-for-production",
        "grant_types": "password implicit refresh_token",
        "redirect_uris": REDIRECT_URI,
        "allowed_scopes": "read write",
        "description": "Legacy grants, discouraged by RFC 9700; kept to show how they behave.",
    },
}
