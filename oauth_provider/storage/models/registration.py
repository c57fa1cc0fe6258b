"""Initial access tokens (RFC 7591 §3): what an operator hands out so that a client may
register itself while ``DYNAMIC_REGISTRATION`` is ``"initial_access_token"``."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["InitialAccessToken"]


class InitialAccessToken(models.Model):
    """One token an operator issued (``oauth_provider_create_initial_access_token`` or the
    admin); only its SHA-256 is stored."""

    token_checksum = models.CharField(
        max_length=64, unique=True, editable=False, verbose_name=_("token checksum")
    )
    description = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("Who it was issued to, and why."),
        verbose_name=_("description"),
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    expires = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty: never expires."), verbose_name=_("expires")
    )
    remaining_uses = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("How many more clients it may register; empty: any number."),
        verbose_name=_("remaining uses"),
    )
    revoked = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked"))

    class Meta:
        verbose_name = _("initial access token")

    def __str__(self) -> str:
        return self.description or f"initial access token {self.pk}"

    def is_usable(self) -> bool:
        """Not revoked, not expired, and not used up."""
        if self.revoked is not None or self.remaining_uses == 0:
            return False
        return self.expires is None or self.expires > timezone.now()
