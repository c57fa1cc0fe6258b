"""Delete expired tokens and authorization codes, in batches (run it from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...settings import provider_settings
from ...storage.maintenance import clear_expired
from .common import write_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Delete expired access tokens, refresh tokens past REFRESH_TOKEN_EXPIRE_SECONDS and "
        "expired authorization codes (used ones 10 minutes later, to catch replays), in batches. "
        "Progress goes to stderr, a JSON summary to stdout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Rows deleted per transaction (default 1000)."
        )
        parser.add_argument(
            "--pause", type=float, default=0.0, help="Seconds to sleep between batches (default 0)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the rows that would be deleted; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["pause"] < 0:
            raise CommandError("--pause must be 0 or more.")
        if not provider_settings.REFRESH_TOKEN_EXPIRE_SECONDS:
            self.stderr.write(
                "REFRESH_TOKEN_EXPIRE_SECONDS is not set, so refresh tokens never expire: none are "
                "deleted, nor the expired access tokens they point at."
            )
        counts = clear_expired(
            batch_size=options["batch_size"],
            pause=options["pause"],
            dry_run=options["dry_run"],
            progress=self.progress,
        )
        write_json(self, {"would_delete" if options["dry_run"] else "deleted": counts})

    def progress(self, label: str, deleted: int, total: int) -> None:
        self.stderr.write(f"{label}: deleted {deleted} ({total} so far)")
