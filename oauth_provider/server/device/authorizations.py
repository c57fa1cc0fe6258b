"""The life of a device authorization (RFC 8628 §3): started by the device, decided once by
the owner on the verification page, polled by the device, redeemed once for tokens.

Every change of status is a conditional UPDATE on the row's current status, so of two
requests racing for the same step exactly one wins: a user code is used once, a device
code is redeemed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, router, transaction
from django.db.models import F
from django.utils import timezone

from ...core import signals
from ...settings import provider_settings
from ...storage.models import DeviceAuthorization
from . import codes

__all__ = [
    "AUTHORIZED",
    "NewDeviceAuthorization",
    "SLOW_DOWN_SECONDS",
    "decide",
    "find_pending",
    "poll",
    "redeem",
    "start",
]

#: RFC 8628 §3.5: after slow_down the interval grows by 5 seconds for all later polls.
SLOW_DOWN_SECONDS = 5
#: What :func:`poll` returns for an approved authorization; the other outcomes are the
#: RFC 8628 §3.5 error codes, or ``None`` for an unknown device code.
AUTHORIZED = "authorized"


@dataclass(frozen=True)
class NewDeviceAuthorization:
    """A started authorization and its codes in clear, to be sent once to the device."""

    row: DeviceAuthorization
    device_code: str
    user_code: str


def start(client: Any, scopes: list[str]) -> NewDeviceAuthorization:
    """Store a new pending authorization for ``client`` asking for ``scopes``."""
    lifetime = int(provider_settings.DEVICE_CODE_EXPIRE_SECONDS)
    for _ in range(5):
        device_code, user_code = codes.generate_device_code(), codes.generate_user_code()
        row = DeviceAuthorization(
            application=client,
            device_code=codes.device_code_hash(device_code),
            user_code=codes.user_code_hash(user_code),
            requested_scope=" ".join(scopes),
            interval=int(provider_settings.DEVICE_CODE_INTERVAL_SECONDS),
            expires=timezone.now() + timedelta(seconds=lifetime),
        )
        try:
            with transaction.atomic(using=router.db_for_write(DeviceAuthorization)):
                row.save()
        except IntegrityError:
            continue  # a user code that is already taken (1 in 20^8 per live code): draw again
        return NewDeviceAuthorization(row, device_code, user_code)
    raise IntegrityError("could not draw a free user code")


def find_pending(typed_user_code: str) -> DeviceAuthorization | None:
    """The pending, unexpired authorization of an active client whose user code the owner
    typed, or ``None``."""
    normalized = codes.normalize_user_code(typed_user_code)
    if normalized is None:
        return None
    row = (
        DeviceAuthorization.objects.select_related("application")
        .filter(
            user_code=codes.user_code_hash(normalized),
            status=DeviceAuthorization.PENDING,
            expires__gt=timezone.now(),
        )
        .first()
    )
    if row is None or not row.application.is_active:
        return None
    return row


def decide(row: DeviceAuthorization, user: Any, approved_scopes: list[str] | None) -> bool:
    """The owner's decision: approve ``approved_scopes``, or deny (``None``). The owner and the
    scopes are fixed here, never at redemption. False if the authorization was no longer
    pending (decided by another request, or expired)."""
    now = timezone.now()
    approve = approved_scopes is not None
    changed = DeviceAuthorization.objects.filter(
        pk=row.pk, status=DeviceAuthorization.PENDING, expires__gt=now
    ).update(
        status=DeviceAuthorization.APPROVED if approve else DeviceAuthorization.DENIED,
        user=user,
        scope=" ".join(approved_scopes or []),
        decided=now,
    )
    if changed:
        signals.device_authorization_decided.send(
            sender=DeviceAuthorization,
            application_id=row.application_id,
            user_id=user.pk,
            approved=approve,
            scope=" ".join(approved_scopes or []),
        )
    return bool(changed)


def poll(client: Any, device_code: str) -> tuple[str | None, DeviceAuthorization | None]:
    """``(outcome, row)`` for a device's token request (RFC 8628 §3.4, §3.5).

    The outcome is :data:`AUTHORIZED`, one of ``authorization_pending``, ``slow_down``,
    ``expired_token`` and ``access_denied``, or ``None`` for a device code that is unknown,
    another client's, or already redeemed (``invalid_grant``).
    """
    if not device_code or len(device_code) > 512 or "\x00" in device_code:
        return None, None
    row = (
        DeviceAuthorization.objects.select_related("user")
        .filter(device_code=codes.device_code_hash(device_code))
        .first()
    )
    if row is None or row.application_id != client.pk or row.status == DeviceAuthorization.REDEEMED:
        # RFC 8628 §3.4: a device code is bound to the client it was issued to.
        return None, None
    now = timezone.now()
    if row.is_expired():
        return "expired_token", row
    if row.status == DeviceAuthorization.DENIED:
        return "access_denied", row
    if row.status == DeviceAuthorization.APPROVED:
        if row.user is None or not row.user.is_active:
            return "access_denied", row
        return AUTHORIZED, row
    too_soon = row.last_polled is not None and now < row.last_polled + timedelta(seconds=row.interval)
    polled = DeviceAuthorization.objects.filter(pk=row.pk)
    if too_soon:
        polled.update(last_polled=now, interval=F("interval") + SLOW_DOWN_SECONDS)
        return "slow_down", row
    polled.update(last_polled=now)
    return "authorization_pending", row


def redeem(row: DeviceAuthorization) -> bool:
    """Mark an approved authorization used, in the transaction that stores its tokens; False
    if another request redeemed it first."""
    return bool(
        DeviceAuthorization.objects.filter(pk=row.pk, status=DeviceAuthorization.APPROVED).update(
            status=DeviceAuthorization.REDEEMED
        )
    )
