"""Configure django-oauth-toolkit from ``OAUTH_PROVIDER`` so a site writes none of its settings.

django-oauth-toolkit reads its model names from ``OAUTH2_PROVIDER_*_MODEL`` settings
and everything else from the ``OAUTH2_PROVIDER`` dict. Both are documented extension
points; this module fills them in from :data:`oauth_provider.settings.provider_settings`
when the app config is imported (before any model module is) and again whenever
``OAUTH_PROVIDER`` changes. The classes it names there (validator, oauthlib server,
scopes backend, admin classes) are this package's.
"""

from __future__ import annotations

import secrets
import sys
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

from ..core.scopes import known_scopes
from ..core.upstream import forget_oauthlib_servers
from ..settings import provider_settings

__all__ = [
    "SWAPPED_MODELS",
    "configure_django_oauth_toolkit",
    "conflicting_settings",
    "generate_token",
    "openid_connect_enabled",
]

#: django-oauth-toolkit's swappable model settings and the models we swap in.
SWAPPED_MODELS = {
    "OAUTH2_PROVIDER_APPLICATION_MODEL": "oauth_provider.Application",
    "OAUTH2_PROVIDER_GRANT_MODEL": "oauth_provider.Grant",
    "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL": "oauth_provider.AccessToken",
    "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL": "oauth_provider.RefreshToken",
    "OAUTH2_PROVIDER_ID_TOKEN_MODEL": "oauth_provider.IDToken",
}

_conflicts: list[str] = []


class GeneratedSettings(dict):
    """The OAUTH2_PROVIDER dict written by this module, told apart from one a site wrote."""


def generate_token(request: Any) -> str:
    """A new access or refresh token: 256 random bits as base64url, a valid RFC 6750 b64token.

    oauthlib's default draws 30 characters one ``SystemRandom.choice`` at a time.
    """
    return secrets.token_urlsafe(32)


def access_token_lifetime(request: Any) -> int:
    """oauthlib accepts a callable ``expires_in``: the client's own lifetime, else
    ``JWT_ACCESS_TOKEN_EXPIRE_SECONDS`` for a client that gets JWT access tokens, else the
    setting, read per request (so tests that change it are honest)."""
    client = getattr(request, "client", None)
    if client is not None and getattr(client, "access_token_lifetime", None) is not None:
        return client.lifetime("access_token")
    if getattr(client, "issues_jwt_access_tokens", False):
        return int(provider_settings.JWT_ACCESS_TOKEN_EXPIRE_SECONDS)
    return int(provider_settings.ACCESS_TOKEN_EXPIRE_SECONDS)


