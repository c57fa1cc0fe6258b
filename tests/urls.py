from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from oauth_provider.resource import protected_resource_metadata_urls
from oauth_provider.resource.mcp import mcp_view

from . import api_views, mcp_tools
from .browser import views as browser_views

router = SimpleRouter()
router.register("api/bookings", api_views.BookingViewSet, basename="bookings")
router.register("api/reports", api_views.ReportViewSet, basename="reports")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("", include("oauth_provider.urls")),
    path("api/scoped/", api_views.ScopedView.as_view()),
    path("api/method-scoped/", api_views.MethodScopedView.as_view()),
    path("api/owner-only/", api_views.OwnerOnlyView.as_view()),
    path("api/client-only/", api_views.ClientOnlyView.as_view()),
    path("api/session-or-token/", api_views.SessionOrTokenView.as_view()),
    path("api/method-scoped-override/", api_views.MethodScopedOverrideView.as_view()),
    path("api/composed/", api_views.ComposedView.as_view()),
    path("api/any-token/", api_views.AnyTokenView.as_view()),
    path("api/client-or-scoped-owner/", api_views.ClientOrScopedOwnerView.as_view()),
    path("api/not-client/", api_views.NotClientView.as_view()),
    path("api/decorated-method/", api_views.DecoratedMethodView.as_view()),
    path("api/decorated-function/", api_views.decorated_function),
    path("api/method-scoped-function/", api_views.method_scoped_function),
    path("plain/function/", api_views.plain_view),
    path("plain/class/", api_views.PlainClassView.as_view()),
    path("plain/async-function/", api_views.async_plain_view),
    path("plain/async-class/", api_views.AsyncPlainClassView.as_view()),
    # A client's redirect URI for the browser tests (http://localhost:<port>/callback).
    path("callback", browser_views.callback),
    # An OpenID Connect relying party on the live server (tests/browser/test_openid_connect.py).
    path("rp/", browser_views.rp_home),
    path("rp/callback", browser_views.rp_callback),
    path("rp/logged-out", browser_views.rp_logged_out),
    *router.urls,
    # RFC 9728 metadata for a resource at /mcp (tests/test_protected_resource_metadata.py).
    *protected_resource_metadata_urls("mcp", resource_name="Test MCP server"),
    # An MCP server with per-tool scopes (tests/test_mcp_view.py).
    path(
        "mcp-test", mcp_view(mcp_tools.server, tool_scopes=mcp_tools.TOOL_SCOPES, audience=mcp_tools.AUDIENCE)
    ),
]
