"""Register a client; print it as JSON, with its secret (shown this once)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction
from oauth2_provider.models import get_application_model

from ...core.grant_types import GrantType
from ...core.hashing import verify_client_secret
from ...core.jose import ALGORITHMS
from ...storage.clients import create_client, rotate_client_secret
from .common import read_secret, user_by_username, validation_message, write_json

__all__ = ["Command", "describe"]

# Option dest -> model field, for the options that map one to one.
TEXT_FIELDS = {
    "name": "name",
    "description": "description",
    "homepage_url": "homepage_url",
    "logo_url": "logo_url",
    "algorithm": "algorithm",
    "subject_type": "subject_type",
    "sector_identifier": "sector_identifier",
}
LIST_FIELDS = {
    "grant_type": "grant_types",
    "redirect_uri": "redirect_uris",
    "scope": "allowed_scopes",
    "resource": "allowed_resources",
    "allowed_origin": "allowed_origins",
    "post_logout_redirect_uri": "post_logout_redirect_uris",
}
FLAG_FIELDS = {
    "skip_authorization": "skip_authorization",
    "can_introspect_any_token": "can_introspect_any_token",
    "first_party": "first_party",
}


def describe(application: Any) -> dict[str, Any]:
    """The client as JSON, without any secret."""
    return {
        "client_id": application.client_id,
        "client_type": application.client_type,
        "name": application.name,
        "grant_types": application.grant_type_list,
        "redirect_uris": application.redirect_uri_list,
        "allowed_scopes": application.allowed_scope_list,
        "allowed_resources": application.allowed_resource_list,
        "registration_source": application.registration_source,
        "skip_authorization": application.skip_authorization,
        "can_introspect_any_token": application.can_introspect_any_token,
        "is_active": application.is_active,
        # OpenID Connect (docs/oidc.rst); unused while OIDC_ENABLED is off.
        "post_logout_redirect_uris": application.post_logout_redirect_uri_list,
        "first_party": application.first_party,
        "algorithm": application.algorithm,
        "subject_type": application.subject_type,
        "sector_identifier": application.sector_identifier,
    }


class Command(BaseCommand):
    help = (
        "Register an OAuth 2.0 client and print it as JSON. A confidential client's secret is "
        "printed this once; only its hash is stored."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="Shown on the consent page. Required for a new client.")
        parser.add_argument(
            "--client-type",
            choices=["confidential", "public"],
            help="confidential (has a secret; the default) or public (native and browser apps).",
        )
        parser.add_argument(
            "--grant-type",
            action="append",
            choices=GrantType.values,
            help="A grant type the client may use; repeat for several. Default: authorization_code.",
        )
        parser.add_argument(
            "--redirect-uri", action="append", help="A redirect URI; repeat for several (exact match)."
        )
        parser.add_argument(
            "--scope",
            action="append",
            help="A scope the client may request; repeat for several. None means every scope.",
        )
        parser.add_argument(
            "--resource",
            action="append",
            help="A resource (RFC 8707) the client may get tokens for, from RESOURCES; repeat for "
            "several. None means every one.",
        )
        parser.add_argument(
            "--allowed-origin", action="append", help="An origin allowed to call the token endpoint (CORS)."
        )
        parser.add_argument("--description", help="Shown on the consent page.")
        parser.add_argument("--homepage-url", help="Shown on the consent page as a link.")
        parser.add_argument("--logo-url", help="Shown on the consent page.")
        parser.add_argument("--user", help="Username of the user who owns the registration.")
        parser.add_argument(
            "--skip-authorization",
            action=argparse.BooleanOptionalAction,
            help="Never ask the owner for consent (trusted first-party clients only).",
        )
        parser.add_argument(
            "--can-introspect-any-token",
            action=argparse.BooleanOptionalAction,
            help="A resource server that may introspect tokens issued to other clients.",
        )
        openid = parser.add_argument_group("OpenID Connect (docs/oidc.rst)")
        openid.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            help="Where the client may send the owner after logging out; repeat for several (exact match).",
        )
        openid.add_argument(
            "--first-party",
            action=argparse.BooleanOptionalAction,
            help="Run by this site: a sign-in asking for openid alone skips the consent page.",
        )
        openid.add_argument(
            "--algorithm",
            choices=list(ALGORITHMS),
            help="The algorithm of the client's ID tokens (one of SIGNING_ALGORITHMS). Default: the first.",
        )
        openid.add_argument(
            "--subject-type",
            choices=["public", "pairwise"],
            help="pairwise: a subject identifier for this client's sector only. Default: public.",
        )
        openid.add_argument(
            "--sector-identifier",
            help="The host pairwise subjects are computed for, when the redirect URIs have several.",
        )
        parser.add_argument("--client-id", help="A fixed client id instead of a generated one.")
        parser.add_argument(
            "--client-secret",
            help=(
                "A fixed secret instead of a generated one (confidential clients; at least 32 "
                "characters). '-' reads it from standard input."
            ),
        )
        parser.add_argument(
            "--update-if-exists",
            action="store_true",
            help=(
                "If --client-id names an existing client, set the fields given on it instead of "
                "failing. A --client-secret that differs from the current one rotates the secret "
                "(the old one keeps working for CLIENT_SECRET_ROTATION_GRACE_SECONDS)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secret = read_secret(options["client_secret"], options.get("stdin"))
        fields = self.fields_from(options)
        Application = get_application_model()
        if options["update_if_exists"] and options["client_id"]:
            with transaction.atomic():
                existing = (
                    Application.objects.select_for_update().filter(client_id=options["client_id"]).first()
                )
                if existing is not None:
                    write_json(self, self.update(existing, fields, secret))
                    return
        write_json(self, self.create(fields, secret))

    def fields_from(self, options: dict[str, Any]) -> dict[str, Any]:
        """Model field values for the options that were given."""
        fields: dict[str, Any] = {}
        for option, field in TEXT_FIELDS.items():
            if options[option] is not None:
                fields[field] = options[option]
        for option, field in LIST_FIELDS.items():
            if options[option] is not None:
                fields[field] = " ".join(options[option])
        for option, field in FLAG_FIELDS.items():
            if options[option] is not None:
                fields[field] = options[option]
        if options["client_type"] is not None:
            fields["client_type"] = options["client_type"]
        if options["client_id"] is not None:
            fields["client_id"] = options["client_id"]
        if options["user"] is not None:
            fields["user"] = user_by_username(options["user"])
        return fields

    def create(self, fields: dict[str, Any], secret: str | None) -> dict[str, Any]:
        if not fields.get("name"):
            raise CommandError("--name is required to register a client.")
        fields.setdefault("client_type", "confidential")
        if secret is not None:
            if fields["client_type"] != "confidential":
                raise CommandError("--client-secret is for confidential clients; a public client has none.")
            fields["client_secret"] = secret
        try:
            application, plaintext = create_client(**fields)
        except ValidationError as exc:
            raise CommandError(validation_message("The client is not valid:", exc)) from exc
        except IntegrityError as exc:
            raise CommandError(f"The client could not be saved: {exc}") from exc
        return {**describe(application), "client_secret": plaintext or None, "created": True}

    def update(self, application: Any, fields: dict[str, Any], secret: str | None) -> dict[str, Any]:
        client_type = fields.pop("client_type", application.client_type)
        if client_type != application.client_type:
            raise CommandError(
                f"Client {application.client_id!r} is {application.client_type}; "
                "--update-if-exists cannot change the client type."
            )
        if secret is not None and not application.is_confidential:
            raise CommandError("--client-secret is for confidential clients; a public client has none.")
        changed = sorted(name for name, value in fields.items() if getattr(application, name) != value)
        for name, value in fields.items():
            setattr(application, name, value)
        try:
            application.full_clean()
        except ValidationError as exc:
            raise CommandError(validation_message("The client is not valid:", exc)) from exc
        if changed:
            application.save()
        result = describe(application)
        if secret is not None:
            if not verify_client_secret(secret, application.client_secret):
                rotate_client_secret(application, new_secret=secret)
                changed.append("client_secret")
            result["client_secret"] = secret
        return {**result, "created": False, "changed": changed}
