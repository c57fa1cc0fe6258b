"""Audit trail: every signal in ``signals`` becomes a structured log record on the
``oauth_provider.audit`` logger, and, with ``AUDIT_LOG_MODEL``, an AuditEvent row.

Signals carry ids only, so nothing here can leak a secret or a token.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.dispatch import Signal

from ..core import signals
from ..settings import provider_settings

__all__ = ["AUDITED_SIGNALS", "connect", "record", "stored"]

log = logging.getLogger("oauth_provider.audit")

AUDITED_SIGNALS: dict[str, Signal] = {
    "client_created": signals.client_created,
    "client_secret_rotated": signals.client_secret_rotated,
    "client_disabled": signals.client_disabled,
    "consent_given": signals.consent_given,
    "consent_revoked": signals.consent_revoked,
    "device_authorization_decided": signals.device_authorization_decided,
    "authorization_request_pushed": signals.authorization_request_pushed,
    "dpop_proof_replayed": signals.dpop_proof_replayed,
    "token_issued": signals.token_issued,
    "token_exchanged": signals.token_exchanged,
    "token_revoked": signals.token_revoked,
    "refresh_token_reused": signals.refresh_token_reused,
    "authorization_code_reused": signals.authorization_code_reused,
    "rate_limit_hit": signals.rate_limit_hit,
    "guessing_suspected": signals.guessing_suspected,
    "signing_key_created": signals.signing_key_created,
    "signing_key_retired": signals.signing_key_retired,
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, uuid.UUID) else value


def stored(event: str, data: dict[str, Any]) -> bool:
    """Whether an event becomes an AuditEvent row (with AUDIT_LOG_MODEL on).

    Every refused request is a ``rate_limit_hit``; a row for each would turn a flood
    of requests into a flood of database writes. Only the first refusal of a subject
    in its window (or lockout) is stored; every one is still logged.
    """
    return event != "rate_limit_hit" or bool(data.get("first_in_window", True))


def record(event: str, **data: Any) -> None:
    """Log one event, and store it if AUDIT_LOG_MODEL is on (see :func:`stored`)."""
    store = bool(provider_settings.AUDIT_LOG_MODEL)
    if not store and not log.isEnabledFor(logging.INFO):
        return  # nobody would see it: every token request would pay for nothing
    data = {key: _plain(value) for key, value in data.items() if key not in ("signal", "sender")}
    log.info(event, extra={"audit_event": event, "audit_data": data})
    if store and stored(event, data):
        from ..storage.models import AuditEvent

        AuditEvent.objects.create(
            event=event,
            application_id=data.get("application_id"),
            user_id=str(data.get("user_id") or ""),
            data=data,
        )


def _receiver(event: str):
    def receive(sender: Any, **kwargs: Any) -> None:
        record(event, **kwargs)

    return receive


_receivers = {event: _receiver(event) for event in AUDITED_SIGNALS}


def connect() -> None:
    """Connect the audit receivers (called once from the app config)."""
    for event, signal in AUDITED_SIGNALS.items():
        signal.connect(_receivers[event], dispatch_uid=f"oauth_provider.audit.{event}")
