"""Models swapped in for django-oauth-toolkit's, plus the owner's stored consent and audit events.

Reach them through ``oauth2_provider.models.get_*_model()`` (or the names below) so
a site that swaps again keeps working.
"""

from .applications import Application
from .audit import AuditEvent
from .consents import Consent
from .devices import DeviceAuthorization
from .grants import Grant
from .pushed import PushedAuthorizationRequest
from .registration import InitialAccessToken
from .signing_keys import SigningKey
from .tokens import AccessToken, IDToken, RefreshToken

__all__ = [
    "AccessToken",
    "Application",
    "AuditEvent",
    "Consent",
    "DeviceAuthorization",
    "Grant",
    "IDToken",
    "InitialAccessToken",
    "PushedAuthorizationRequest",
    "RefreshToken",
    "SigningKey",
]
