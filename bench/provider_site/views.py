import functools
import hashlib

from bench_common.views import HelloView, OpenHelloView
from django.db import connection
from oauth2_provider.models import get_access_token_model
from rest_framework.response import Response

from oauth_provider.resource import BearerTokenAuthentication, TokenHasScope

__all__ = ["FloorHelloView", "OpenHelloView", "ProtectedHelloView"]


class ProtectedHelloView(HelloView):
    """Needs a bearer token with the ``read`` scope."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasScope]


@functools.cache
def _lookup_sql() -> str:
    meta, quote = get_access_token_model()._meta, connection.ops.quote_name
    checksum = meta.get_field("token_checksum").column
    return f"SELECT id, expires, scope FROM {quote(meta.db_table)} WHERE {quote(checksum)} = %s"


class FloorHelloView(OpenHelloView):
    """The open view plus one lookup by unique index: the least any check of a token
    against the database costs. One raw ``SELECT`` of the row whose checksum is the
    bearer value's SHA-256; nothing else is checked."""

    def get(self, request):
        value = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        checksum = hashlib.sha256(value.encode()).hexdigest()
        with connection.cursor() as cursor:
            cursor.execute(_lookup_sql(), [checksum])
            row = cursor.fetchone()
        if row is None:
            return Response({"detail": "Unknown token."}, status=401)
        return super().get(request)
