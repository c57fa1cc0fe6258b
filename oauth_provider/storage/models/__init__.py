"""Models swapped in for django-oauth-toolkit's, plus the owner's stored consent and audit events.

Each model has an abstract base a site can subclass to add fields (docs/extending.rst);
``OAUTH_PROVIDER["*_MODEL"]`` settings name the subclass. Reach them through
``oauth2_provider.models.get_*_model()`` and :func:`get_consent_model` so that a site that
swaps them keeps working.
"""

from typing import Any

from django.apps import apps
from django.conf import settings

from .applications import AbstractApplication, Application
from .audit import AuditEvent
from .consents import AbstractConsent, Consent
from .devices import DeviceAuthorization
from .grants import AbstractGrant, Grant
from .imported import ImportedDotRow
from .pushed import PushedAuthorizationRequest
from .registration import InitialAccessToken
from .signing_keys import SigningKey
from .tokens import (
    AbstractAccessToken,
    AbstractIDToken,
    AbstractRefreshToken,
    AccessToken,
    IDToken,
    RefreshToken,
)

__all__ = [
    "AbstractAccessToken",
    "AbstractApplication",
    "AbstractConsent",
    "AbstractGrant",
    "AbstractIDToken",
    "AbstractRefreshToken",
    "AccessToken",
    "Application",
    "AuditEvent",
    "Consent",
    "DeviceAuthorization",
    "Grant",
    "IDToken",
    "ImportedDotRow",
    "InitialAccessToken",
    "PushedAuthorizationRequest",
    "RefreshToken",
    "SigningKey",
    "get_consent_model",
]


def get_consent_model() -> Any:
    """The consent model in use: ``OAUTH_PROVIDER["CONSENT_MODEL"]``, by default :class:`Consent`."""
    return apps.get_model(getattr(settings, "OAUTH_PROVIDER_CONSENT_MODEL", "oauth_provider.Consent"))
