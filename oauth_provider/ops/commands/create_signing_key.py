"""Create a signing key: generated, or imported from a PEM file."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.utils import timezone
from jwcrypto import jwk

from ...core.jose import ALGORITHMS
from ...storage import signing_keys
from .common import write_json
from .signing_keys import key_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "Create a signing key, published now. It signs after --lead-seconds (default "
        "SIGNING_KEY_ROTATION_LEAD_SECONDS), or at once with --activate-now, which is safe only "
        "for the first key of an algorithm. The key signs alongside any other of its algorithm "
        "(the newest active one signs). Prints the public data as JSON."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--algorithm", required=True, choices=sorted(ALGORITHMS))
        parser.add_argument("--lead-seconds", type=int, help="Seconds between publishing and signing.")
        parser.add_argument("--activate-now", action="store_true", help="Sign at once.")
        parser.add_argument(
            "--from-pem",
            help="Import this PEM private key instead of generating one ('-' reads stdin); for example "
            "the OIDC_RSA_PRIVATE_KEY of a django-oauth-toolkit site (its kid stays the same).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lead = options["lead_seconds"]
        if lead is not None and lead < 0:
            raise CommandError("--lead-seconds must be 0 or more.")
        if lead is not None and options["activate_now"]:
            raise CommandError("Give --lead-seconds or --activate-now, not both.")
        now = timezone.now()
        activate_at = now if options["activate_now"] else None
        if lead is not None:
            activate_at = now + timedelta(seconds=lead)
        private_key = None
        if options["from_pem"]:
            source = options["from_pem"]
            if source == "-":
                data = (options.get("stdin") or sys.stdin).read().encode()
            else:
                with open(source, "rb") as handle:
                    data = handle.read()
            try:
                private_key = jwk.JWK.from_pem(data)
            except (ValueError, TypeError) as exc:
                raise CommandError("The PEM file holds no private key this server can read.") from exc
        try:
            key = signing_keys.create_key(
                options["algorithm"], publish_at=now, activate_at=activate_at, private_key=private_key
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except IntegrityError as exc:
            raise CommandError(
                "Another key was created at the same moment, or this key exists; run again."
            ) from exc
        write_json(self, key_json(key))
