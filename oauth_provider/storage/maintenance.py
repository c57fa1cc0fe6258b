"""Deleting expired rows: refresh tokens, access tokens, ID tokens, authorization codes and
device authorizations and pushed authorization requests.

Plain functions over querysets, used by the ``oauth_provider_clear_expired`` command.
A row is deleted only once nothing can still use it or learn from it:

* a refresh token once its client's refresh token lifetime (``REFRESH_TOKEN_EXPIRE_SECONDS``
  unless the client sets its own) has passed since it was issued, revoked or not. Until
  then a revoked (rotated) refresh token is what detects a replay and revokes its family
  (RFC 9700 §4.14.2); after that it would be refused as expired anyway. With no refresh
  token lifetime, no refresh token is ever deleted;
* an expired access token, unless a live refresh token that is kept still points at
  it (django-oauth-toolkit's ``cleartokens`` deletes a live refresh token whose access
  token is gone, so such rows are left for the refresh token's own expiry). A revoked
  refresh token still points at the access token its rotation ended; that one goes;
* an expired ID token no access token points at;
* an expired device authorization (RFC 8628) or pushed authorization request (RFC 9126),
  whatever its status;
* an expired authorization code that was never used, and a used one once
  :data:`CONSUMED_CODE_RETENTION` has passed after it expired, so that a replay in
  that window is still detected and revokes what the code issued (RFC 6749 §4.1.2).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from ..settings import provider_settings
from .models import DeviceAuthorization, PushedAuthorizationRequest

__all__ = [
    "CONSUMED_CODE_RETENTION",
    "Progress",
    "clear_expired",
    "delete_in_batches",
    "expired_access_tokens",
    "expired_device_authorizations",
    "expired_grants",
    "expired_id_tokens",
    "expired_pushed_authorization_requests",
    "expired_refresh_tokens",
    "refresh_token_cutoff",
    "refresh_tokens_past_lifetime",
]

#: How long a used authorization code is kept after it expired, to catch replays.
CONSUMED_CODE_RETENTION = timedelta(minutes=10)

#: Called after each batch with the kind of row, the batch's count and the running total.
Progress = Callable[[str, int, int], None]


def refresh_token_cutoff(now: datetime, lifetime_seconds: int | None) -> datetime | None:
    """Refresh tokens issued at or before this instant have expired; ``None`` if they never do."""
    if not lifetime_seconds:
        return None
    return now - timedelta(seconds=int(lifetime_seconds))


def refresh_tokens_past_lifetime(now: datetime, lifetime_seconds: int | None, through: str = "") -> Q | None:
    """A filter for refresh tokens (reached ``through`` a relation, e.g. ``"refresh_token__"``)
    issued longer ago than their client's lifetime, the site's ``lifetime_seconds`` for
    clients without one of their own; ``None`` if no refresh token ever expires."""
    overrides = (
        get_application_model()
        .objects.exclude(refresh_token_lifetime=None)
        .values_list("refresh_token_lifetime", flat=True)
        .distinct()
    )
    parts = []
    cutoff = refresh_token_cutoff(now, lifetime_seconds)
    if cutoff is not None:
        parts.append(
            Q(
                **{
                    f"{through}application__refresh_token_lifetime__isnull": True,
                    f"{through}created__lte": cutoff,
                }
            )
        )
    for seconds in sorted(set(overrides)):
        parts.append(
            Q(
                **{
                    f"{through}application__refresh_token_lifetime": seconds,
                    f"{through}created__lte": now - timedelta(seconds=seconds),
                }
            )
        )
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def expired_refresh_tokens(now: datetime, lifetime_seconds: int | None) -> QuerySet[Any]:
    """Refresh tokens past their lifetime, revoked or not (the validator's own expiry rule)."""
    RefreshToken = get_refresh_token_model()
    expired = refresh_tokens_past_lifetime(now, lifetime_seconds)
    if expired is None:
        return RefreshToken.objects.none()
    return RefreshToken.objects.filter(expired)


def expired_access_tokens(now: datetime, lifetime_seconds: int | None) -> QuerySet[Any]:
    """Expired access tokens that no live refresh token that is kept points at."""
    unbound = Q(refresh_token__isnull=True) | Q(refresh_token__revoked__isnull=False)
    expired = refresh_tokens_past_lifetime(now, lifetime_seconds, through="refresh_token__")
    if expired is not None:
        # Bound to a refresh token that is itself deleted in the same run.
        unbound |= expired
    return get_access_token_model().objects.filter(unbound, expires__lte=now)


def expired_device_authorizations(now: datetime) -> QuerySet[Any]:
    """Device authorizations past their expiry (RFC 8628 §3.2), whatever their status: their
    device code is then refused as expired or unknown either way."""
    return DeviceAuthorization.objects.filter(expires__lte=now)


def expired_id_tokens(now: datetime) -> QuerySet[Any]:
    """Expired ID tokens no access token points at (OpenID Connect is off; kept for parity)."""
    return get_id_token_model().objects.filter(access_token__isnull=True, expires__lte=now)


def expired_grants(now: datetime, retention: timedelta = CONSUMED_CODE_RETENTION) -> QuerySet[Any]:
    """Expired authorization codes: unused ones at once, used ones ``retention`` later."""
    return get_grant_model().objects.filter(
        Q(consumed__isnull=True, expires__lte=now) | Q(consumed__isnull=False, expires__lte=now - retention)
    )


def delete_in_batches(
    queryset: QuerySet[Any],
    batch_size: int,
    *,
    label: str = "",
    pause: float = 0.0,
    progress: Progress | None = None,
) -> int:
    """Delete the rows of ``queryset`` at most ``batch_size`` at a time; returns how many.

    Each batch is its own short transaction, so a large backlog never holds locks for
    long; the condition is applied again when deleting, so a row that changed since it
    was selected is left alone.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    label = label or queryset.model._meta.verbose_name_plural
    total = 0
    while True:
        pks = list(queryset.values_list("pk", flat=True)[:batch_size])
        if not pks:
            return total
        _, per_model = queryset.filter(pk__in=pks).delete()
        deleted = per_model.get(queryset.model._meta.label, 0)
        total += deleted
        if progress is not None:
            progress(label, deleted, total)
        if len(pks) < batch_size:
            return total
        if pause:
            time.sleep(pause)


def clear_expired(
    *,
    now: datetime | None = None,
    batch_size: int = 1000,
    pause: float = 0.0,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Delete every expired row (see the module docstring); returns counts by kind of row.

    With ``dry_run`` nothing is deleted and the counts are of the rows that would be.
    """
    now = now or timezone.now()
    lifetime = provider_settings.REFRESH_TOKEN_EXPIRE_SECONDS
    # Refresh tokens first: deleting them frees the expired access tokens they held.
    steps: list[tuple[str, QuerySet[Any]]] = [
        ("refresh_tokens", expired_refresh_tokens(now, lifetime)),
        ("access_tokens", expired_access_tokens(now, lifetime)),
        ("id_tokens", expired_id_tokens(now)),
        ("grants", expired_grants(now)),
        ("device_authorizations", expired_device_authorizations(now)),
        ("pushed_authorization_requests", expired_pushed_authorization_requests(now)),
    ]
    counts: dict[str, int] = {}
    for label, queryset in steps:
        if dry_run:
            counts[label] = queryset.count()
        else:
            counts[label] = delete_in_batches(
                queryset, batch_size, label=label, pause=pause, progress=progress
            )
    return counts


def expired_pushed_authorization_requests(now: datetime) -> QuerySet[Any]:
    """Pushed authorization requests past their expiry (RFC 9126 §2.2), used or not."""
    return PushedAuthorizationRequest.objects.filter(expires__lte=now)
