"""Access and refresh tokens, stored as SHA-256 only and linked into families.

Revoking them is ``oauth_provider.storage.revocation``'s job alone.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractAccessToken, AbstractIDToken, AbstractRefreshToken

__all__ = ["AccessToken", "IDToken", "RefreshToken"]


class AccessToken(AbstractAccessToken):
    """An access token (RFC 6749 §1.4). ``token`` is blank; ``token_checksum`` is the lookup key."""

    resource = models.TextField(
        blank=True,
        default="",
        help_text=_("Space-separated resource URIs the token is for: its audience (RFC 8707)."),
        verbose_name=_("resource"),
    )
    token_family = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("Shared by every token descended from one grant; revoked together."),
        verbose_name=_("token family"),
    )
    jti = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text=_("A JWT access token's jti (RFC 9068), for the denylist; empty for an opaque token."),
        verbose_name=_("JWT ID"),
    )

    jkt = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "Thumbprint of the DPoP key the token is bound to (RFC 9449 §6: cnf.jkt); empty: bearer."
        ),
        verbose_name=_("DPoP key thumbprint"),
    )
    audience = models.CharField(
        max_length=255,
        blank=True,
        default="",
        editable=False,
        help_text=_("The audience a token from token exchange is for (RFC 8693 §2.1); empty otherwise."),
        verbose_name=_("audience"),
    )
    actor = models.TextField(
        blank=True,
        default="",
        editable=False,
        help_text=_("A token from token exchange: the act claim (RFC 8693 §4.1), as JSON."),
        verbose_name=_("actor"),
    )

    class Meta(AbstractAccessToken.Meta):
        swappable = "OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL"
        verbose_name = _("access token")


class RefreshToken(AbstractRefreshToken):
    """A refresh token (RFC 6749 §1.5), rotated on every use."""

    scope = models.TextField(
        blank=True,
        help_text=_("The scope the owner granted; a refresh may ask for this or less (RFC 6749 §6)."),
        verbose_name=_("scope"),
    )
    resource = models.TextField(
        blank=True,
        default="",
        help_text=_("Resource URIs (RFC 8707) the tokens refreshed from this one may be for."),
        verbose_name=_("resource"),
    )
    auth_time = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The owner's login time, for the ID tokens of refreshes (OpenID Connect Core §12.2)."),
        verbose_name=_("login time"),
    )

    jkt = models.CharField(
        max_length=64,
        blank=True,
        default="",
        editable=False,
        help_text=_("A public client's refresh token is bound to its DPoP key (RFC 9449 §5)."),
        verbose_name=_("DPoP key thumbprint"),
    )
    family_started = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the first refresh token of this family was issued, for the absolute lifetime."),
        verbose_name=_("family started"),
    )

    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"
        verbose_name = _("refresh token")


class IDToken(AbstractIDToken):
    """An ID token issued (OpenID Connect Core §2): its ``jti``, owner, client and key; never
    the token itself."""

    kid = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("The signing key's id, to find what a compromised key signed."),
        verbose_name=_("key id"),
    )

    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"
        verbose_name = _("ID token")
