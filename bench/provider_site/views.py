from bench_common.views import HelloView, OpenHelloView

from oauth_provider.resource import BearerTokenAuthentication
from oauth_provider.resource import TokenHasScope

__all__ = ["OpenHelloView", "ProtectedHelloView", "UncachedProtectedHelloView"]


class ProtectedHelloView(HelloView):
    """Needs a bearer token with the ``read`` scope."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasScope]


class UncachedBearerTokenAuthentication(BearerTokenAuthentication):
    """Asks the database on every request, whatever ACCESS_TOKEN_CACHE_SECONDS says."""

    use_token_cache = False


class UncachedProtectedHelloView(ProtectedHelloView):
    """The same view with the package's default: one query per request."""

    authentication_classes = [UncachedBearerTokenAuthentication]
