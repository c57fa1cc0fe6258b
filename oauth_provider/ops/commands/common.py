"""What the ``oauth_provider_*`` commands share: lookups, secret input and JSON output.

The leading underscore keeps Django from listing this module as a command.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from oauth2_provider.models import get_application_model

from ...core.hashing import is_hashed_secret

__all__ = [
    "MIN_SECRET_LENGTH",
    "application_by_client_id",
    "read_secret",
    "user_by_username",
    "validation_message",
    "write_json",
]

#: A chosen client secret must be at least this long: secrets are stored with a fast
#: keyed hash, which is safe only for high-entropy values (generated ones are 128).
MIN_SECRET_LENGTH = 32


def application_by_client_id(client_id: str) -> Any:
    """The client with ``client_id``, active or not."""
    Application = get_application_model()
    application = Application.objects.filter(client_id=client_id).first()
    if application is None:
        raise CommandError(f"No client with client_id {client_id!r}.")
    return application


def user_by_username(username: str) -> Any:
    """The user whose username field is ``username``."""
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is None:
        raise CommandError(f"No user with {User.USERNAME_FIELD} {username!r}.")
    return user


def read_secret(
    value: str | None, stdin: IO[str] | None = None, option: str = "--client-secret"
) -> str | None:
    """A client secret given on the command line, or read from standard input for ``-``.

    ``-`` keeps the secret out of the process list and the shell history.
    """
    if value is None:
        return None
    if value == "-":
        value = (stdin or sys.stdin).readline().rstrip("\r\n")
    if len(value) < MIN_SECRET_LENGTH:
        raise CommandError(f"{option} must be at least {MIN_SECRET_LENGTH} characters long.")
    if is_hashed_secret(value):
        raise CommandError(f"{option} looks like a password hash; give the secret itself.")
    return value


def validation_message(heading: str, error: ValidationError) -> str:
    """One line per field and message, for a CommandError."""
    lines = [heading]
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            name = "(client)" if field == "__all__" else field
            lines.extend(f"  {name}: {message}" for message in messages)
    else:
        lines.extend(f"  {message}" for message in error.messages)
    return "\n".join(lines)


def write_json(command: BaseCommand, data: dict[str, Any]) -> None:
    """The command's result, as one JSON document on standard output."""
    command.stdout.write(json.dumps(data, indent=2))
