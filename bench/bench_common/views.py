"""The API view every site serves, with and without authentication.

The body is the same for every variant, so a difference in speed is the cost of
authenticating the request.
"""

from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class HelloView(APIView):
    """``GET``: a small JSON document. Sites set the authentication and permission classes."""

    required_scopes = ["read"]

    def get(self, request):
        return Response({"message": "hello"})


class OpenHelloView(HelloView):
    """The same view with no authentication: the baseline for the protected one."""

    authentication_classes = []
    permission_classes = [AllowAny]
