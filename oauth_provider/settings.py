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
    # Resource servers (RFC 6750).
    "RESOURCE_SERVER_REALM": "api",
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
    # Rate limits (DRF rate syntax), per client IP and per client id, checked before
    # any hashing or query. None or a missing endpoint means no limit.
    "RATE_LIMITS": {
        "token": "300/minute",
        "authorize": "120/minute",
        "revoke": "300/minute",
        "introspect": "1200/minute",
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
    # The models, as "app_label.ModelName": a site's subclasses of the abstract bases in
    # oauth_provider.models, to add fields (docs/extending.rst). Decide before the first
    # migrate; they are django-oauth-toolkit's OAUTH2_PROVIDER_*_MODEL settings too.
    "APPLICATION_MODEL": "oauth_provider.Application",
    "ACCESS_TOKEN_MODEL": "oauth_provider.AccessToken",
    "REFRESH_TOKEN_MODEL": "oauth_provider.RefreshToken",
    "GRANT_MODEL": "oauth_provider.Grant",
    "ID_TOKEN_MODEL": "oauth_provider.IDToken",
    "CONSENT_MODEL": "oauth_provider.Consent",
    # The oauthlib request validator: a subclass of
    # oauth_provider.server.validator.OAuth2Validator, to add a rule (docs/extending.rst).
    "VALIDATOR_CLASS": "oauth_provider.server.validator.OAuth2Validator",
    # The oauthlib server: a subclass of oauth_provider.server.oauthlib_server.Server, or of
    # its OpenIDServer while OIDC_ENABLED is on. None: the one that fits OIDC_ENABLED.
    "SERVER_CLASS": None,
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
