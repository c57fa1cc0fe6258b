"""Encrypt every private signing key again with the first SIGNING_KEY_ENCRYPTION_KEYS key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...core.key_encryption import UndecryptableKey
from ...storage import signing_keys
from .common import write_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Encrypt the private signing keys again with the first key of SIGNING_KEY_ENCRYPTION_KEYS "
        "(after putting a new key first); then the old key can be removed. Prints JSON."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = signing_keys.reencrypt()
        except UndecryptableKey as exc:
            raise CommandError(str(exc)) from exc
        write_json(self, {"reencrypted": count})