def dot_settings() -> dict[str, Any]:
    """The ``OAUTH2_PROVIDER`` dict django-oauth-toolkit runs on, derived from ours."""
    ps = provider_settings
    # http (loopback only) is enforced by our own redirect URI rules, not by this list.
    schemes = [s for s in ps.ALLOWED_REDIRECT_URI_SCHEMES if s != "http"]
    values: dict[str, Any] = {
        key.removeprefix("OAUTH2_PROVIDER_"): model for key, model in SWAPPED_MODELS.items()
    }
    values.update(
        {
            "OAUTH2_VALIDATOR_CLASS": "oauth_provider.server.validator.OAuth2Validator",
            "OAUTH2_SERVER_CLASS": "oauth_provider.server.oauthlib_server.Server",
            "SCOPES_BACKEND_CLASS": "oauth_provider.server.scopes_backend.ApplicationScopes",
            # A malformed value is reported by check E002, not crashed on here.
            "SCOPES": known_scopes(),
            "DEFAULT_SCOPES": list(ps.DEFAULT_SCOPES),
            "ACCESS_TOKEN_EXPIRE_SECONDS": ps.ACCESS_TOKEN_EXPIRE_SECONDS,
            "REFRESH_TOKEN_EXPIRE_SECONDS": ps.REFRESH_TOKEN_EXPIRE_SECONDS,
            "AUTHORIZATION_CODE_EXPIRE_SECONDS": ps.AUTHORIZATION_CODE_EXPIRE_SECONDS,
            "EXTRA_SERVER_KWARGS": {"token_expires_in": access_token_lifetime},
            # A JWT (RFC 9068) for the clients registered for them; refresh tokens stay opaque.
            "ACCESS_TOKEN_GENERATOR": "oauth_provider.server.jwt_access_tokens.generate_access_token",
            "REFRESH_TOKEN_GENERATOR": "oauth_provider.server.configuration.generate_token",
            # Its default hook serves the device grant, which is not offered.
            "OAUTH_PRE_TOKEN_VALIDATION": [],
            # RFC 9700 §4.14.2: rotate, detect reuse, no grace period.
            "ROTATE_REFRESH_TOKEN": True,
            "REFRESH_TOKEN_REUSE_PROTECTION": True,
            "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
            "PKCE_REQUIRED": True,
            "ALLOWED_REDIRECT_URI_SCHEMES": schemes,
            "ALLOW_URI_WILDCARDS": False,
            "OIDC_ENABLED": False,
            "OIDC_ISS_ENDPOINT": ps.ISSUER or "",
            "APPLICATION_ADMIN_CLASS": "oauth_provider.ops.admin.ApplicationAdmin",
            "ACCESS_TOKEN_ADMIN_CLASS": "oauth_provider.ops.admin.AccessTokenAdmin",
            "REFRESH_TOKEN_ADMIN_CLASS": "oauth_provider.ops.admin.RefreshTokenAdmin",
            "GRANT_ADMIN_CLASS": "oauth_provider.ops.admin.GrantAdmin",
            "ID_TOKEN_ADMIN_CLASS": "oauth_provider.ops.admin.IDTokenAdmin",
        }
    )
    if ps.OIDC_ENABLED:
        # Keys come from the database (storage/signing_keys.py), never OIDC_RSA_PRIVATE_KEY.
        values.update(
            {
                "OIDC_ENABLED": True,
                "OAUTH2_SERVER_CLASS": "oauth_provider.server.oauthlib_server.OpenIDServer",
                "ID_TOKEN_EXPIRE_SECONDS": ps.ID_TOKEN_EXPIRE_SECONDS,
                "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
            }
        )
    # Every RFC 9700 gate on: hashed tokens at rest, `iss` in authorization
    # responses, no "plain" PKCE, no token in the query string.
    for gate in (
        "IMPLICIT_GRANT",
        "PASSWORD_GRANT",
        "ACCESS_TOKEN_TRANSPORT",
        "AUTHZ_RESPONSE_ISS",
        "TOKEN_STORAGE",
        "REFRESH_TOKEN",
        "REDIRECT_URI_SCHEME",
        "REDIRECT_URI_MATCHING",
        "PKCE_REQUIRED",
    ):
        values[f"COMPLIANT_BCP_RFC9700_{gate}"] = True
    values["COMPLIANT_BCP_RFC9700_PKCE_METHOD"] = not ps.PKCE_PLAIN_ALLOWED
    return values


def openid_connect_enabled() -> bool:
    """Whether django-oauth-toolkit runs OpenID Connect (``OAUTH_PROVIDER["OIDC_ENABLED"]``);
    what shows ID tokens (the admin) asks here."""
    return bool(getattr(settings, "OAUTH2_PROVIDER", {}).get("OIDC_ENABLED"))


def configure_django_oauth_toolkit() -> None:
    """Write django-oauth-toolkit's settings and reload its settings object if it exists."""
    user_value = getattr(settings, "OAUTH2_PROVIDER", None)
    if user_value is not None and not isinstance(user_value, GeneratedSettings):
        _conflicts.append("OAUTH2_PROVIDER")
    for name, model in SWAPPED_MODELS.items():
        current = getattr(settings, name, model)
        if current != model:
            _conflicts.append(name)
        setattr(settings, name, model)
    settings.OAUTH2_PROVIDER = GeneratedSettings(dot_settings())

    module = sys.modules.get("oauth2_provider.settings")
    if module is not None:
        module.oauth2_settings.reload()
    forget_oauthlib_servers()


def conflicting_settings() -> list[str]:
    """django-oauth-toolkit settings the site set itself (reported by check E001)."""
    return sorted(set(_conflicts))


def _reconfigure(*, setting: str, **kwargs: Any) -> None:
    """django-oauth-toolkit's settings are derived from ours; keep them in step."""
    if setting == "OAUTH_PROVIDER":
        provider_settings.reload()
        configure_django_oauth_toolkit()


setting_changed.connect(_reconfigure, dispatch_uid="oauth_provider.server.configuration")
