from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import credentials, views

demo_login = {"demo_username": credentials.USERNAME, "demo_password": credentials.PASSWORD}

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(extra_context=demo_login), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/me/", views.MeView.as_view(), name="api-me"),
    path("demo/callback/", views.callback, name="callback"),
    path("", include("oauth_provider.urls")),
]
