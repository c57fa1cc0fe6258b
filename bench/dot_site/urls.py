from django.urls import include, path

from . import views

urlpatterns = [
    path("api/hello/", views.ProtectedHelloView.as_view(), name="protected"),
    path("api/hello/open/", views.OpenHelloView.as_view(), name="open"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
