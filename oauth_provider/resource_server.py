"""Resource server core (RFC 6750): read a bearer token, validate it, check scopes.

Framework-free: the DRF classes in ``authentication`` and ``permissions`` and the
plain-Django decorator and mixin in ``decorators`` all call these functions and turn
:class:`BearerError` into their own responses. Tokens are validated against this
database, or, when ``INTROSPECTION_URL`` is set, through the authorization server's
RFC 7662 endpoint (see ``introspection_client``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from oauth2_provider.models import get_access_token_model

from . import token_cache
from .hashing import hash_token
from .prepared import PreparedLookup, PreparedRow
from .scopes import parse_scope
from .settings import provider_settings

__all__ = [
    "AccessTokenInfo",
    "BearerError",
    "InsufficientScope",
    "InvalidBearerRequest",
    "InvalidToken",
    "AuthorizationServerUnavailable",
    "bearer_challenge",
    "bearer_token_from",
    "require_scopes",
    "validate_access_token",
]

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# RFC 6750 §2.2: a body token needs a method whose body has defined semantics; never GET.
BODY_TOKEN_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class AccessTokenInfo:
    """A valid access token as a resource server sees it (``request.auth``)."""

    scopes: frozenset[str]
    client_id: str
    user: Any
    expires: datetime | None
    #: The resource owner's username; ``None`` for a client credentials token.
    subject: str | None
    #: The local AccessToken row; ``None`` when validated by introspection.
    token: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def application(self) -> Any:
        return self.token.application if self.token is not None else None

    @property
    def is_client_token(self) -> bool:
        """Issued by the client credentials grant: no resource owner behind it."""
        return self.subject is None

    def has_scopes(self, required: Iterable[str]) -> bool:
        return set(required) <= self.scopes


class BearerError(Exception):
    """An RFC 6750 §3.1 error: ``error`` code, HTTP status, description."""

    error: str | None = "invalid_token"
    status_code = 401
    description = "The access token is invalid."

    def __init__(self, description: str | None = None) -> None:
        if description:
            self.description = description
        super().__init__(self.description)

    def challenge(self) -> str:
        return bearer_challenge(self.error, self.description)


class MissingToken(BearerError):
    """No token was sent: the challenge carries no error code (RFC 6750 §3.1)."""

    error = None
    description = "Authentication credentials were not provided: send a bearer access token."

    def challenge(self) -> str:
        return bearer_challenge()


class InvalidBearerRequest(BearerError):
    error = "invalid_request"
    status_code = 400
    description = "The request carries a malformed bearer token."


class InvalidToken(BearerError):
    error = "invalid_token"
    status_code = 401


class InsufficientScope(BearerError):
    error = "insufficient_scope"
    status_code = 403

    def __init__(self, required: Iterable[str]) -> None:
        self.required = sorted(set(required))
        super().__init__(f"The access token lacks a required scope: {' '.join(self.required)}.")

    def challenge(self) -> str:
        return bearer_challenge(self.error, self.description, scope=" ".join(self.required))


class AuthorizationServerUnavailable(BearerError):
    """Introspection failed: the token is treated as unknown, never as valid."""

    error = None
    status_code = 503
    description = "The authorization server could not be reached to check the access token."


def _quoted(value: str) -> str:
    # RFC 6750 section 3: quoted-string of printable ASCII; header values must stay ASCII.
    text = value.encode("ascii", "replace").decode("ascii").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def bearer_challenge(
    error: str | None = None, description: str | None = None, scope: str | None = None
) -> str:
    """A ``WWW-Authenticate`` value (RFC 6750 §3)."""
    params = [f"realm={_quoted(provider_settings.RESOURCE_SERVER_REALM)}"]
    if error:
        params.append(f"error={_quoted(error)}")
        if description:
            params.append(f"error_description={_quoted(description)}")
    if scope:
        params.append(f"scope={_quoted(scope)}")
    return "Bearer " + ", ".join(params)


def bearer_token_from(request: HttpRequest) -> str | None:
    """The bearer token of a request (RFC 6750 section 2), or ``None`` when it sent none.

    The ``Authorization`` header always counts; a form body ``access_token`` (POST, PUT
    or PATCH) only when ``ACCESS_TOKEN_IN_BODY`` is on; the URL query never (RFC 9700 §4.3.2).
    """
    found: list[str] = []
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            value = value.strip()
            if not value or not B64TOKEN.fullmatch(value):
                raise InvalidBearerRequest(
                    "The Authorization header must be 'Bearer <token>' (RFC 6750 section 2.1)."
                )
            found.append(value)
    if request.META.get("QUERY_STRING") and "access_token" in request.GET:
        raise InvalidBearerRequest(
            "Access tokens are not accepted in the URL query; send them in the Authorization header."
        )
    if (
        provider_settings.ACCESS_TOKEN_IN_BODY
        and request.method in BODY_TOKEN_METHODS
        and request.content_type == "application/x-www-form-urlencoded"
    ):
        # Django parses a form body into request.POST for POST only; PUT and PATCH bodies
        # have the same semantics (RFC 6750 §2.2), so parse the raw body the same way.
        form = (
            request.POST if request.method == "POST" else QueryDict(request.body, encoding=request.encoding)
        )
        found += form.getlist("access_token")
    if len(found) > 1:
        raise InvalidBearerRequest("Send exactly one access token (RFC 6750 section 2).")
    return found[0] if found else None


#: The access token by the SHA-256 of its value (a unique index), with its client and owner.
ACCESS_TOKEN_BY_CHECKSUM = PreparedLookup(
    get_access_token_model,
    lambda model, checksum: model.objects.select_related("application", "user").filter(
        token_checksum=checksum
    ),
)


@dataclass(frozen=True)
class _Accepted:
    """What the token cache keeps of a token it accepted: its row, and what was checked."""

    row: PreparedRow
    scopes: frozenset[str]
    client_id: str
    expires: datetime
    subject: str | None


def _from_cache(entry: _Accepted) -> AccessTokenInfo:
    """A cached token, checked again for expiry; its instances are built only if a view asks."""
    if entry.expires <= timezone.now():
        raise InvalidToken("The access token has expired.")
    token: Any = SimpleLazyObject(entry.row.instance)
    return AccessTokenInfo(
        scopes=entry.scopes,
        client_id=entry.client_id,
        user=SimpleLazyObject(lambda: token.user) if entry.subject is not None else AnonymousUser(),
        expires=entry.expires,
        subject=entry.subject,
        token=token,
    )


def _local_token(value: str, use_cache: bool) -> AccessTokenInfo:
    checksum = hash_token(value)
    use_cache = use_cache and bool(provider_settings.ACCESS_TOKEN_CACHE_SECONDS)
    if use_cache:
        entry = token_cache.get(checksum)
        if entry is not None:
            return _from_cache(entry)
    row = ACCESS_TOKEN_BY_CHECKSUM.row(checksum)
    if row is None:
        raise InvalidToken("The access token is unknown or was revoked.")
    token = row.instance()
    if token.expires <= timezone.now():
        raise InvalidToken("The access token has expired.")
    application = token.application
    if application is None or not application.is_active:
        raise InvalidToken("The client this access token was issued to is disabled.")
    user = token.user
    if user is not None and not user.is_active:
        raise InvalidToken("The resource owner's account is disabled.")
    info = AccessTokenInfo(
        scopes=frozenset(parse_scope(token.scope)),
        client_id=application.client_id,
        user=user if user is not None else AnonymousUser(),
        expires=token.expires,
        subject=user.get_username() if user is not None else None,
        token=token,
    )
    if use_cache:
        accepted = _Accepted(row, info.scopes, info.client_id, token.expires, info.subject)
        token_cache.put(checksum, token.pk, accepted, token.expires.timestamp())
    return info


def validate_access_token(value: str, *, use_cache: bool = True) -> AccessTokenInfo:
    """Validate locally, or through introspection when ``INTROSPECTION_URL`` is set.

    Locally, a token validated in the last ``ACCESS_TOKEN_CACHE_SECONDS`` is checked
    again without a query, unless ``use_cache`` is false.
    """
    if provider_settings.INTROSPECTION_URL:
        from .introspection_client import introspect_remotely

        return introspect_remotely(value)
    return _local_token(value, use_cache)


def require_scopes(info: AccessTokenInfo, required: Iterable[str]) -> None:
    """Raise :class:`InsufficientScope` unless the token carries every required scope."""
    required = list(required)
    if not info.has_scopes(required):
        raise InsufficientScope(required)
