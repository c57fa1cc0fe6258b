"""Views protected in every supported way, for the resource server tests."""

from django.http import JsonResponse
from django.views import View
from rest_framework import viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from oauth_provider.resource import (
    BearerTokenAuthentication,
    IsAuthenticatedOrTokenHasScope,
    ScopeRequiredMixin,
    TokenHasMethodScope,
    TokenHasResourceOwner,
    TokenHasScope,
    TokenIsClientOnly,
    require_scopes,
)


def describe_token(user, token):
    return {
        "user": user.get_username() if user.is_authenticated else None,
        "client_id": getattr(token, "client_id", None),
        "scopes": sorted(getattr(token, "scopes", [])),
    }


def describe(request):
    return describe_token(request.user, request.auth)


class ScopedView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasScope]
    required_scopes = ["read"]

    def get(self, request):
        return Response(describe(request))


class MethodScopedView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasMethodScope]

    def get(self, request):
        return Response(describe(request))

    def post(self, request):
        return Response(describe(request), status=201)

    def put(self, request):
        return Response(describe(request))

    def patch(self, request):
        return Response(describe(request))


class OwnerOnlyView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasResourceOwner]

    def get(self, request):
        return Response(describe(request))


class ClientOnlyView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenIsClientOnly]

    def get(self, request):
        return Response(describe(request))


class SessionOrTokenView(APIView):
    from rest_framework.authentication import SessionAuthentication

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticatedOrTokenHasScope]
    required_scopes = ["write"]

    def get(self, request):
        return Response(describe(request))


class MethodScopedOverrideView(MethodScopedView):
    read_scopes = ["bookings:read"]
    write_scopes = ["read", "write"]


class ComposedView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated & TokenHasScope & ~TokenIsClientOnly]
    required_scopes = ["read"]

    def get(self, request):
        return Response(describe(request))


class AnyTokenView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenIsClientOnly | TokenHasResourceOwner]

    def get(self, request):
        return Response(describe(request))


class ClientOrScopedOwnerView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenIsClientOnly | (TokenHasResourceOwner & TokenHasScope)]
    required_scopes = ["write"]

    def get(self, request):
        return Response(describe(request))


class NotClientView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasScope & ~TokenIsClientOnly]
    required_scopes = ["read"]

    def get(self, request):
        return Response(describe(request))


class DecoratedMethodView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = []

    @require_scopes("write")
    def get(self, request):
        return Response(describe(request))


class BookingViewSet(viewsets.ViewSet):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = []

    @require_scopes("bookings:read")
    def list(self, request):
        return Response(describe(request))

    @action(detail=False, methods=["post"])
    @require_scopes("write")
    def cancel(self, request):
        return Response(describe(request))


class ReportViewSet(viewsets.ViewSet):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenHasScope]
    required_scopes = ["read"]
    required_scopes_by_method = {"POST": ["write"]}

    def list(self, request):
        return Response(describe(request))

    @action(detail=False, methods=["post"])
    def archive(self, request):
        return Response(describe(request))


@api_view(["GET", "POST"])
@permission_classes([TokenHasMethodScope])
def method_scoped_function(request):
    return Response(describe(request), status=201 if request.method == "POST" else 200)


@api_view(["GET"])
@permission_classes([])
@require_scopes("read")
def decorated_function(request):
    return Response(describe(request))


@require_scopes("read")
def plain_view(request):
    return JsonResponse(describe_token(request.user, request.oauth_token))


class PlainClassView(ScopeRequiredMixin, View):
    required_scopes = ["read"]
    required_scopes_by_method = {"POST": ["write"], "PUT": ["write"], "PATCH": ["write"]}

    def get(self, request):
        return JsonResponse(describe_token(request.user, request.oauth_token))

    def post(self, request):
        return JsonResponse(describe_token(request.user, request.oauth_token), status=201)

    def put(self, request):
        return JsonResponse(describe_token(request.user, request.oauth_token))

    def patch(self, request):
        return JsonResponse(describe_token(request.user, request.oauth_token))


@require_scopes("read")
async def async_plain_view(request):
    return JsonResponse(describe_token(request.user, request.oauth_token))


class AsyncPlainClassView(ScopeRequiredMixin, View):
    required_scopes = ["read"]
    required_scopes_by_method = {"POST": ["write"]}

    async def get(self, request):
        return JsonResponse(describe_token(request.user, request.oauth_token))

    async def post(self, request):
        return JsonResponse(describe_token(request.user, request.oauth_token), status=201)
