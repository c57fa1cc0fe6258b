"""The resource owner's stored decision to let a client have a set of scopes."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from ...core.scopes import parse_scope

__all__ = ["AbstractConsent", "Consent"]


class AbstractConsent(models.Model):
    """One row per owner and client; ``revoked`` set means the owner must be asked again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="oauth_consents",
        verbose_name=_("user"),
    )
    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("application"),
    )
    scope = models.TextField(blank=True, verbose_name=_("scope"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))
    revoked = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked"))

    class Meta:
        abstract = True
        verbose_name = _("consent")
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="%(app_label)s_one_%(class)s")
        ]

    def __str__(self) -> str:
        return f"Consent #{self.pk}"

    @property
    def scope_list(self) -> list[str]:
        return parse_scope(self.scope)

    def covers(self, scopes: Iterable[str]) -> bool:
        """True if the owner already approved every scope in ``scopes`` and has not revoked."""
        return self.revoked is None and set(scopes) <= set(self.scope_list)


class Consent(AbstractConsent):
    """The default consent model (``OAUTH_PROVIDER["CONSENT_MODEL"]`` names another)."""

    class Meta(AbstractConsent.Meta):
        swappable = "OAUTH_PROVIDER_CONSENT_MODEL"
