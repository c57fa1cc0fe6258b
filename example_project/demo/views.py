"""The demo's own pages: a home page, a protected API endpoint and the clients' redirect target."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from oauth2_provider.views import ProtectedResourceView


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/home.html")


class MeView(ProtectedResourceView):
    """``GET /api/me/`` with ``Authorization: Bearer <access token>``.

    ProtectedResourceView checks the token with the validator oauth_provider configures;
    any valid token will do (no scope is required).
    """

    def verify_request(self, request):
        valid, oauthlib_request = super().verify_request(request)
        self.access_token = getattr(oauthlib_request, "access_token", None)
        return valid, oauthlib_request

    def get(self, request: HttpRequest) -> JsonResponse:
        owner = request.resource_owner  # None for client credentials tokens
        return JsonResponse(
            {
                "username": owner.get_username() if owner else None,
                "client_id": self.access_token.application.client_id,
                "scope": self.access_token.scope.split(),
            }
        )


def callback(request: HttpRequest) -> HttpResponse:
    """Where the demo clients' authorization responses land: shows what came back."""
    return render(request, "demo/callback.html", {"params": request.GET})
