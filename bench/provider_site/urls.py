from django.urls import include, path

from . import views

urlpatterns = [
    path("api/hello/", views.ProtectedHelloView.as_view(), name="protected"),
    path("api/hello/floor/", views.FloorHelloView.as_view(), name="floor"),
    path("api/hello/open/", views.OpenHelloView.as_view(), name="open"),
    path("", include("oauth_provider.urls")),
]
