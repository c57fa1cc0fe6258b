"""Settings for oauth_provider, read from the ``OAUTH_PROVIDER`` dict (DRF's pattern)::

    OAUTH_PROVIDER = {
        "SCOPES": {"bookings:read": "Read your bookings"},
        "ACCESS_TOKEN_EXPIRE_SECONDS": 900,
    }

Code reads ``provider_settings.SCOPES``; values are resolved lazily, cached, and
reloaded when ``OAUTH_PROVIDER`` changes (so ``override_settings`` works in tests).
Every key is documented in ``docs/settings.rst``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .core.grant_types import DEFAULT_GRANT_TYPES

__all__ = ["DEFAULTS", "REMOVED_SETTINGS", "provider_settings", "ProviderSettings"]

#: Every setting and its default; each is documented in docs/settings.rst.
DEFAULTS: dict[str, Any] = {
    # Scopes: name -> human description shown on the consent page.
    "SCOPES": {"read": "Read your data", "write": "Change your data"},
    # Which scopes a resource owner may grant: the import path of a function
    # (resource_owner, client) -> the scope names they may grant, or None for every scope.
    # A request for any other scope is refused (access_denied, or invalid_scope for the
    # password grant) before the consent page; default scopes are narrowed to the owner's
    # share. None: every owner may grant every scope.
    "RESOURCE_OWNER_SCOPES": None,
    # Scopes granted when a request names none (RFC 6749 §3.3); "__all__" means every
    # scope the client is allowed. Always narrowed to the client's allowed scopes.
    "DEFAULT_SCOPES": ["__all__"],
    # Lifetimes, in seconds.
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    # How long a chain of refreshed tokens may last from the owner's grant, however often
    # it is refreshed (each refresh token also expires REFRESH_TOKEN_EXPIRE_SECONDS after it
    # was issued). None: no such limit. A client may set its own (docs/lifetimes.rst).
    "REFRESH_TOKEN_ABSOLUTE_EXPIRE_SECONDS": None,
    # PKCE (RFC 7636, RFC 9700 §2.1.1): S256 is required of public clients.
    "PKCE_REQUIRED_FOR_CONFIDENTIAL_CLIENTS": False,
    "PKCE_PLAIN_ALLOWED": False,
    # Redirect URIs (RFC 9700 §4.1.3): exact match; https, plus http on loopback.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_HTTP_LOOPBACK_REDIRECT_URIS": True,
    # RFC 8414 / RFC 9207 issuer identifier; derived from the request when None.
    "ISSUER": None,
    # Where the authorization endpoint sends anonymous users; None means settings.LOGIN_URL.
    "LOGIN_URL": None,
    # The frame the owner's pages (consent, connected apps, revoke, error) extend: the site's
    # own layout, so owners see which site is asking. It fills "title" and "content".
    "BASE_TEMPLATE": "oauth_provider/base.html",
    "AUTHORIZE_TEMPLATE": "oauth_provider/authorize.html",
    "ERROR_TEMPLATE": "oauth_provider/error.html",
    # Key for the keyed hash of client secrets; None means SECRET_KEY (with
    # SECRET_KEY_FALLBACKS accepted when verifying).
    "CLIENT_SECRET_HASH_KEY": None,
    # Earlier values of CLIENT_SECRET_HASH_KEY, still accepted; a secret that verifies
    # with one is rehashed with the current key.
    "CLIENT_SECRET_HASH_KEY_FALLBACKS": [],
    # After a rotation the previous client secret keeps working this long.
    "CLIENT_SECRET_ROTATION_GRACE_SECONDS": 24 * 3600,
    # Also store audit events in the database (AuditEvent, read-only in the admin).
    "AUDIT_LOG_MODEL": False,
    # Hostile-input limits: longer parameters are rejected with invalid_request.
    "MAX_PARAMETER_LENGTH": 2048,
    # Resource indicators (RFC 8707): the resource URIs this server issues tokens for. A
    # `resource` on an authorization or token request naming any other is invalid_target;
    # empty: no request may name one.
    "RESOURCES": [],
    # Resource servers (RFC 6750).
    "RESOURCE_SERVER_REALM": "api",
    # This resource server's identifier, or a list of them (RFC 8707, RFC 9728 §2 `resource`):
    # when set, a token must name one in its audience, and 401 challenges carry
    # `resource_metadata` (RFC 9728 §5.1). A view can set its own (`audience=`). None: opaque
    # tokens for any audience are accepted; a JWT access token must name the issuer.
    "RESOURCE_SERVER_AUDIENCE": None,
    # The authorization servers the protected resource metadata names (RFC 9728 §2);
    # empty: this site's own issuer.
    "RESOURCE_SERVER_AUTHORIZATION_SERVERS": [],
    # Dynamic client registration (RFC 7591, docs/registration.rst). None: off; "open":
    # anyone may register; "initial_access_token": only with a token an operator issued.
    "DYNAMIC_REGISTRATION": None,
    # What a registered client may ask for: grant types (a subset of GRANT_TYPES), scopes
    # (None: every scope in SCOPES) and whether it may be confidential (get a secret).
    "REGISTRATION_GRANT_TYPES": ["authorization_code", "refresh_token"],
    "REGISTRATION_SCOPES": None,
    "REGISTRATION_CONFIDENTIAL_CLIENTS": True,
    # Client ID metadata documents (docs/registration.rst): a client_id that is an https
    # URL is resolved by fetching that document. Off by default.
    "CLIENT_ID_METADATA_DOCUMENTS": False,
    # The fetch's limits: size, time, and how long a document is kept when its
    # Cache-Control says nothing (clamped to the minimum and maximum).
    "CLIENT_ID_METADATA_DOCUMENT_MAX_BYTES": 5120,
    "CLIENT_ID_METADATA_DOCUMENT_TIMEOUT_SECONDS": 3,
    "CLIENT_ID_METADATA_DOCUMENT_MIN_CACHE_SECONDS": 60,
    "CLIENT_ID_METADATA_DOCUMENT_MAX_CACHE_SECONDS": 24 * 3600,
    # Development only: let documents be fetched from private, loopback and link-local
    # addresses, and over plain http on loopback. Never on a public server (SSRF).
    "CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE_ADDRESSES": False,
    # RFC 6750 §2.2: also accept a token in a form-encoded body (never in the query).
    "ACCESS_TOKEN_IN_BODY": False,
    # Keep a validated access token's row in this process for up to this many seconds
    # (never past its expiry). 0: every request asks the database, and revocation is
    # immediate everywhere; above 0, other processes see a revocation only this late.
    "ACCESS_TOKEN_CACHE_SECONDS": 0,
    # PostgreSQL: a client credentials token (one INSERT, no refresh token) commits without
    # waiting for the disk; a database crash can lose the last ones issued, never a
    # revocation, a rotation or a spent code.
    "ASYNC_COMMIT_CLIENT_CREDENTIALS_TOKENS": True,
    # How the hot paths read and write tokens (storage/token_store.py): "orm", Django's ORM
    # on any database, or "sql", hand-written statements on PostgreSQL and SQLite.
    "TOKEN_STORE": "sql",
    # The "sql" store: how many clients the token endpoint keeps in each process's memory.
    # A request never trusts one past a change to its row (storage/sql.py); 0: off.
    "CLIENT_CACHE_SIZE": 1000,
    # PostgreSQL behind a transaction-mode pooler (a database with Django's
    # DISABLE_SERVER_SIDE_CURSORS): whether the pooler keeps prepared statements (PgBouncer
    # 1.21+ with max_prepared_statements). False: the package prepares none of its
    # statements on such a database, whatever its prepare_threshold.
    "POOLER_KEEPS_PREPARED_STATEMENTS": False,
    # Scopes TokenHasMethodScope requires when a view names none: safe methods / writes.
    "READ_SCOPES": ["read"],
    "WRITE_SCOPES": ["write"],
    # Remote mode: validate tokens with the authorization server's RFC 7662 endpoint.
    "INTROSPECTION_URL": None,
    "INTROSPECTION_CLIENT_ID": None,
    "INTROSPECTION_CLIENT_SECRET": None,
    "INTROSPECTION_CACHE_SECONDS": 60,
    "INTROSPECTION_CACHE_ALIAS": "default",
    "INTROSPECTION_TIMEOUT_SECONDS": 5,
    # Create a local user for a token whose owner is unknown here (else AnonymousUser).
    "INTROSPECTION_CREATE_USERS": False,
    # The device authorization grant (RFC 8628, docs/device.rst), on while GRANT_TYPES lists
    # "urn:ietf:params:oauth:grant-type:device_code": how long a device code and its user
    # code live, and the polling interval the device is told (RFC 8628 §3.2).
    "DEVICE_CODE_EXPIRE_SECONDS": 600,
    "DEVICE_CODE_INTERVAL_SECONDS": 5,
    # Wrong user codes allowed per owner and per address in FAILED_ATTEMPTS_WINDOW_SECONDS
    # before the verification page locks them out (RFC 8628 §5.1, brute force).
    "DEVICE_USER_CODE_ATTEMPTS": 5,
    # The page where the owner enters a user code.
    "DEVICE_TEMPLATE": "oauth_provider/device.html",
    # Pushed authorization requests (RFC 9126, docs/par.rst): the PAR endpoint, and whether
    # every client must use it (a client can be made to with its own flag), and how long a
    # request_uri may be used.
    "PUSHED_AUTHORIZATION_REQUESTS": False,
    "REQUIRE_PUSHED_AUTHORIZATION_REQUESTS": False,
    "PUSHED_AUTHORIZATION_REQUEST_EXPIRE_SECONDS": 300,
    # DPoP (RFC 9449, docs/dpop.rst): sender-constrained tokens. On: the token endpoint binds
    # the tokens of a request with a DPoP proof to its key, and resource servers accept
    # "Authorization: DPoP". The algorithms proofs may use, how far a proof's iat may be
    # from now, the cache that remembers proofs' jti (shared by every server), and nonces.
    "DPOP_ENABLED": False,
    "DPOP_SIGNING_ALGORITHMS": ["ES256", "EdDSA", "RS256"],
    "DPOP_PROOF_MAX_AGE_SECONDS": 60,
    "DPOP_CACHE_ALIAS": "default",
    "DPOP_NONCE_REQUIRED": False,
    "DPOP_NONCE_LIFETIME_SECONDS": 300,
    # Rate limits (DRF rate syntax), per client IP and per client id, checked before
    # any hashing or query. None or a missing endpoint means no limit.
    "RATE_LIMITS": {
        "token": "300/minute",
        "authorize": "120/minute",
        "revoke": "300/minute",
        "introspect": "1200/minute",
        # Dynamic client registration (RFC 7591), per client IP only.
        "register": "20/hour",
        "device_authorization": "60/minute",
        "pushed_authorization_request": "300/minute",
    },
    # Failed client authentications (per client id and IP) and failed password-grant
    # logins (per username and IP) allowed in the window before a lockout, which
    # doubles with each lockout in a row.
    "FAILED_ATTEMPTS_LIMIT": 10,
    "FAILED_ATTEMPTS_WINDOW_SECONDS": 300,
    "RATE_LIMIT_CACHE_ALIAS": "default",
    # When the cache is down: True lets requests through, False answers 503.
    "RATE_LIMIT_FAIL_OPEN": True,
    # Proxies in front of the site whose X-Forwarded-For is trusted (0: use REMOTE_ADDR).
    "NUM_PROXIES": 0,
    # Prometheus metrics (ops/metrics.py): collected while prometheus-client is installed,
    # unless this is False.
    "METRICS": True,
    # Grants the site allows. The legacy "password" and "implicit" grants (RFC 9700 §2.4,
    # §2.1.2) are off unless listed here, and then only for the clients registered for them.
    "GRANT_TYPES": list(DEFAULT_GRANT_TYPES),
    # OpenID Connect (docs/oidc.rst). Off: a plain OAuth 2.0 server, as before.
    "OIDC_ENABLED": False,
    # Scopes offered only while OpenID Connect is on (OpenID Connect Core §5.4):
    # name -> description on the consent page. "openid" must stay.
    "OIDC_SCOPES": {
        "openid": "Sign you in with your account",
        "profile": "See your name and profile",
        "email": "See your email address",
        "address": "See your postal address",
        "phone": "See your phone number",
    },
    # A function (user, scopes) -> dict of standard claims; None: name, username, email.
    "OIDC_CLAIMS": None,
    "ID_TOKEN_EXPIRE_SECONDS": 600,
    # Key for pairwise subject identifiers (OpenID Connect Core §8.1); never change it.
    "PAIRWISE_SUBJECT_KEY": None,
    # Signing keys (storage/signing_keys.py): the algorithms kept, the first the default
    # for ID tokens. Asymmetric only: RS256, ES256, EdDSA.
    "SIGNING_ALGORITHMS": ["RS256"],
    # Keys that encrypt private signing keys at rest (the first encrypts, all decrypt);
    # empty: derived from SECRET_KEY and SECRET_KEY_FALLBACKS.
    "SIGNING_KEY_ENCRYPTION_KEYS": [],
    # How long a key signs before oauth_provider_rotate_keys replaces it.
    "SIGNING_KEY_LIFETIME_SECONDS": 90 * 24 * 3600,
    # How long a new key is published before it signs anything.
    "SIGNING_KEY_ROTATION_LEAD_SECONDS": 24 * 3600,
    # How long each process keeps the signing keys it read.
    "SIGNING_KEY_CACHE_SECONDS": 30,
    # Cache-Control max-age of the JWKS document.
    "JWKS_MAX_AGE_SECONDS": 3600,
    # JWT access tokens (RFC 9068, docs/jwt.rst), issued to the clients whose access token
    # format is "jwt". Short-lived: a resource server accepts one until it expires, unless
    # it consults the denylist.
    "JWT_ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    # Their aud when neither the request (RFC 8707 resource) nor the client names one: a
    # list of URIs; None: this server's issuer identifier.
    "JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE": None,
    # The Django cache (alias) shared with resource servers that holds the jti of revoked JWT
    # access tokens until they expire; None: no denylist.
    "JWT_DENYLIST_CACHE_ALIAS": None,
    # Resource servers: accept JWT access tokens by their signature, without a query or a call.
    "RESOURCE_SERVER_JWT": False,
    # The iss they must carry; None: ISSUER.
    "RESOURCE_SERVER_JWT_ISSUER": None,
    # Where the authorization server publishes its keys (its jwks_uri); None: this site's
    # own signing keys (the resource server is the authorization server's site).
    "RESOURCE_SERVER_JWKS_URL": None,
    # The algorithms accepted (pinned, RFC 8725 §3.1); None: SIGNING_ALGORITHMS.
    "RESOURCE_SERVER_JWT_ALGORITHMS": None,
    # Clock skew allowed on exp, nbf and iat.
    "RESOURCE_SERVER_JWT_LEEWAY_SECONDS": 30,
    # How long a fetched JWKS document is used; a token with an unknown kid fetches it again,
    # at most once every JWKS_REFETCH_FLOOR_SECONDS.
    "JWKS_CACHE_SECONDS": 300,
    "JWKS_REFETCH_FLOOR_SECONDS": 30,
    "JWKS_TIMEOUT_SECONDS": 5,
}

# Values that name classes or functions, imported on first access.
IMPORT_STRINGS: tuple[str, ...] = ("RESOURCE_OWNER_SCOPES", "OIDC_CLAIMS")

#: Renamed or removed keys, and what to use instead.
REMOVED_SETTINGS: dict[str, str] = {
    "PKCE_REQUIRED": "PKCE is always required of public clients; see "
    "PKCE_REQUIRED_FOR_CONFIDENTIAL_CLIENTS for confidential ones.",
    "ROTATE_REFRESH_TOKEN": "Refresh tokens are always rotated, with reuse detection.",
    "ALLOWED_SCHEMES": "Use ALLOWED_REDIRECT_URI_SCHEMES.",
}


class ProviderSettings:
    """Lazy, cached view of ``settings.OAUTH_PROVIDER`` over :data:`DEFAULTS`."""

    def __init__(self, defaults: dict[str, Any] | None = None) -> None:
        self.defaults = defaults or DEFAULTS
        self._cached_attrs: set[str] = set()

    @property
    def user_settings(self) -> dict[str, Any]:
        if not hasattr(self, "_user_settings"):
            value = getattr(settings, "OAUTH_PROVIDER", None) or {}
            if not isinstance(value, dict):
                raise ImproperlyConfigured("OAUTH_PROVIDER must be a dict.")
            self._check_keys(value)
            self._user_settings = value
        return self._user_settings

    def _check_keys(self, value: dict[str, Any]) -> None:
        for key in value:
            if key in REMOVED_SETTINGS:
                raise ImproperlyConfigured(
                    f"OAUTH_PROVIDER[{key!r}] is no longer supported. {REMOVED_SETTINGS[key]}"
                )
            if key not in self.defaults:
                close = [name for name in self.defaults if key.upper() in name or name in key.upper()]
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ImproperlyConfigured(f"OAUTH_PROVIDER has an unknown key {key!r}.{hint}")

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_") or attr not in self.defaults:
            raise AttributeError(f"Invalid oauth_provider setting: {attr!r}")
        value = self.user_settings.get(attr, self.defaults[attr])
        if value and attr in IMPORT_STRINGS:
            value = import_string(value) if isinstance(value, str) else value
        self._cached_attrs.add(attr)
        setattr(self, attr, value)
        return value

    def reload(self) -> None:
        for attr in self._cached_attrs:
            delattr(self, attr)
        self._cached_attrs.clear()
        if hasattr(self, "_user_settings"):
            delattr(self, "_user_settings")


provider_settings = ProviderSettings()


def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "OAUTH_PROVIDER":
        provider_settings.reload()


setting_changed.connect(_reload)
