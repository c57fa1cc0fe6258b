"""The names of Django, Django REST framework, django-oauth-toolkit and oauthlib that
are not public API but that the package relies on, each wrapped once here.

``tests/test_upstream_contract.py`` checks each of them against the installed
versions, so that an upstream change fails there, naming what moved, instead of
somewhere deep in a request.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

__all__ = ["django_request"]


def django_request(request: Any) -> HttpRequest:
    """The Django ``HttpRequest`` of a DRF ``Request`` (DRF keeps it as ``_request`` and
    documents no public name for it); a Django request is returned as it is."""
    return getattr(request, "_request", request)
