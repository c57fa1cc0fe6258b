"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3).

``client_secret_basic`` (HTTP Basic, preferred) and ``client_secret_post``; a client
uses one method per request. Public clients authenticate with their id alone.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from django.http import HttpRequest
from django.utils import timezone

from ..core.errors import InvalidRequest
from ..core.hashing import hash_client_secret, verify_client_secret
from ..storage.token_store import token_store
from . import metadata_documents

__all__ = [
    "authenticated_client",
    "ClientCredentials",
    "MalformedCredentials",
    "authenticate",
    "load_client",
    "parse_basic_authorization",
]


class MalformedCredentials(ValueError):
    """The request's client credentials cannot be read; answered with invalid_request."""


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str
    method: str  # "client_secret_basic", "client_secret_post" or "none"


def parse_basic_authorization(header: str) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from a Basic header, ``None`` for another scheme.

    RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    """
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise MalformedCredentials("The Basic authorization header is not valid base64 of UTF-8.") from exc
    client_id, colon, client_secret = decoded.partition(":")
    if not colon:
        raise MalformedCredentials("The Basic authorization header must hold client_id:client_secret.")
    return unquote_plus(client_id), unquote_plus(client_secret)


def read_credentials(
    authorization: str, body_client_id: str | None, body_secret: str | None
) -> ClientCredentials | None:
    """The credentials a request presents, or ``None`` if it presents none."""
    basic = parse_basic_authorization(authorization) if authorization else None
    if basic is not None:
        if body_secret is not None:
            raise MalformedCredentials(
                "Use one client authentication method: HTTP Basic or client_secret in the body, not both."
            )
        if body_client_id is not None and body_client_id != basic[0]:
            raise MalformedCredentials("client_id in the body does not match the Basic authorization header.")
        return ClientCredentials(basic[0], basic[1], "client_secret_basic")
    if body_client_id is None:
        return None
    if body_secret is not None:
        return ClientCredentials(body_client_id, body_secret, "client_secret_post")
    return ClientCredentials(body_client_id, "", "none")


def load_client(client_id: str):
    """The active Application with ``client_id``, or ``None``; at the token endpoint,
    perhaps from memory (see the token store)."""
    if not client_id or "\x00" in client_id or len(client_id) > 255:
        return None
    client = token_store().client(client_id)
    if metadata_documents.applies_to(client_id):
        # A client ID metadata document's client: fetched when unknown or stale.
        client = metadata_documents.resolve_client(client_id, client)
    elif client is not None and client.registration_source == metadata_documents.CIMD:
        # Metadata documents were turned off: their clients stop with them.
        return None
    if client is None or not client.is_usable(None):
        return None
    return client


def _previous_secret_matches(client: Any, provided: str) -> bool:
    """During a rotation's grace period the old secret still authenticates."""
    expires = client.previous_client_secret_expires
    return (
        bool(client.previous_client_secret)
        and expires is not None
        and expires > timezone.now()
        and verify_client_secret(provided, client.previous_client_secret)
    )


def authenticate(credentials: ClientCredentials):
    """The client the credentials prove, or ``None``.

    A confidential client needs its secret. A public client is identified by its id
    and must not send a secret. A secret stored with a legacy or fallback key is
    rewritten with the current key after it verifies.
    """
    client = load_client(credentials.client_id)
    if client is None:
        return None
    if not client.is_confidential:
        return client if not credentials.client_secret else None
    if credentials.method == "none":
        return None
    current = hash_client_secret(credentials.client_secret)
    stored = client.client_secret.encode("utf-8", "surrogatepass")
    if credentials.client_secret and hmac.compare_digest(current.encode(), stored):
        return client  # the common case: stored with the current key
    if not verify_client_secret(credentials.client_secret, client.client_secret):
        return client if _previous_secret_matches(client, credentials.client_secret) else None
    # Verified with a legacy hash or a fallback key: store the current one, but only if the
    # stored hash is still the one verified (a secret rotated meanwhile stays).
    stale = type(client).objects.filter(pk=client.pk, client_secret=client.client_secret)
    stale.update(client_secret=current)
    client.client_secret = current
    return client


def authenticated_client(request: HttpRequest) -> Any | None:
    """The client a form POST authenticates (HTTP Basic, or ``client_id`` and
    ``client_secret`` in the body, RFC 6749 §2.3.1), or ``None``; malformed credentials
    are :class:`~oauth_provider.core.errors.InvalidRequest`."""
    try:
        credentials = read_credentials(
            request.META.get("HTTP_AUTHORIZATION", ""),
            request.POST.get("client_id"),
            request.POST.get("client_secret"),
        )
    except MalformedCredentials as exc:
        raise InvalidRequest(str(exc)) from exc
    return authenticate(credentials) if credentials else None
