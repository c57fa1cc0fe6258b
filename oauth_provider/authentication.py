"""DRF authentication with bearer access tokens (RFC 6750).

``request.user`` is the resource owner (``AnonymousUser`` for a client credentials
token) and ``request.auth`` an :class:`~oauth_provider.resource_server.AccessTokenInfo`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from .resource_server import (
    AccessTokenInfo,
    BearerError,
    MissingToken,
    bearer_token_from,
    validate_access_token,
)

__all__ = ["BearerTokenAuthentication", "as_drf_exception"]

ERROR_ATTRIBUTE = "oauth_provider_bearer_error"


class BearerError4xx(exceptions.APIException):
    """A bearer error DRF renders with its own status and ``WWW-Authenticate`` header."""

    def __init__(self, error: BearerError) -> None:
        self.status_code = error.status_code
        self.auth_header = error.challenge() if error.status_code != 503 else None
        super().__init__(detail=error.description, code=error.error or "not_authenticated")


def as_drf_exception(error: BearerError) -> exceptions.APIException:
    """The DRF exception for an RFC 6750 error. 401s go through DRF's NotAuthenticated
    handling, which asks the authenticator for the challenge."""
    if error.status_code == 401:
        return exceptions.AuthenticationFailed(
            detail=error.description, code=error.error or "not_authenticated"
        )
    return BearerError4xx(error)


class BearerTokenAuthentication(BaseAuthentication):
    """Authenticates ``Authorization: Bearer <token>`` (and, if allowed, a form body token)."""

    #: Whether a token validated in the last ``ACCESS_TOKEN_CACHE_SECONDS`` may be accepted
    #: without a query. Set it to ``False`` on a subclass for views that must see every
    #: revocation at once even when the setting is on.
    use_token_cache = True

    def authenticate(self, request: Request) -> tuple[Any, AccessTokenInfo] | None:
        django_request = request._request
        try:
            value = bearer_token_from(django_request)
            if value is None:
                return None
            info = validate_access_token(value, use_cache=self.use_token_cache)
        except BearerError as error:
            setattr(django_request, ERROR_ATTRIBUTE, error)
            raise as_drf_exception(error) from error
        return info.user, info

    def authenticate_header(self, request: Request) -> str:
        error = getattr(request._request, ERROR_ATTRIBUTE, None) or MissingToken()
        return error.challenge()
