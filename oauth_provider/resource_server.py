"""Deprecated alias of :mod:`oauth_provider.resource` and, for its errors,
:mod:`oauth_provider.core.errors` (removed in 0.3). ``BearerError`` is now
:class:`~oauth_provider.core.errors.OAuthError`, and ``InvalidBearerRequest``
:class:`~oauth_provider.core.errors.InvalidRequest`."""

from ._moved import warn_moved
from .core.errors import AuthorizationServerUnavailable, InsufficientScope, InvalidToken, MissingToken
from .core.errors import InvalidRequest as InvalidBearerRequest
from .core.errors import OAuthError as BearerError
from .resource import AccessTokenInfo, require_scopes, validate_access_token
from .resource.bearer import bearer_challenge, bearer_token_from

__all__ = [
    "AccessTokenInfo",
    "AuthorizationServerUnavailable",
    "BearerError",
    "InsufficientScope",
    "InvalidBearerRequest",
    "InvalidToken",
    "MissingToken",
    "bearer_challenge",
    "bearer_token_from",
    "require_scopes",
    "validate_access_token",
]

warn_moved("oauth_provider.resource_server", "oauth_provider.resource")
