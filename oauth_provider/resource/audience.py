"""The audience a resource server expects of an access token (RFC 8707 §2, RFC 9068 §4),
shared by opaque and JWT access tokens."""

from __future__ import annotations

from collections.abc import Iterable

from ..settings import provider_settings

__all__ = ["SITE_AUDIENCE", "Audience", "expected_audience"]

#: ``audience=`` left out: ``RESOURCE_SERVER_AUDIENCE`` applies.
SITE_AUDIENCE = ""

#: One resource identifier, several (any one will do), ``SITE_AUDIENCE`` or ``None`` (any).
Audience = str | Iterable[str] | None


def expected_audience(audience: Audience = SITE_AUDIENCE) -> list[str] | None:
    """The audiences a token may name to be accepted (any one will do): ``audience``, or
    ``RESOURCE_SERVER_AUDIENCE`` when it is left out; ``None`` means any."""
    if audience == SITE_AUDIENCE:
        audience = provider_settings.RESOURCE_SERVER_AUDIENCE or None
    if audience is None:
        return None
    return [audience] if isinstance(audience, str) else [str(value) for value in audience]
