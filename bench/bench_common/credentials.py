"""The bench's user and clients. Public, fixed values: never reuse them on a real site."""

USERNAME = "bench-user"
PASSWORD = "bench-password-not-secret"
REDIRECT_URI = "http://127.0.0.1/callback"
SCOPE = "read"

#: role -> (client_id, client_secret); every client is confidential.
CLIENTS = {
    # Client credentials; also the resource server that calls introspection.
    "service": ("bench-service", "bench-service-secret-not-secret"),
    # Password grant.
    "legacy": ("bench-legacy", "bench-legacy-secret-not-secret"),
    # Authorization code (with PKCE) and refresh token grants.
    "web": ("bench-web", "bench-web-secret-not-secret"),
}
