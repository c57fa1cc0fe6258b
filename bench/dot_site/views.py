from bench_common.views import HelloView, OpenHelloView
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasScope

__all__ = ["OpenHelloView", "ProtectedHelloView"]


class ProtectedHelloView(HelloView):
    """Needs a bearer token with the ``read`` scope."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope]
