from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from hotels import mcp_server

from oauth_provider.resource import protected_resource_metadata_urls
from oauth_provider.resource.mcp import mcp_view

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
    # The hotel API for MCP clients (docs/howto/mcp.rst): tokens must be issued for it
    # (RFC 8707), and its protected resource metadata (RFC 9728) tells clients where to get one.
    path(
        "mcp", mcp_view(mcp_server.server, tool_scopes=mcp_server.TOOL_SCOPES, audience=credentials.MCP_URL)
    ),
    *protected_resource_metadata_urls(
        "mcp",
        resource=credentials.MCP_URL,
        scopes_supported=credentials.MCP_SCOPES,
        resource_name="Hotel Booking MCP server",
    ),
    path("", include("oauth_provider.urls")),
]
