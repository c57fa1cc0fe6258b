"""Revoke the tokens of a client, of a user, or of a user at one client."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from ...storage.models import get_consent_model
from ...storage.revocation import revoke_client_tokens, revoke_consent
from .common import application_by_client_id, user_by_username, write_json

__all__ = ["Command"]


def applications_holding_tokens_of(user: Any) -> list[Any]:
    """Every client that holds a live token issued for ``user``."""
    ids = set(
        get_access_token_model().objects.filter(user=user).values_list("application_id", flat=True)
    ) | set(
        get_refresh_token_model()
        .objects.filter(user=user, revoked__isnull=True)
        .values_list("application_id", flat=True)
    )
    return list(get_application_model().objects.filter(pk__in=ids - {None}).order_by("pk"))


class Command(BaseCommand):
    help = (
        "Revoke access and refresh tokens: every token of a client (--client-id), every token of "
        "a user at every client (--user), or both (a user's tokens at one client). Prints "
        '{"revoked": N} as JSON.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", help="Revoke the tokens this client holds.")
        parser.add_argument("--user", help="Revoke the tokens issued for this username.")
        parser.add_argument(
            "--consents",
            action="store_true",
            help="Also revoke the matching stored consents, so the user is asked again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["client_id"] and not options["user"]:
            raise CommandError("Give --client-id, --user, or both.")
        application = application_by_client_id(options["client_id"]) if options["client_id"] else None
        user = user_by_username(options["user"]) if options["user"] else None
        applications = [application] if application is not None else applications_holding_tokens_of(user)
        revoked = sum(revoke_client_tokens(app, user=user) for app in applications)
        result: dict[str, int] = {"revoked": revoked}
        if options["consents"]:
            consents = (
                get_consent_model().objects.filter(revoked__isnull=True).select_related("user", "application")
            )
            if application is not None:
                consents = consents.filter(application=application)
            if user is not None:
                consents = consents.filter(user=user)
            found = list(consents.order_by("pk"))
            result["revoked"] += sum(revoke_consent(c.user, c.application) for c in found)
            result["consents_revoked"] = len(found)
        write_json(self, result)
