"""The issuer identifier (RFC 8414 §2, RFC 9207): the ``ISSUER`` setting, or the site's root URL."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from ..settings import provider_settings

__all__ = ["issuer"]

METADATA_PATH = "/.well-known/oauth-authorization-server"


def issuer(request: HttpRequest) -> str:
    """The issuer: the ISSUER setting, or this site's root URL as the request reached it."""
    if provider_settings.ISSUER:
        return str(provider_settings.ISSUER).rstrip("/")
    metadata = request.build_absolute_uri(reverse("oauth_provider:metadata"))
    return metadata.partition(METADATA_PATH)[0]
