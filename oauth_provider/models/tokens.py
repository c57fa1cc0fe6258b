"""Access and refresh tokens, stored as SHA-256 only and linked into families."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractAccessToken, AbstractIDToken, AbstractRefreshToken

__all__ = ["AccessToken", "IDToken", "RefreshToken", "delete_access_tokens", "revoke_token_family"]


class AccessToken(AbstractAccessToken):
    """An access token (RFC 6749 §1.4). ``token`` is blank; ``token_checksum`` is the lookup key."""

    token_family = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("Shared by every token descended from one grant; revoked together."),
        verbose_name=_("token family"),
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

    class Meta(AbstractRefreshToken.Meta):
        swappable = "OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL"
        verbose_name = _("refresh token")

    @classmethod
    def revoke_family(cls, token_family: uuid.UUID | None) -> None:
        revoke_token_family(token_family)


class IDToken(AbstractIDToken):
    """Swapped in only so that every token model lives in one app; OpenID Connect is off."""

    class Meta(AbstractIDToken.Meta):
        swappable = "OAUTH2_PROVIDER_ID_TOKEN_MODEL"


def _lock_live_refresh_tokens(token_family: uuid.UUID) -> None:
    """Row-lock the family's live refresh tokens, waiting for refreshes in flight to finish.

    A refresh holds its token's row lock until it commits the successor. A statement
    that waited for that lock does not see the successor (PostgreSQL's READ COMMITTED
    reads what was committed when the statement began), so lock again until no row
    appeared in the family meanwhile: then no refresh of it is in flight, and the
    statements that follow see every token it has.
    """
    family = RefreshToken.objects.filter(token_family=token_family)
    before = set(family.values_list("pk", flat=True))
    while True:
        list(family.filter(revoked__isnull=True).select_for_update().order_by("pk").values_list("pk"))
        after = set(family.values_list("pk", flat=True))
        if after == before:
            return
        before = after


def revoke_token_family(token_family: uuid.UUID | None) -> int:
    """Revoke every refresh token and delete every access token of a family; returns how
    many of them could still be used (expired access tokens, such as those a refresh
    ended, are deleted but not counted)."""
    if not token_family:
        return 0
    with transaction.atomic(using=router.db_for_write(AccessToken)):
        _lock_live_refresh_tokens(token_family)
        now = timezone.now()
        revoked = RefreshToken.objects.filter(token_family=token_family, revoked__isnull=True).update(
            revoked=now, updated=now, access_token=None
        )
        live = delete_access_tokens(AccessToken.objects.filter(token_family=token_family), now)
    return revoked + live


def delete_access_tokens(access_tokens: models.QuerySet, now: datetime) -> int:
    """Delete ``access_tokens``; returns how many of them had not expired at ``now`` (the
    ones a revocation ends; a refresh leaves the access token it ended in place, expired)."""
    live = access_tokens.filter(expires__gt=now).count()
    access_tokens.delete()
    return live
