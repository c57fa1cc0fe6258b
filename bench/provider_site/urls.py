from django.urls import include, path

from . import views

urlpatterns = [
    path("api/hello/", views.ProtectedHelloView.as_view(), name="protected"),
    path("api/hello/uncached/", views.UncachedProtectedHelloView.as_view(), name="protected_uncached"),
    path("api/hello/open/", views.OpenHelloView.as_view(), name="open"),
    path("", include("oauth_provider.urls")),
]
