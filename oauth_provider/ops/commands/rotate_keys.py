"""One rotation step for every signing algorithm; safe to run from cron on every server."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...core.jose import ALGORITHMS
from ...settings import provider_settings
from ...storage import signing_keys
from .common import write_json

__all__ = ["Command"]


class Command(BaseCommand):
    help = (
        "One signing-key rotation step for each algorithm of SIGNING_ALGORITHMS: create the first "
        "key, or publish a successor when the signing key nears SIGNING_KEY_LIFETIME_SECONDS (it "
        "signs SIGNING_KEY_ROTATION_LEAD_SECONDS later), and delete the keys that have left the "
        "JWKS document. Several servers may run it at once. Prints JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--algorithm",
            action="append",
            choices=sorted(ALGORITHMS),
            help="Rotate only this algorithm (repeatable). Default: every one of SIGNING_ALGORITHMS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        algorithms = options["algorithm"] or list(provider_settings.SIGNING_ALGORITHMS)
        unknown = [name for name in algorithms if name not in ALGORITHMS]
        if unknown:
            raise CommandError(
                f"Unsupported algorithms {unknown}; SIGNING_ALGORITHMS may hold {sorted(ALGORITHMS)}."
            )
        steps = []
        for algorithm in algorithms:
            step = signing_keys.rotate(algorithm)
            steps.append(
                {
                    "algorithm": step.algorithm,
                    "action": step.action,
                    "created": step.created,
                    "retiring": list(step.retiring),
                    "activate_at": step.activate_at.isoformat() if step.activate_at else None,
                }
            )
        write_json(self, {"steps": steps, "deleted": signing_keys.delete_unpublished()})
