"""Pushed authorization requests (RFC 9126): the parameters a client sent to the PAR
endpoint, kept until the authorization endpoint uses them once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

__all__ = ["PushedAuthorizationRequest"]


class PushedAuthorizationRequest(models.Model):
    """One pushed request. ``reference`` is the SHA-256 of its ``request_uri``, never the URI."""

    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="pushed_authorization_requests",
        verbose_name=_("application"),
    )
    reference = models.CharField(max_length=64, unique=True, editable=False)
    parameters = models.TextField(
        editable=False, help_text=_("The authorization request's parameters, form-encoded.")
    )
    expires = models.DateTimeField(verbose_name=_("expires"))
    used = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the owner decided; the request_uri is refused after that."),
        verbose_name=_("used"),
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("pushed authorization request")

    def __str__(self) -> str:
        return f"Pushed authorization request #{self.pk}"

    def is_expired(self) -> bool:
        return self.expires <= timezone.now()
