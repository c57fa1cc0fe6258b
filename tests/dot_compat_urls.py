"""The test site's URLs plus django-oauth-toolkit's paths (oauth_provider.dot_urls)."""

from django.urls import include, path

from .urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("o/", include("oauth_provider.dot_urls"))]
