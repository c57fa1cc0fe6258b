from bench_common.views import HelloView, OpenHelloView

from oauth_provider.authentication import BearerTokenAuthentication
from oauth_provider.permissions import TokenHasScope

__all__ = ["OpenHelloView", "ProtectedHelloView"]


class ProtectedHelloView(HelloView):
    """Needs a bearer token with the ``read`` scope."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasScope]
