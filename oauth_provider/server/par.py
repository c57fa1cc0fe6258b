"""Pushed authorization requests (RFC 9126): store a client's authorization request, hand
back a ``request_uri`` that stands for it, and give it to the authorization endpoint once.

The ``request_uri`` is 256 random bits behind a fixed prefix; only its SHA-256 is stored. It
lives ``PUSHED_AUTHORIZATION_REQUEST_EXPIRE_SECONDS`` and is bound to the client that pushed
it. The owner may reload the authorization page while deciding (RFC 9126 §4 allows
this); the request is spent when the owner's decision is made, by a conditional update, so
a ``request_uri`` yields at most one authorization response.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import timezone

from ..core.hashing import hash_token
from ..settings import provider_settings
from ..storage.models import PushedAuthorizationRequest

__all__ = [
    "REQUEST_URI_PREFIX",
    "consume",
    "parameters_of",
    "par_enabled",
    "par_required",
    "push",
    "pushed_request",
]

#: RFC 9126 §2.2: a URN the client cannot mistake for a URL.
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"


def par_enabled() -> bool:
    return bool(provider_settings.PUSHED_AUTHORIZATION_REQUESTS)


def par_required(client: Any) -> bool:
    """RFC 9126 §5, §6: whether ``client`` may start an authorization only with a request_uri."""
    return par_enabled() and (
        bool(provider_settings.REQUIRE_PUSHED_AUTHORIZATION_REQUESTS)
        or bool(getattr(client, "require_pushed_authorization_requests", False))
    )


def push(client: Any, parameters: dict[str, str]) -> tuple[str, int]:
    """Store ``parameters`` for ``client``; ``(request_uri, expires_in)``."""
    lifetime = int(provider_settings.PUSHED_AUTHORIZATION_REQUEST_EXPIRE_SECONDS)
    request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
    PushedAuthorizationRequest.objects.create(
        application=client,
        reference=hash_token(request_uri),
        parameters=urlencode(sorted(parameters.items())),
        expires=timezone.now() + timedelta(seconds=lifetime),
    )
    return request_uri, lifetime


def pushed_request(client_id: str | None, request_uri: str | None) -> PushedAuthorizationRequest | None:
    """The unexpired, unused pushed request ``request_uri`` names, if ``client_id`` pushed it
    and is still active (RFC 9126 §4); ``None`` otherwise."""
    if not client_id or not request_uri or not request_uri.startswith(REQUEST_URI_PREFIX):
        return None
    row = (
        PushedAuthorizationRequest.objects.select_related("application")
        .filter(reference=hash_token(request_uri), used__isnull=True, expires__gt=timezone.now())
        .first()
    )
    if row is None or row.application.client_id != client_id or not row.application.is_active:
        return None
    return row


def parameters_of(row: PushedAuthorizationRequest) -> QueryDict:
    """The pushed request's parameters, as the authorization endpoint reads its query."""
    return QueryDict(row.parameters)


def consume(row: PushedAuthorizationRequest) -> bool:
    """Spend the request; False if another request spent it first or it expired meanwhile."""
    now = timezone.now()
    spent = PushedAuthorizationRequest.objects.filter(pk=row.pk, used__isnull=True, expires__gt=now)
    return bool(spent.update(used=now))
