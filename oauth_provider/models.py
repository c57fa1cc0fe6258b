"""Django's entry point for the app's models, which live in ``oauth_provider.storage.models``.

Reach the token models through ``oauth2_provider.models.get_*_model()`` so that a site
that swaps them keeps working.
"""

from .storage.models import (
    AccessToken,
    Application,
    AuditEvent,
    Consent,
    DeviceAuthorization,
    Grant,
    IDToken,
    PushedAuthorizationRequest,
    RefreshToken,
)

__all__ = [
    "AccessToken",
    "Application",
    "AuditEvent",
    "Consent",
    "DeviceAuthorization",
    "Grant",
    "IDToken",
    "PushedAuthorizationRequest",
    "RefreshToken",
]
