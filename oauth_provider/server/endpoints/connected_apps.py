"""The owner's connected apps: every client holding their consent or a live token, and revoke.

A client is connected while the logged-in owner has an active consent for it, an
unexpired access token, or a refresh token that is neither revoked nor past
its client's refresh token lifetime. Revoking goes through
:func:`oauth_provider.storage.revocation.revoke_consent`: the consent, every token the client
holds for this owner and its authorization codes not yet exchanged stop working at
once. Only the owner's own connections are reachable; any other id is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from ...core.scopes import known_scopes, parse_scope
from ...settings import provider_settings
from ...storage.maintenance import refresh_tokens_past_lifetime
from ...storage.models import AbstractConsent, get_consent_model
from ...storage.revocation import revoke_consent
from .authorize import web_url
from .framing import deny_framing, page_context
from .pages import parse_then_protect

__all__ = [
    "ConnectedApp",
    "ConnectedAppsView",
    "RevokeConnectedAppView",
    "connected_app",
    "connected_apps",
]


@dataclass
class ConnectedApp:
    """One client connected to one owner, as the connected apps page shows it."""

    #: The client (an Application).
    application: Any
    #: The owner's active consent for the client, or ``None`` (tokens without one,
    #: e.g. from the password grant or a client that skips authorization).
    consent: AbstractConsent | None = None
    #: Scope names from the consent and the live tokens, consent first.
    scope_names: list[str] = field(default_factory=list)
    #: When the owner approved the current consent; without one, the oldest live token.
    granted: datetime | None = None
    #: The newest ``created`` or ``updated`` among the client's tokens for this owner.
    last_used: datetime | None = None

    @property
    def scopes(self) -> list[dict[str, str]]:
        """``{"name", "description"}`` for each scope, described as on the consent page."""
        descriptions = known_scopes()
        return [{"name": name, "description": descriptions.get(name, name)} for name in self.scope_names]

    @property
    def homepage_url(self) -> str:
        return web_url(self.application.homepage_url)


def connected_apps(user: Any, application_id: int | None = None) -> list[ConnectedApp]:
    """The clients connected to ``user`` (only ``application_id``, if given), by name."""
    now = timezone.now()
    consents = get_consent_model().objects.filter(user=user, revoked__isnull=True)
    access = get_access_token_model().objects.filter(user=user, expires__gt=now)
    refresh = get_refresh_token_model().objects.filter(user=user, revoked__isnull=True)
    expired = refresh_tokens_past_lifetime(now, provider_settings.REFRESH_TOKEN_EXPIRE_SECONDS)
    if expired is not None:
        refresh = refresh.exclude(expired)
    if application_id is not None:
        consents = consents.filter(application_id=application_id)
        access = access.filter(application_id=application_id)
        refresh = refresh.filter(application_id=application_id)

    found: dict[int, ConnectedApp] = {}
    token_scopes: dict[int, list[str]] = {}
    for consent in consents:
        found[consent.application_id] = ConnectedApp(
            application=None, consent=consent, scope_names=consent.scope_list, granted=consent.updated
        )
    for queryset in (access, refresh):
        for app_id, scope, created in queryset.values_list("application_id", "scope", "created"):
            if app_id is None:
                continue
            connection = found.setdefault(app_id, ConnectedApp(application=None))
            token_scopes.setdefault(app_id, []).extend(parse_scope(scope))
            if connection.consent is None and (connection.granted is None or created < connection.granted):
                connection.granted = created
    if not found:
        return []

    for app_id, connection in found.items():
        connection.scope_names = parse_scope(
            " ".join([*connection.scope_names, *token_scopes.get(app_id, [])])
        )
    for application in get_application_model().objects.filter(pk__in=list(found)):
        found[application.pk].application = application
    for model in (get_access_token_model(), get_refresh_token_model()):
        activity = (
            model.objects.filter(user=user, application_id__in=list(found))
            .values("application_id")
            .annotate(newest_created=Max("created"), newest_updated=Max("updated"))
        )
        for row in activity:
            connection = found[row["application_id"]]
            moments = (row["newest_created"], row["newest_updated"], connection.last_used)
            connection.last_used = max(moment for moment in moments if moment)
    connections = [connection for connection in found.values() if connection.application is not None]
    return sorted(
        connections, key=lambda c: ((c.application.name or c.application.client_id).lower(), c.application.pk)
    )


def connected_app(user: Any, application_id: int) -> ConnectedApp | None:
    """The client ``application_id`` if it is connected to ``user``, else ``None``."""
    found = connected_apps(user, application_id)
    return found[0] if found else None


class OwnerPageMixin(LoginRequiredMixin):
    """Pages for the logged-in owner: the login URL is the one the authorization endpoint uses."""

    def get_login_url(self) -> str:
        return str(provider_settings.LOGIN_URL or settings.LOGIN_URL)

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return parse_then_protect(super().as_view(**initkwargs))  # type: ignore[misc]


# The pages show and change what an owner granted: never cached, never framed, and
# CSRF-checked (by OwnerPageMixin.as_view, see pages.py).
OWNER_PAGE_DECORATORS: list[Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]] = [
    deny_framing,
    never_cache,
]


@method_decorator(OWNER_PAGE_DECORATORS, name="dispatch")
class ConnectedAppsView(OwnerPageMixin, TemplateView):
    """Lists the clients connected to the logged-in owner, each with a revoke button."""

    template_name = "oauth_provider/connected_apps.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**page_context(), **super().get_context_data(**kwargs)}
        context["connected_apps"] = connected_apps(self.request.user)
        context["messages"] = messages.get_messages(self.request)
        return context


@method_decorator(OWNER_PAGE_DECORATORS, name="dispatch")
class RevokeConnectedAppView(OwnerPageMixin, TemplateView):
    """GET asks the owner to confirm; POST revokes the consent and the client's tokens at once."""

    template_name = "oauth_provider/connected_app_revoke.html"
    http_method_names = ["get", "post", "head", "options"]

    def get_connected_app(self) -> ConnectedApp:
        connection = connected_app(self.request.user, self.kwargs["application_id"])
        if connection is None:
            raise Http404("No such connected app.")
        return connection

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**page_context(), **super().get_context_data(**kwargs)}
        connection = self.get_connected_app()
        context.update(connected_app=connection, application=connection.application)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        application = self.get_connected_app().application
        revoke_consent(request.user, application)
        name = application.name or application.client_id
        messages.success(request, f"{name} can no longer access your account.", fail_silently=True)
        return redirect("oauth_provider:connected_apps")
