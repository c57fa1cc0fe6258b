"""App config. Importing it configures django-oauth-toolkit, before any model module loads."""

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

from .server.configuration import configure_django_oauth_toolkit

# Django imports every app config before any models module, so django-oauth-toolkit's
# swapped-model settings are in place by the time its models are built.
configure_django_oauth_toolkit()


class OAuthProviderConfig(AppConfig):
    name = "oauth_provider"
    label = "oauth_provider"
    verbose_name = _("OAuth 2.0 provider")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers the system checks)
        from .ops import audit, metrics
        from .server.log_filters import silence_oauthlib_debug
        from .server.login import record_login_time
        from .storage import owners, token_cache

        user_logged_in.connect(record_login_time, dispatch_uid="oauth_provider.server.login")
        silence_oauthlib_debug()
        audit.connect()
        metrics.connect()
        token_cache.connect()
        owners.connect()
        if apps.is_installed("drf_spectacular"):
            # drf-spectacular finds an extension once its class is defined.
            from .resource import openapi  # noqa: F401
