"""django-oauth-toolkit's scopes backend, honouring each client's allowed scopes (RFC 6749 §3.3)."""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import BaseScopes

from ..core.claims import OPENID_SCOPE
from ..core.scopes import allowed_scopes, default_scopes, known_scopes
from ..settings import provider_settings

__all__ = ["ApplicationScopes"]


class ApplicationScopes(BaseScopes):
    """django-oauth-toolkit scopes backend that honours each client's allowed scopes."""

    def get_all_scopes(self) -> dict[str, str]:
        return known_scopes()

    def get_available_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any):
        registered = application.allowed_scope_list if application is not None else []
        return allowed_scopes(known_scopes(), registered)

    def get_default_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any):
        available = self.get_available_scopes(application, request)
        scopes = default_scopes(provider_settings.DEFAULT_SCOPES, available)
        if provider_settings.OIDC_ENABLED:
            # OpenID Connect Core §3.1.2.1: a request is OpenID Connect only when it asks for
            # openid; a default never turns an OAuth request into one.
            scopes = [scope for scope in scopes if scope != OPENID_SCOPE]
        return scopes
