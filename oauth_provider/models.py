"""Django's entry point for the app's models, which live in ``oauth_provider.storage.models``.

Reach the token models through ``oauth2_provider.models.get_*_model()`` (and consents through
:func:`get_consent_model`) so that a site that swaps them keeps working. A site's own models
subclass the abstract bases (docs/extending.rst).
"""

from .storage.models import (
    AbstractAccessToken,
    AbstractApplication,
    AbstractConsent,
    AbstractGrant,
    AbstractIDToken,
    AbstractRefreshToken,
    AccessToken,
    Application,
    AuditEvent,
    Consent,
    DeviceAuthorization,
    Grant,
    IDToken,
    ImportedDotRow,
    PushedAuthorizationRequest,
    RefreshToken,
    get_consent_model,
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
    "PushedAuthorizationRequest",
    "RefreshToken",
    "get_consent_model",
]
