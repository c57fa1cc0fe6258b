"""Token exchange (RFC 8693): a confidential client trades an access token this server
issued (the *subject token*) for a new access token for another audience, on the same
owner's behalf, with the delegation recorded in an ``act`` claim.

The policy is explicit and per client (docs/token_exchange.rst):

* the client must be confidential, authenticated, and registered for the grant;
* the audience (``audience`` or ``resource``) must be one of the client's
  ``token_exchange_audiences``;
* the scopes are at most the subject token's, and within the client's allowed scopes;
* a subject token that was itself issued for an audience may be exchanged only by that
  audience; a DPoP-bound one not at all (its holder must prove the key);
* the new token never outlives the subject token, and has no refresh token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.grant_types.base import GrantTypeBase

from ..core.grant_types import GrantType
from ..core.hashing import hash_token
from ..core.scopes import parse_scope
from ..storage.token_store import token_store

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "Exchange",
    "InvalidTargetError",
    "TokenExchangeGrant",
    "decide",
]

#: RFC 8693 §3: the one token type accepted and issued here.
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


class InvalidTargetError(errors.OAuth2Error):
    """RFC 8693 §2.2.2 (RFC 8707 §2): the server will not issue a token for that audience."""

    error = "invalid_target"
    description = "This client may not exchange tokens for that audience."


@dataclass
class Exchange:
    """What an accepted exchange issues."""

    user: Any
    scopes: list[str]
    audience: str
    expires: datetime
    actor: dict[str, Any]
    subject_application_id: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _active_access_token(value: str | None, what: str, request: Request) -> Any:
    """The live access token ``value`` of this server, or ``invalid_grant``."""
    if not value or len(value) > 2048 or "\x00" in value:
        raise errors.InvalidRequestError(description=f"{what} is required (RFC 8693 §2.1).", request=request)
    found = token_store().access_token(hash_token(value))
    token = found.instance() if found is not None else None
    if (
        token is None
        or token.expires <= timezone.now()
        or token.application is None
        or not token.application.is_active
        or (token.user is not None and not token.user.is_active)
    ):
        raise errors.InvalidGrantError(
            description=f"The {what} is not an active access token of this server.", request=request
        )
    return token


def _token_type(value: str | None, what: str, request: Request, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if value != ACCESS_TOKEN_TYPE:
        raise errors.InvalidRequestError(
            description=f"{what} must be {ACCESS_TOKEN_TYPE}: only access tokens are exchanged here.",
            request=request,
        )


def _subject_of(token: Any) -> str:
    return token.user.get_username() if token.user is not None else token.application.client_id


def decide(client: Any, request: Request) -> Exchange:
    """The exchange ``client`` asks for, under its policy; raises an oauthlib error."""
    _token_type(getattr(request, "subject_token_type", None), "subject_token_type", request)
    _token_type(
        getattr(request, "requested_token_type", None), "requested_token_type", request, required=False
    )
    targets = [
        value for value in (getattr(request, "audience", None), getattr(request, "resource", None)) if value
    ]
    if not targets:
        raise errors.InvalidRequestError(
            description="Name the audience (or resource) the new token is for (RFC 8693 §2.1).",
            request=request,
        )
    if len(set(targets)) > 1 or targets[0] not in client.token_exchange_audience_list:
        raise InvalidTargetError(request=request)
    audience = targets[0]
    subject = _active_access_token(getattr(request, "subject_token", None), "subject_token", request)
    if subject.jkt:
        raise errors.InvalidGrantError(
            description="A DPoP-bound token cannot be exchanged: its holder must prove its key.",
            request=request,
        )
    if subject.audience and subject.audience != client.client_id:
        raise errors.InvalidGrantError(
            description="The subject_token was issued for another audience than this client.", request=request
        )
    granted = parse_scope(subject.scope)
    # Left out, the scope is the subject token's, narrowed to what this client may have.
    allowed = client.allowed_scope_list
    asked = (
        parse_scope(request.scope) if request.scope else [s for s in granted if not allowed or s in allowed]
    )
    beyond = [scope for scope in asked if scope not in granted]
    if beyond:
        raise errors.InvalidScopeError(
            description=f"The subject_token does not carry: {' '.join(beyond)} (RFC 8693 §2.1).",
            request=request,
        )
    actor: dict[str, Any] = {"sub": client.client_id, "client_id": client.client_id}
    actor_token_value = getattr(request, "actor_token", None)
    if actor_token_value is not None or getattr(request, "actor_token_type", None) is not None:
        _token_type(getattr(request, "actor_token_type", None), "actor_token_type", request)
        acting = _active_access_token(actor_token_value, "actor_token", request)
        actor = {"sub": _subject_of(acting), "client_id": acting.application.client_id}
    if subject.actor:
        # RFC 8693 §4.1: an earlier delegation is kept, nested, as the chain of actors.
        actor["act"] = json.loads(subject.actor)
    return Exchange(
        user=subject.user,
        scopes=asked,
        audience=audience,
        expires=subject.expires,
        actor=actor,
        subject_application_id=subject.application_id,
    )


class TokenExchangeGrant(GrantTypeBase):
    """The token endpoint's side of RFC 8693 §2, for oauthlib's ``TokenEndpoint``."""

    def create_token_response(self, request: Request, token_handler: Any) -> tuple[dict, str, int]:
        headers = self._get_default_headers()
        try:
            self.validate_token_request(request)
        except errors.OAuth2Error as error:
            headers.update(error.headers)
            return headers, error.json, error.status_code
        token = token_handler.create_token(request, refresh_token=False)
        for modifier in self._token_modifiers:
            token = modifier(token)
        self.request_validator.save_token(token, request)
        # RFC 8693 §2.2.1: issued_token_type is required.
        token["issued_token_type"] = ACCESS_TOKEN_TYPE
        return headers, json.dumps(token), 200

    def validate_token_request(self, request: Request) -> None:
        for validator in self.custom_validators.pre_token:
            validator(request)
        if request.grant_type != GrantType.TOKEN_EXCHANGE:
            raise errors.UnsupportedGrantTypeError(request=request)
        self.validate_client_authentication(request)
        if not request.client.is_confidential:
            raise errors.UnauthorizedClientError(
                description="Only confidential clients may exchange tokens.", request=request
            )
        self.validate_grant_type(request)
        exchange = decide(request.client, request)
        request.token_exchange = exchange
        request.user = exchange.user
        request.scopes = exchange.scopes
        self.validate_scopes(request)
        for validator in self.custom_validators.post_token:
            validator(request)
