"""Make a published key the signing key of its algorithm now; the one before retires."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ...settings import provider_settings
from ...storage import signing_keys
from .common import write_json
from .signing_keys import key_by_kid, key_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Make a key sign now, ahead of its activate_at; the keys of its algorithm that signed until "
        "now retire (they stay published while their tokens live). Refused for a key published "
        "less than SIGNING_KEY_ROTATION_LEAD_SECONDS ago unless --force: relying parties may not "
        "have fetched it yet. Prints JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kid", required=True, help="The key to activate.")
        parser.add_argument("--force", action="store_true", help="Activate even if published only lately.")

    def handle(self, *args: Any, **options: Any) -> None:
        key = key_by_kid(options["kid"])
        now = timezone.now()
        status = key.status(now)
        if status in ("retired", "unpublished"):
            raise CommandError(f"Key {key.kid} is {status}; create a new one instead.")
        lead = timedelta(seconds=int(provider_settings.SIGNING_KEY_ROTATION_LEAD_SECONDS))
        if key.publish_at + lead > now and not options["force"]:
            raise CommandError(
                f"Key {key.kid} was published less than SIGNING_KEY_ROTATION_LEAD_SECONDS ago; cached "
                "JWKS documents may not have it. Wait, or pass --force."
            )
        signing_keys.activate(key, now=now)
        write_json(self, key_json(key, now))
