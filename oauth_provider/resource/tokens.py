"""A valid access token as a resource server sees it (``request.auth``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["AccessTokenInfo"]


@dataclass(frozen=True)
class AccessTokenInfo:
    """A valid access token: its scopes, client, owner and expiry."""

    scopes: frozenset[str]
    client_id: str
    user: Any
    expires: datetime | None
    #: The resource owner's username (a JWT access token's ``sub``: the owner's id at the
    #: authorization server); ``None`` for a client credentials token.
    subject: str | None
    #: The local AccessToken row; ``None`` when validated by introspection or as a JWT.
    token: Any = None
    #: The introspection response, or a JWT access token's verified claims.
    extra: dict[str, Any] = field(default_factory=dict)
    #: The resource URIs the token was issued for (RFC 8707; ``aud`` in introspection);
    #: empty when the client named none.
    audience: frozenset[str] = frozenset()
    #: The thumbprint of the DPoP key the token is bound to (RFC 9449 §6), or ``None``
    #: for a bearer token.
    jkt: str | None = None

    @property
    def application(self) -> Any:
        return self.token.application if self.token is not None else None

    @property
    def is_client_token(self) -> bool:
        """Issued by the client credentials grant: no resource owner behind it."""
        return self.subject is None

    def has_scopes(self, required: Iterable[str]) -> bool:
        return set(required) <= self.scopes
