"""Mount with ``path("", include("oauth_provider.urls"))``.

Endpoints live under ``oauth/``, with the owner's connected apps page; the RFC 8414
metadata document sits at the well-known path so that the issuer is the site's root URL,
and so does OpenID Connect's. The OpenID Connect endpoints answer 404 while
``OIDC_ENABLED`` is off, the device grant's (RFC 8628) while ``GRANT_TYPES`` leaves it
out, and the PAR endpoint (RFC 9126) while ``PUSHED_AUTHORIZATION_REQUESTS`` is off.
"""

from django.urls import path, register_converter

from .server.endpoints.authorize import AuthorizationView
from .server.endpoints.connected_apps import ConnectedAppsView, RevokeConnectedAppView
from .server.endpoints.device import DeviceAuthorizationView, DeviceVerificationView
from .server.endpoints.introspect import IntrospectTokenView
from .server.endpoints.logout import EndSessionView
from .server.endpoints.metadata import MetadataView
from .server.endpoints.openid import JWKSView, OpenIDConfigurationView
from .server.endpoints.par import PushedAuthorizationRequestView
from .server.endpoints.registration import ClientConfigurationView, RegistrationView
from .server.endpoints.revoke import RevokeTokenView
from .server.endpoints.token import TokenView
from .server.endpoints.userinfo import UserInfoView

app_name = "oauth_provider"


class RowIdConverter:
    """A primary key: digits that fit a 64-bit signed integer, the largest a
    BigAutoField holds. Anything longer is no match (404), never a database error."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > 2**63 - 1:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RowIdConverter, "oauth_provider_row_id")

urlpatterns = [
    path("oauth/authorize/", AuthorizationView.as_view(), name="authorize"),
    path("oauth/token/", TokenView.as_view(), name="token"),
    path("oauth/revoke/", RevokeTokenView.as_view(), name="revoke"),
    path("oauth/introspect/", IntrospectTokenView.as_view(), name="introspect"),
    path("oauth/par/", PushedAuthorizationRequestView.as_view(), name="pushed_authorization_request"),
    path("oauth/device_authorization/", DeviceAuthorizationView.as_view(), name="device_authorization"),
    path("oauth/device/", DeviceVerificationView.as_view(), name="device"),
    path("oauth/connected-apps/", ConnectedAppsView.as_view(), name="connected_apps"),
    path(
        "oauth/connected-apps/<oauth_provider_row_id:application_id>/revoke/",
        RevokeConnectedAppView.as_view(),
        name="connected_app_revoke",
    ),
    path("oauth/userinfo/", UserInfoView.as_view(), name="userinfo"),
    # RFC 7591 and RFC 7592; 404 while DYNAMIC_REGISTRATION is off.
    path("oauth/register/", RegistrationView.as_view(), name="register"),
    path("oauth/register/<str:client_id>/", ClientConfigurationView.as_view(), name="register_client"),
    path("oauth/jwks/", JWKSView.as_view(), name="jwks"),
    path("oauth/logout/", EndSessionView.as_view(), name="end_session"),
    path(".well-known/oauth-authorization-server", MetadataView.as_view(), name="metadata"),
    path(".well-known/openid-configuration", OpenIDConfigurationView.as_view(), name="openid_configuration"),
]
