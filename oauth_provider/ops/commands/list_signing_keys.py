"""List the signing keys: public data and instants, never a private key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ...storage.models import SigningKey
from .common import write_json
from .signing_keys import key_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = "List the signing keys (kid, algorithm, status and instants) as JSON; no private key is shown."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--algorithm", help="Only the keys of this algorithm.")
        parser.add_argument(
            "--status", help="Only keys with this status (pending, published, active, retired)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        keys = SigningKey.objects.order_by("algorithm", "-generation")
        if options["algorithm"]:
            keys = keys.filter(algorithm=options["algorithm"])
        listed = [key_json(key, now) for key in keys]
        if options["status"]:
            listed = [key for key in listed if key["status"] == options["status"]]
        write_json(self, {"keys": listed})
