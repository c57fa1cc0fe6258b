"""Issue an initial access token (RFC 7591 §3) for dynamic client registration."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...server.registration import create_initial_access_token
from ...settings import provider_settings
from .common import write_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Issue an initial access token: with DYNAMIC_REGISTRATION = 'initial_access_token', a client "
        "registers itself by sending it as a bearer token. The token is shown once; only its hash "
        "is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--description", default="", help="Who it is for, and why (shown in the admin).")
        parser.add_argument(
            "--expires-in", type=int, default=7 * 24 * 3600, help="Seconds; 0: never expires."
        )
        parser.add_argument(
            "--uses", type=int, default=1, help="How many clients it may register; 0: any number."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["expires_in"] < 0 or options["uses"] < 0:
            raise CommandError("--expires-in and --uses must not be negative.")
        row, token = create_initial_access_token(
            description=options["description"],
            expires_in=options["expires_in"] or None,
            uses=options["uses"] or None,
        )
        if options["json"]:
            write_json(
                self,
                {
                    "id": row.pk,
                    "initial_access_token": token,
                    "expires": row.expires.isoformat() if row.expires else None,
                    "remaining_uses": row.remaining_uses,
                },
            )
            return
        self.stdout.write(f"Initial access token (shown once): {token}")
        if provider_settings.DYNAMIC_REGISTRATION != "initial_access_token":
            self.stderr.write(
                "Note: OAUTH_PROVIDER['DYNAMIC_REGISTRATION'] is not 'initial_access_token'; "
                "the token is not asked for."
            )
