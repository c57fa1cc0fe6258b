"""DRF authentication with bearer access tokens (RFC 6750).

``request.user`` is the resource owner (``AnonymousUser`` for a client credentials
token) and ``request.auth`` an :class:`~oauth_provider.resource.tokens.AccessTokenInfo`.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from ..core.errors import MissingToken, OAuthError
from ..core.upstream import django_request
from .bearer import challenge_for
from .tokens import AccessTokenInfo
from .validation import SITE_AUDIENCE, Audience, authenticate_request, resource_metadata_for

__all__ = ["BearerTokenAuthentication", "as_drf_exception"]

ERROR_ATTRIBUTE = "oauth_provider_bearer_error"


class BearerErrorResponse(exceptions.APIException):
    """An RFC 6750 error DRF renders with its own status and ``WWW-Authenticate`` header."""

    def __init__(self, error: OAuthError) -> None:
        self.status_code = error.status_code
        self.auth_header = challenge_for(error, resource_metadata_for())
        super().__init__(detail=error.description, code=error.error)


def as_drf_exception(error: OAuthError) -> exceptions.APIException:
    """The DRF exception for an RFC 6750 error. 401s go through DRF's NotAuthenticated
    handling, which asks the authenticator for the challenge."""
    if error.status_code == 401:
        code = "not_authenticated" if isinstance(error, MissingToken) else error.error
        return exceptions.AuthenticationFailed(detail=error.description, code=code)
    return BearerErrorResponse(error)


class BearerTokenAuthentication(BaseAuthentication):
    """Authenticates ``Authorization: Bearer <token>`` (and, if allowed, a form body token),
    and ``Authorization: DPoP <token>`` with its proof while ``DPOP_ENABLED`` is on."""

    #: Whether a token validated in the last ``ACCESS_TOKEN_CACHE_SECONDS`` may be accepted
    #: without a query. Set it to ``False`` on a subclass for views that must see every
    #: revocation at once even when the setting is on.
    use_token_cache = True
    #: The resource identifier(s) tokens must have been issued for (RFC 8707); left as it
    #: is, ``RESOURCE_SERVER_AUDIENCE``; ``None`` accepts any audience (a JWT access token
    #: must still name the issuer then, RFC 9068 §4).
    audience: Audience = SITE_AUDIENCE

    def authenticate(self, request: Request) -> tuple[Any, AccessTokenInfo] | None:
        try:
            info = authenticate_request(
                django_request(request), use_cache=self.use_token_cache, audience=self.audience
            )
            if info is None:
                return None
        except OAuthError as error:
            setattr(request, ERROR_ATTRIBUTE, error)
            raise as_drf_exception(error) from error
        return info.user, info

    def authenticate_header(self, request: Request) -> str | None:
        error = getattr(request, ERROR_ATTRIBUTE, None) or MissingToken()
        # RFC 9728 §5.1: where a client finds how to get a token for this resource.
        return challenge_for(error, resource_metadata_for(self.audience))
