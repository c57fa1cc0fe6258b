"""Disable a client: it can no longer authenticate, and its tokens stop working at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...storage.clients import disable_client
from .common import application_by_client_id, write_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Disable a client. It can no longer authenticate or get tokens, and the tokens it holds "
        "are refused at once. Re-enable it in the admin (Active)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", required=True, help="The client to disable.")

    def handle(self, *args: Any, **options: Any) -> None:
        application = application_by_client_id(options["client_id"])
        changed = application.is_active
        if changed:
            disable_client(application)
        write_json(self, {"client_id": application.client_id, "is_active": False, "changed": changed})
