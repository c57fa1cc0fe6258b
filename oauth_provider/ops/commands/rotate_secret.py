"""Give a confidential client a new secret; the old one keeps working for a grace period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...storage.clients import rotate_client_secret
from .common import application_by_client_id, read_secret, write_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Rotate a confidential client's secret and print the new one as JSON. The previous secret "
        "keeps working until previous_secret_valid_until."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", required=True, help="The client whose secret to rotate.")
        parser.add_argument(
            "--grace-seconds",
            type=int,
            help=(
                "How long the previous secret keeps working; 0 ends it at once. "
                "Default: CLIENT_SECRET_ROTATION_GRACE_SECONDS."
            ),
        )
        parser.add_argument(
            "--secret",
            help="A fixed new secret (at least 32 characters) instead of a generated one; '-' reads stdin.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        grace = options["grace_seconds"]
        if grace is not None and grace < 0:
            raise CommandError("--grace-seconds must be 0 or more.")
        secret = read_secret(options["secret"], options.get("stdin"), option="--secret")
        application = application_by_client_id(options["client_id"])
        if not application.is_confidential:
            raise CommandError(f"Client {application.client_id!r} is public; it has no secret to rotate.")
        new_secret = rotate_client_secret(application, grace_seconds=grace, new_secret=secret)
        expires = application.previous_client_secret_expires
        write_json(
            self,
            {
                "client_id": application.client_id,
                "client_secret": new_secret,
                "previous_secret_valid_until": expires.isoformat() if expires else None,
            },
        )
