"""django-oauth-toolkit's paths, served by this package, for clients configured with them.

Mount where the site mounted django-oauth-toolkit, beside this package's own URLs::

    path("", include("oauth_provider.urls")),
    path("o/", include("oauth_provider.dot_urls")),

The namespace and names are django-oauth-toolkit's, so a site's own
``reverse("oauth2_provider:token")`` keeps working too. Its application and token
management pages are not served: the admin and the connected apps page replace them;
nor are its device confirmation and status pages, which the device page's consent
replaces (docs/switching.rst).
"""

from django.urls import path, re_path

from .server.endpoints.authorize import AuthorizationView
from .server.endpoints.device import DeviceAuthorizationView, DeviceVerificationView
from .server.endpoints.introspect import IntrospectTokenView
from .server.endpoints.logout import EndSessionView
from .server.endpoints.openid import JWKSView, OpenIDConfigurationView
from .server.endpoints.revoke import RevokeTokenView
from .server.endpoints.token import TokenView
from .server.endpoints.userinfo import UserInfoView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", AuthorizationView.as_view(), name="authorize"),
    path("token/", TokenView.as_view(), name="token"),
    path("revoke_token/", RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", IntrospectTokenView.as_view(), name="introspect"),
    path("device-authorization/", DeviceAuthorizationView.as_view(), name="device-authorization"),
    path("device/", DeviceVerificationView.as_view(), name="device"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        OpenIDConfigurationView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks-info"),
    path("userinfo/", UserInfoView.as_view(), name="user-info"),
    path("logout/", EndSessionView.as_view(), name="rp-initiated-logout"),
]
