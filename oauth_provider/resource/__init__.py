"""The resource server: protect Django REST framework and plain Django views with
bearer access tokens (RFC 6750), DPoP-bound ones (RFC 9449) while DPoP is on, and scopes.

The names below are the public API; import them from here::

    from oauth_provider.resource import BearerTokenAuthentication, TokenHasScope, require_scopes

Tokens are checked against this site's database, or, with ``INTROSPECTION_URL`` set,
through the authorization server's introspection endpoint (RFC 7662); with
``RESOURCE_SERVER_JWT`` on, JWT access tokens (RFC 9068) are verified by their signature
with the issuer's published keys (``jwt.py``). Nothing here imports the authorization
server (``oauth_provider.server``).
"""

from .authentication import BearerTokenAuthentication
from .decorators import ScopeRequiredMixin, require_scopes
from .metadata import ProtectedResourceMetadataView, protected_resource_metadata_urls
from .permissions import (
    IsAuthenticatedOrTokenHasScope,
    TokenHasMethodScope,
    TokenHasResourceOwner,
    TokenHasScope,
    TokenIsClientOnly,
)
from .tokens import AccessTokenInfo
from .validation import authenticate_request, check_scopes, validate_access_token

__all__ = [
    "AccessTokenInfo",
    "BearerTokenAuthentication",
    "IsAuthenticatedOrTokenHasScope",
    "ProtectedResourceMetadataView",
    "ScopeRequiredMixin",
    "TokenHasMethodScope",
    "TokenHasResourceOwner",
    "TokenHasScope",
    "TokenIsClientOnly",
    "authenticate_request",
    "check_scopes",
    "protected_resource_metadata_urls",
    "require_scopes",
    "validate_access_token",
]
