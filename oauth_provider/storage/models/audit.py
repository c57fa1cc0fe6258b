"""Audit events stored in the database when ``AUDIT_LOG_MODEL`` is on."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["AuditEvent"]


class AuditEvent(models.Model):
    """One thing that happened: what, when, to which client and owner. Never a secret."""

    created = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created"))
    event = models.CharField(max_length=64, db_index=True, verbose_name=_("event"))
    application_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, verbose_name=_("application id")
    )
    user_id = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("user id"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))

    class Meta:
        verbose_name = _("audit event")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"
