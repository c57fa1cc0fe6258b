"""A resource owner's account deactivated or deleted: what they granted stops working.

Opaque access tokens are refused at once wherever they are checked, since every check
reads the owner's ``is_active`` (a deleted owner's tokens are deleted with the account);
refresh tokens and codes of an inactive owner are refused by the token endpoint. JWT
access tokens are verified without the database, so their ``jti`` go on the denylist
when there is one (docs/jwt.rst), as for a disabled client. This process's token cache
(``ACCESS_TOKEN_CACHE_SECONDS``) holds ``is_active`` as it was read, so it is dropped.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save, pre_delete
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from . import jwt_denylist, token_cache

__all__ = ["connect", "owner_deleted", "owner_saved"]


def _deny_live_jwts(user: Any) -> None:
    if jwt_denylist.enabled():
        live = get_access_token_model().objects.filter(user=user, expires__gt=timezone.now())
        jwt_denylist.deny(live.exclude(jti="").values_list("jti", "expires"))


def owner_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """``post_save`` of the user model: act when the saved account is inactive. A save of
    other fields only (a login's ``last_login``) costs nothing."""
    if getattr(instance, "is_active", True):
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    _deny_live_jwts(instance)
    token_cache.clear()


def owner_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """``pre_delete`` of the user model: the account's tokens are deleted with it, and
    its live JWTs denied first, while their rows still say which they are."""
    _deny_live_jwts(instance)
    token_cache.clear()


def connect() -> None:
    """Connect the receivers to the user model (called from the app config)."""
    user_model = settings.AUTH_USER_MODEL
    post_save.connect(owner_saved, sender=user_model, dispatch_uid="oauth_provider.owners.saved")
    pre_delete.connect(owner_deleted, sender=user_model, dispatch_uid="oauth_provider.owners.deleted")
