"""Operations on clients: create, rotate a secret, disable. Used by the admin and the commands;
revoking a client's tokens is ``revocation.revoke_client_tokens``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_application_model

from ..core import signals
from ..core.hashing import hash_client_secret
from ..settings import provider_settings
from . import jwt_denylist

__all__ = [
    "create_client",
    "disable_client",
    "register_client",
    "rotate_client_secret",
]


def create_client(**fields: Any) -> tuple[Any, str]:
    """Validate and save a new Application; returns it and its plaintext secret ("" if public).

    A ``client_secret`` given in ``fields`` is used (deployments provisioning clients
    from configuration) and always hashed, even if it looks like a stored hash;
    otherwise one is generated.
    """
    secret = fields.pop("client_secret", None) or ""
    application = get_application_model()(**fields)
    if application.is_confidential and secret:
        # Hashed before validation: the plaintext may be longer than the column.
        application.set_client_secret(secret)
    application.full_clean()
    # register_client generates the secret when none was given.
    return application, register_client(application)


def register_client(application: Any) -> str:
    """Save a new, validated client and send ``client_created``; returns its plaintext secret.

    A confidential client keeps a secret set with ``set_client_secret()`` or gets a
    generated one; a public client gets none ("" is returned).
    """
    if application.is_confidential and not application.plaintext_client_secret:
        application.set_client_secret(generate_client_secret())
    application.save()
    signals.client_created.send(
        sender=type(application), application_id=application.pk, client_id=application.client_id
    )
    return application.plaintext_client_secret or ""


def rotate_client_secret(
    application: Any, grace_seconds: int | None = None, new_secret: str | None = None
) -> str:
    """Give the client a new secret; the old one keeps working for ``grace_seconds``
    (default ``CLIENT_SECRET_ROTATION_GRACE_SECONDS``). Returns the new plaintext secret.

    ``new_secret`` (else a generated one) is always hashed, even if it looks like a hash."""
    if not application.is_confidential:
        raise ValueError("Public clients have no secret to rotate.")
    grace = provider_settings.CLIENT_SECRET_ROTATION_GRACE_SECONDS if grace_seconds is None else grace_seconds
    secret = new_secret or generate_client_secret()
    now = timezone.now()
    with transaction.atomic():
        type(application).objects.filter(pk=application.pk).update(
            previous_client_secret=application.client_secret if grace > 0 else "",
            previous_client_secret_expires=now + timedelta(seconds=grace) if grace > 0 else None,
            client_secret=hash_client_secret(secret),
            updated=now,
        )
    application.refresh_from_db()
    signals.client_secret_rotated.send(
        sender=type(application), application_id=application.pk, grace_seconds=grace
    )
    return secret


def disable_client(application: Any) -> None:
    """Stop the client: it can no longer authenticate, and its tokens stop working at once."""
    now = timezone.now()
    type(application).objects.filter(pk=application.pk).update(is_active=False, updated=now)
    application.is_active = False
    if jwt_denylist.enabled():
        # Resource servers that verify JWT access tokens on their own never see is_active.
        live = get_access_token_model().objects.filter(application=application, expires__gt=now)
        jwt_denylist.deny(live.exclude(jti="").values_list("jti", "expires"))
    signals.client_disabled.send(sender=type(application), application_id=application.pk)
