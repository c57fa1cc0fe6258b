"""Retire a signing key now: it signs no more, and stays published while its tokens live."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ...settings import provider_settings
from ...storage import signing_keys
from ...storage.models import SigningKey
from .common import write_json
from .signing_keys import key_by_kid, key_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Retire a signing key now. It stays in the JWKS document until what it signed has expired; "
        "with --compromised it leaves at once (tokens it signed stop verifying). Retiring the last "
        "key that signs for an algorithm of SIGNING_ALGORITHMS needs --force: nothing could sign "
        "until a new key is active. Prints JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kid", required=True, help="The key to retire.")
        parser.add_argument("--compromised", action="store_true", help="Unpublish it at once.")
        parser.add_argument("--force", action="store_true", help="Retire even the last signing key.")

    def handle(self, *args: Any, **options: Any) -> None:
        key = key_by_kid(options["kid"])
        now = timezone.now()
        others = SigningKey.objects.signing(key.algorithm, now).exclude(pk=key.pk)
        if (
            key.status(now) == "active"
            and key.algorithm in provider_settings.SIGNING_ALGORITHMS
            and not others.exists()
            and not options["force"]
        ):
            raise CommandError(
                f"Key {key.kid} is the only {key.algorithm} key that signs. Activate a successor first "
                "(oauth_provider_create_signing_key, oauth_provider_activate_signing_key), or pass --force."
            )
        signing_keys.retire(key, now=now, compromised=options["compromised"])
        write_json(self, key_json(key, now))
