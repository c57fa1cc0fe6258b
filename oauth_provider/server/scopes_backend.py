"""django-oauth-toolkit's scopes backend, honouring each client's allowed scopes (RFC 6749 §3.3)."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes

from ..core.scopes import allowed_scopes, default_scopes
from ..settings import provider_settings

__all__ = ["ApplicationScopes"]


class ApplicationScopes(BaseScopes):
    """django-oauth-toolkit scopes backend that honours each client's allowed scopes."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(provider_settings.SCOPES)

    def get_available_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any):
        registered = application.allowed_scope_list if application is not None else []
        return allowed_scopes(provider_settings.SCOPES, registered)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any):
        return default_scopes(
            provider_settings.DEFAULT_SCOPES, self.get_available_scopes(application, request)
        )
