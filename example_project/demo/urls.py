from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import credentials, views
from .favicon import favicon_view

login = auth_views.LoginView.as_view(extra_context={"demo_users": credentials.USERS})

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", favicon_view("H", "#1f3a68")),
    path("admin/", admin.site.urls),
    path("accounts/login/", login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", include("hotels.urls")),
    path("", include("oauth_provider.urls")),
]
