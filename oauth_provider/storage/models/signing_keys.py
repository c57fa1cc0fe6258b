"""Signing keys as data: the keys that sign ID tokens (and, later, every signed artifact).

A key's life is four instants, in order (docs/oidc.rst, "Keys and rotation"):

``publish_at``
   it appears in the JWKS document, so relying parties can fetch it;
``activate_at``
   it may sign (``SIGNING_KEY_ROTATION_LEAD_SECONDS`` after publishing, so every cached
   JWKS has it by then);
``retire_at``
   it signs no more (its successor's ``activate_at``);
``unpublish_at``
   it leaves the JWKS document, once everything it signed has expired.

Everything is decided by comparing these instants with the clock, so every server agrees
without talking to the others. The private key is stored encrypted
(``oauth_provider.core.key_encryption``); the admin and the commands show only the public key.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ...core.jose import ALGORITHMS

__all__ = ["SigningKey", "SigningKeyQuerySet"]


class SigningKeyQuerySet(models.QuerySet):
    """Keys by where they stand at an instant."""

    def not_unpublished(self, now: datetime | None = None) -> SigningKeyQuerySet:
        """Keys published now or later: every key a server may still need."""
        now = now or timezone.now()
        return self.filter(Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=now))

    def published(self, now: datetime | None = None) -> SigningKeyQuerySet:
        """Keys in the JWKS document at ``now``."""
        now = now or timezone.now()
        return self.not_unpublished(now).filter(publish_at__lte=now)

    def signing(self, algorithm: str, now: datetime | None = None) -> SigningKeyQuerySet:
        """Keys of ``algorithm`` that may sign at ``now``, the newest first."""
        now = now or timezone.now()
        return (
            self.published(now)
            .filter(algorithm=algorithm, activate_at__lte=now)
            .filter(Q(retire_at__isnull=True) | Q(retire_at__gt=now))
            .order_by("-activate_at", "-generation")
        )


class SigningKey(models.Model):
    """One asymmetric key pair, bound to one algorithm."""

    kid = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        help_text=_("The key's RFC 7638 thumbprint, its id in the JWKS document and token headers."),
        verbose_name=_("key id"),
    )
    algorithm = models.CharField(
        max_length=8,
        choices=[(name, name) for name in ALGORITHMS],
        editable=False,
        verbose_name=_("algorithm"),
    )
    generation = models.PositiveIntegerField(
        editable=False,
        help_text=_("Counts the keys of one algorithm; two servers rotating at once cannot both add one."),
        verbose_name=_("generation"),
    )
    public_jwk = models.JSONField(editable=False, verbose_name=_("public key"))
    private_key = models.TextField(
        editable=False,
        help_text=_("The private key, encrypted (AES-256-GCM) with SIGNING_KEY_ENCRYPTION_KEYS."),
        verbose_name=_("private key (encrypted)"),
    )
    publish_at = models.DateTimeField(verbose_name=_("published from"))
    activate_at = models.DateTimeField(verbose_name=_("signs from"))
    retire_at = models.DateTimeField(null=True, blank=True, verbose_name=_("signs until"))
    unpublish_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published until"))
    compromised = models.BooleanField(
        default=False,
        editable=False,
        help_text=_("Retired at once because its private key may be known to someone else."),
        verbose_name=_("compromised"),
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    objects = SigningKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("signing key")
        ordering = ["algorithm", "-generation"]
        constraints = [
            models.UniqueConstraint(
                fields=["algorithm", "generation"], name="oauth_provider_signing_key_generation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid[:12]}"

    def status(self, now: datetime | None = None) -> str:
        """``pending``, ``published`` (not signing yet), ``active``, ``retired`` (still
        published) or ``unpublished``."""
        now = now or timezone.now()
        if self.unpublish_at is not None and self.unpublish_at <= now:
            return "unpublished"
        if self.publish_at > now:
            return "pending"
        if self.retire_at is not None and self.retire_at <= now:
            return "retired"
        if self.activate_at > now:
            return "published"
        return "active"
