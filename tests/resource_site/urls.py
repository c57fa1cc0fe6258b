"""Two protected views, as a separate API would have them; every answer says how many
database queries the request sent (``X-Database-Queries``)."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from oauth_provider.resource import BearerTokenAuthentication, TokenHasScope, require_scopes


def count_queries(get_response):
    def middleware(request):
        queries = []
        with connection.execute_wrapper(
            lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
        ):
            response = get_response(request)
        response["X-Database-Queries"] = str(len(queries))
        return response

    return middleware


def describe(token) -> dict:
    return {
        "client_id": token.client_id,
        "subject": token.subject,
        "scopes": sorted(token.scopes),
        "is_client_token": token.is_client_token,
        "jti": token.extra.get("jti"),
    }


class Reports(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasScope]
    required_scopes = ["reports:read"]

    def get(self, request):
        return Response(describe(request.auth))


@require_scopes("bookings:read")
def bookings(request):
    return JsonResponse(describe(request.oauth_token))


urlpatterns = [
    path("api/reports/", Reports.as_view()),
    path("api/bookings/", bookings),
]
