"""Authorization codes (RFC 6749 §4.1.2), stored as hashes and kept after use to catch replays."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider import models as dot_models

__all__ = ["AbstractGrant", "Grant"]


class AbstractGrant(dot_models.AbstractGrant):
    """An authorization code. ``code`` holds the SHA-256 of the code, never the code."""

    consumed = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the code was exchanged; a second exchange revokes what the first issued."),
        verbose_name=_("consumed"),
    )
    redirect_uri_given = models.BooleanField(
        default=True,
        help_text=_(
            "Whether the authorization request named redirect_uri; if so the token request must too."
        ),
        verbose_name=_("redirect URI given"),
    )
    token_family = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text=_("Tokens issued from this code, and refreshed from them, share this id."),
        verbose_name=_("token family"),
    )
    resource = models.TextField(
        blank=True,
        default="",
        help_text=_("Space-separated resource URIs the tokens of this code are for (RFC 8707)."),
        verbose_name=_("resource"),
    )
    auth_time = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the owner logged in, for the auth_time of ID tokens (OpenID Connect Core §2)."),
        verbose_name=_("login time"),
    )

    class Meta(dot_models.AbstractGrant.Meta):
        abstract = True
        verbose_name = _("authorization code")
        indexes = [
            # A nonce is accepted once per client (docs/oidc.rst, "Nonces"). Unnamed, so Django
            # names it after each concrete model within the 30 characters it allows an index
            # name (models.E034); "<app>_<model>_nonce" outgrows that for many site models.
            models.Index(fields=["application", "nonce"]),
        ]


class Grant(AbstractGrant):
    """An authorization code (``OAUTH_PROVIDER["GRANT_MODEL"]`` names another model)."""

    class Meta(AbstractGrant.Meta):
        swappable = "OAUTH2_PROVIDER_GRANT_MODEL"
        # The name its migration gave the index (0002_openid_connect).
        indexes = [models.Index(fields=["application", "nonce"], name="oauth_provider_grant_nonce")]
