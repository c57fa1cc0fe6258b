"""What ``oauth_provider_import_dot`` brought in from django-oauth-toolkit's tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ImportedDotRow"]


class ImportedDotRow(models.Model):
    """One row of django-oauth-toolkit's tables the import copied here.

    A later run skips every row recorded here, whether or not the package still has its
    copy: a revoked access token is deleted from the package's table and a deleted client
    is gone, while django-oauth-toolkit's tables still hold both (docs/switching.rst).
    """

    class Kind(models.TextChoices):
        APPLICATION = "application", _("application")
        ACCESS_TOKEN = "access_token", _("access token")
        REFRESH_TOKEN = "refresh_token", _("refresh token")
        GRANT = "grant", _("authorization code")

    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    source_id = models.BigIntegerField(verbose_name=_("source id"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("imported django-oauth-toolkit row")
        constraints = [
            # source_id leads: each batch looks up thousands of ids of one kind, and with kind
            # first PostgreSQL chose to scan every row of the kind (docs/performance.rst).
            models.UniqueConstraint(fields=["source_id", "kind"], name="oauth_provider_imported_dot_row")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}"
