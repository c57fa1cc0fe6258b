"""Device authorizations (RFC 8628 §3.2): a device code and a user code, both stored as
hashes, waiting for the owner's decision on the verification page."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from ...core.scopes import parse_scope

__all__ = ["DeviceAuthorization"]


class DeviceAuthorization(models.Model):
    """One device authorization request, from its start until its tokens are issued.

    ``status`` moves once: pending -> approved or denied, and approved -> redeemed. The owner
    who approved it and the scopes they approved are fixed at that moment; the token request
    only reads them (docs/device.rst).
    """

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    REDEEMED = "redeemed"
    STATUSES = [
        (PENDING, _("Waiting for the owner")),
        (APPROVED, _("Approved, tokens not yet issued")),
        (DENIED, _("Denied")),
        (REDEEMED, _("Tokens issued")),
    ]

    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="device_authorizations",
        verbose_name=_("application"),
    )
    device_code = models.CharField(
        max_length=64, unique=True, editable=False, help_text=_("SHA-256 of the device code.")
    )
    user_code = models.CharField(
        max_length=64, unique=True, editable=False, help_text=_("Keyed hash of the user code.")
    )
    requested_scope = models.TextField(blank=True, editable=False, verbose_name=_("requested scope"))
    scope = models.TextField(
        blank=True, editable=False, help_text=_("The scopes the owner approved."), verbose_name=_("scope")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="oauth_device_authorizations",
        help_text=_("The owner who approved or denied the request."),
        verbose_name=_("user"),
    )
    status = models.CharField(max_length=8, choices=STATUSES, default=PENDING, verbose_name=_("status"))
    interval = models.PositiveIntegerField(
        default=5, help_text=_("Seconds the device must wait between polls (RFC 8628 §3.5).")
    )
    expires = models.DateTimeField(verbose_name=_("expires"))
    last_polled = models.DateTimeField(null=True, blank=True, editable=False)
    decided = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("decided"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    token_family = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text=_("Tokens issued from this authorization, and refreshed from them, share this id."),
    )

    class Meta:
        verbose_name = _("device authorization")

    def __str__(self) -> str:
        return f"Device authorization #{self.pk}"

    @property
    def scope_list(self) -> list[str]:
        return parse_scope(self.scope)

    @property
    def requested_scope_list(self) -> list[str]:
        return parse_scope(self.requested_scope)

    def is_expired(self) -> bool:
        return self.expires <= timezone.now()
