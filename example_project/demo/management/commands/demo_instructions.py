"""Print the demo's URLs and its demo-only credentials."""

from django.core.management.base import BaseCommand

from demo import credentials

GRANTS = {
    "partner-web": "authorization code + PKCE, refresh token, OpenID Connect sign-in",
    "partner-service": "client credentials",
    "partner-cli": "password (discouraged)",
    "partner-gateway": "token exchange (RFC 8693), for the audience hotel-api",
    "partner-tv": "device authorization (RFC 8628), refresh token",
    "partner-implicit": "implicit (discouraged)",
}


PUBLIC = "(public, no secret)"


class Command(BaseCommand):
    help = "Print the demo's URLs, users and clients (demo-only credentials)."
    requires_system_checks = []

    def handle(self, *args, **options):
        users = "\n".join(
            f"    {name:<7} {user['password']:<24} {user['role']}" for name, user in credentials.USERS.items()
        )
        clients = "\n".join(
            f"    {client_id:<17} {fields.get('client_secret') or PUBLIC:<47} {GRANTS[client_id]}"
            for client_id, fields in credentials.CLIENTS.items()
        )
        walkthrough = "make demo-walkthrough"
        if (credentials.AS_ADDR, credentials.CLIENT_ADDR) != ("127.0.0.1:8000", "127.0.0.1:8001"):
            walkthrough += f" DEMO_ADDR={credentials.AS_ADDR} DEMO_CLIENT_ADDR={credentials.CLIENT_ADDR}"
        rule = "=" * 78
        self.stdout.write(
            f"""
{rule}
oauth_provider demo
  Partner Travel, the client:                          {credentials.CLIENT_URL}/
  Hotel Booking, authorization server + hotel API:     {credentials.AS_URL}/
  The hotel API for AI agents (MCP, streamable HTTP):  {credentials.MCP_URL}

Open {credentials.CLIENT_URL}/, press "Connect with Hotel Booking" and log in as alice.
Each role has a page there: My bookings (alice), Hotel desk (sam), Manager reports (maria).
"Sign in with Hotel Booking" ({credentials.CLIENT_URL}/signin/) signs in with OpenID Connect.
An MCP client given {credentials.MCP_URL} registers itself and asks alice to consent
(docs/howto/mcp.rst).

Demo-only users (the passwords are public; never reuse them):
{users}
Demo clients (client_id, secret, grants):
{clients}

Every grant, headless, while the demo runs (in another terminal):
    {walkthrough}
The TV app (device grant): it prints a code to enter at {credentials.AS_URL}/oauth/device/
    cd example_project && python manage.py tv_app --settings=partner.settings
Stop the demo with Ctrl-C.
{rule}
"""
        )
