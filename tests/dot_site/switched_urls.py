from django.http import JsonResponse
from django.urls import include, path

from oauth_provider.resource import require_scopes


@require_scopes("read")
def profile(request):
    return JsonResponse({"user": request.user.get_username() or None})


urlpatterns = [
    path("", include("oauth_provider.urls")),
    path("o/", include("oauth_provider.dot_urls")),
    path("api/profile/", profile),
]
