"""Grant types (RFC 6749 §4) and the response types that start them (§3.1.1), defined once."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DEFAULT_GRANT_TYPES",
    "DOT_GRANT_NAMES",
    "LEGACY_GRANT_TYPES",
    "OPT_IN_GRANT_TYPES",
    "REDIRECT_GRANT_TYPES",
    "RESPONSE_TYPES",
    "GrantType",
    "supported_response_types",
]


class GrantType(models.TextChoices):
    """Grant types by their RFC 6749 ``grant_type`` names."""

    AUTHORIZATION_CODE = "authorization_code", _("Authorization code")
    REFRESH_TOKEN = "refresh_token", _("Refresh token")
    CLIENT_CREDENTIALS = "client_credentials", _("Client credentials")
    PASSWORD = "password", _("Resource owner password (discouraged by RFC 9700)")
    IMPLICIT = "implicit", _("Implicit (discouraged by RFC 9700)")
    DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code", _("Device authorization (RFC 8628)")
    TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange", _("Token exchange (RFC 8693)")


#: RFC 9700 §2.4 and §2.1.2: the password and implicit grants should not be used.
LEGACY_GRANT_TYPES: tuple[str, ...] = (GrantType.PASSWORD.value, GrantType.IMPLICIT.value)

#: Grants a site turns on by listing them in ``GRANT_TYPES``: the legacy ones, the device
#: grant (RFC 8628), which adds endpoints of its own, and token exchange (RFC 8693).
OPT_IN_GRANT_TYPES: tuple[str, ...] = (
    *LEGACY_GRANT_TYPES,
    GrantType.DEVICE_CODE.value,
    GrantType.TOKEN_EXCHANGE.value,
)

#: The grants a site allows when ``OAUTH_PROVIDER["GRANT_TYPES"]`` is not set: every grant
#: except the opt-in ones.
DEFAULT_GRANT_TYPES: tuple[str, ...] = tuple(
    grant for grant in GrantType.values if grant not in OPT_IN_GRANT_TYPES
)

#: Grants whose response travels to a redirect URI.
REDIRECT_GRANT_TYPES = frozenset({GrantType.AUTHORIZATION_CODE.value, GrantType.IMPLICIT.value})

#: ``response_type`` -> the grant it starts (RFC 6749 §3.1.1).
RESPONSE_TYPES: dict[str, str] = {
    "code": GrantType.AUTHORIZATION_CODE.value,
    "token": GrantType.IMPLICIT.value,
}

#: django-oauth-toolkit's own names (``AbstractApplication.GRANT_*``), which it passes to
#: ``Application.allows_grant_type()``; a contract test keeps them in step with it.
DOT_GRANT_NAMES: dict[str, str] = {
    "authorization-code": GrantType.AUTHORIZATION_CODE.value,
    "implicit": GrantType.IMPLICIT.value,
    "password": GrantType.PASSWORD.value,
    "client-credentials": GrantType.CLIENT_CREDENTIALS.value,
}


def supported_response_types(enabled_grant_types: Iterable[str]) -> list[str]:
    """The response types of the grants a site allows, for metadata and error messages."""
    enabled = set(enabled_grant_types)
    return [response_type for response_type, grant in RESPONSE_TYPES.items() if grant in enabled]
