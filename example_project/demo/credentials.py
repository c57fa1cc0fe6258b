"""The demo's addresses, users and clients, with fixed credentials.

Demo only: these values are public, printed at start and written in the docs. Never reuse
them on a real site. ``seed_demo`` registers them on the authorization server, and the
partner app (``partner.settings``) reads its own client credentials from here; a real
client would read them from its own configuration.
"""

import os

# The authorization server (which also serves the hotel API) and the partner app.
# `make demo DEMO_ADDR=127.0.0.1:9000 DEMO_CLIENT_ADDR=127.0.0.1:9001` moves them.
AS_ADDR = os.environ.get("DEMO_ADDR", "127.0.0.1:8000")
CLIENT_ADDR = os.environ.get("DEMO_CLIENT_ADDR", "127.0.0.1:8001")
AS_URL = f"http://{AS_ADDR}"
CLIENT_URL = f"http://{CLIENT_ADDR}"
# The hotel API's MCP endpoint (hotels/mcp_server.py): a resource server of its own (RFC 8707),
# which MCP clients find and register for themselves (docs/howto/mcp.rst).
MCP_URL = f"{AS_URL}/mcp"
MCP_SCOPES = ["bookings:read"]

# username -> password, what the user is in the demo, and the name and email address the
# partner app sees when the user signs in with Hotel Booking (OpenID Connect claims).
USERS = {
    "alice": {
        "password": "alice-demo-password",
        "role": "guest with two bookings",
        "name": ("Alice", "Lopes"),
        "email": "alice@example.com",
    },
    "sam": {
        "password": "sam-demo-password",
        "role": "front desk at Harbour View Hotel",
        "name": ("Sam", "Ferreira"),
        "email": "sam@harbourview.example",
    },
    "maria": {
        "password": "maria-demo-password",
        "role": "manager of both hotels",
        "name": ("Maria", "Keller"),
        "email": "maria@hotels.example",
    },
    "admin": {
        "password": "admin-demo-password",
        "role": "superuser, for /admin/",
        "name": ("", ""),
        "email": "",
    },
}

SCOPES = {
    "bookings:read": "See your hotel bookings",
    "bookings:write": "Book and cancel hotel rooms for you",
    "hotel:manage": "Manage the rooms and bookings of the hotel you work at",
    "reports:read": "Read the reports of the hotels you manage",
}

# The OpenID Connect scopes the partner app asks for to sign its users in (docs/oidc.rst).
SIGN_IN_SCOPES = ["openid", "profile", "email"]

# client_id -> options of `manage.py oauth_provider_create_client`.
CLIENTS = {
    "partner-web": {
        "name": "Partner Travel",
        "description": "A travel app that shows and books your hotel stays.",
        "homepage_url": f"{CLIENT_URL}/",
        "client_type": "confidential",
        "client_secret": "partner-web-demo-secret-not-for-production",
        "grant_type": ["authorization_code", "refresh_token"],
        # Connecting to the API comes back to /callback/, signing in to /signin/callback/.
        "redirect_uri": [f"{CLIENT_URL}/callback/", f"{CLIENT_URL}/signin/callback/"],
        "scope": [*SCOPES, *SIGN_IN_SCOPES],
        "post_logout_redirect_uri": [f"{CLIENT_URL}/signed-out/"],
    },
    "partner-service": {
        "name": "Partner Travel reports service",
        "client_type": "confidential",
        "client_secret": "partner-service-demo-secret-not-for-production",
        "grant_type": ["client_credentials"],
        "scope": ["reports:read"],
    },
    "partner-cli": {
        "name": "Partner Travel command line (password grant: discouraged)",
        "description": "Shows the password grant, which RFC 9700 says must not be used.",
        "client_type": "confidential",
        "client_secret": "partner-cli-demo-secret-not-for-production",
        "grant_type": ["password", "refresh_token"],
        "scope": ["bookings:read"],
    },
    "partner-gateway": {
        "name": "Partner Travel gateway (token exchange)",
        "description": "Exchanges a traveller's token for one for the hotel API (RFC 8693).",
        "client_type": "confidential",
        "client_secret": "partner-gateway-demo-secret-not-for-production",
        "grant_type": ["urn:ietf:params:oauth:grant-type:token-exchange"],
        "token_exchange_audience": ["hotel-api"],
        "scope": ["bookings:read"],
    },
    "partner-tv": {
        "name": "Partner Travel TV app",
        "description": "A TV app: you connect it by typing the code it shows (device grant, RFC 8628).",
        "client_type": "public",
        "grant_type": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
        "scope": ["bookings:read"],
    },
    "partner-implicit": {
        "name": "Partner Travel legacy page (implicit grant: discouraged)",
        "description": "Shows the implicit grant, which RFC 9700 says should not be used.",
        "client_type": "public",
        "grant_type": ["implicit"],
        "redirect_uri": [f"{CLIENT_URL}/implicit/"],
        "scope": ["bookings:read"],
    },
}
