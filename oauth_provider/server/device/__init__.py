"""The device authorization grant (RFC 8628): codes, the authorizations' life cycle and
the polling rules. The endpoints are in ``server/endpoints/device.py``."""

from __future__ import annotations

from ...core.grant_types import GrantType
from ...settings import provider_settings

__all__ = ["device_grant_enabled"]


def device_grant_enabled() -> bool:
    """Whether the site allows the device grant (``GRANT_TYPES`` lists it)."""
    return GrantType.DEVICE_CODE.value in provider_settings.GRANT_TYPES
