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
    "token_format": "access_token_format",
}
LIST_FIELDS = {
    "grant_type": "grant_types",
    "redirect_uri": "redirect_uris",
    "scope": "allowed_scopes",
    "allowed_origin": "allowed_origins",
    "post_logout_redirect_uri": "post_logout_redirect_uris",
    "access_token_audience": "access_token_audience",
    "token_exchange_audience": "token_exchange_audiences",
}
LIFETIME_FIELDS = {
    "access_token_lifetime": "access_token_lifetime",
    "refresh_token_lifetime": "refresh_token_lifetime",
    "refresh_token_absolute_lifetime": "refresh_token_absolute_lifetime",
    "authorization_code_lifetime": "authorization_code_lifetime",
}
FLAG_FIELDS = {
    "skip_authorization": "skip_authorization",
    "can_introspect_any_token": "can_introspect_any_token",
    "first_party": "first_party",
    "require_pushed_authorization_requests": "require_pushed_authorization_requests",
    "dpop_bound_access_tokens": "dpop_bound_access_tokens",
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
        "skip_authorization": application.skip_authorization,
        "can_introspect_any_token": application.can_introspect_any_token,
        "is_active": application.is_active,
        # OpenID Connect (docs/oidc.rst); unused while OIDC_ENABLED is off.
        "post_logout_redirect_uris": application.post_logout_redirect_uri_list,
        "first_party": application.first_party,
        "algorithm": application.algorithm,
        "subject_type": application.subject_type,
        "sector_identifier": application.sector_identifier,
        # JWT access tokens (docs/jwt.rst).
        "token_format": application.access_token_format,
        "access_token_audience": application.access_token_audience_list,
        "require_pushed_authorization_requests": application.require_pushed_authorization_requests,
        "dpop_bound_access_tokens": application.dpop_bound_access_tokens,
        "token_exchange_audiences": application.token_exchange_audience_list,
        # Lifetimes in seconds; null: the site's setting (docs/lifetimes.rst).
        "access_token_lifetime": application.access_token_lifetime,
        "refresh_token_lifetime": application.refresh_token_lifetime,
        "refresh_token_absolute_lifetime": application.refresh_token_absolute_lifetime,
        "authorization_code_lifetime": application.authorization_code_lifetime,
    }


def lifetime(value: str) -> int:
    """A lifetime option: seconds (at least 1), or ``default`` (0 here, then no value of the
    client's own) for the site's setting."""
    if value == "default":
        return 0
    try:
        seconds = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds or 'default'") from None
    if seconds < 1:
        raise argparse.ArgumentTypeError("a lifetime is at least 1 second; 'default' for the site's setting")
    return seconds


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
        access_tokens = parser.add_argument_group("Access tokens (docs/jwt.rst)")
        access_tokens.add_argument(
            "--token-format",
            choices=["opaque", "jwt"],
            help="opaque (checked against this server; the default) or jwt (RFC 9068, verified by "
            "resource servers with the published keys).",
        )
        access_tokens.add_argument(
            "--access-token-audience",
            action="append",
            help="A resource server URI for the aud of the client's JWT access tokens; repeat for "
            "several. None means JWT_ACCESS_TOKEN_DEFAULT_AUDIENCE.",
        )
        parser.add_argument(
            "--require-pushed-authorization-requests",
            action=argparse.BooleanOptionalAction,
            help="Accept its authorization requests only through the PAR endpoint (RFC 9126; docs/par.rst).",
        )
        parser.add_argument(
            "--dpop-bound-access-tokens",
            action=argparse.BooleanOptionalAction,
            help="Require a DPoP proof with every token request, so its tokens are DPoP-bound "
            "(RFC 9449; docs/dpop.rst).",
        )
        parser.add_argument(
            "--token-exchange-audience",
            action="append",
            help="An audience the client may exchange access tokens for (RFC 8693; docs/token_exchange.rst); "
            "repeat for several.",
        )
        lifetimes = parser.add_argument_group("Lifetimes, in seconds ('default': the site's setting)")
        lifetimes.add_argument(
            "--access-token-lifetime", type=lifetime, help="Default: ACCESS_TOKEN_EXPIRE_SECONDS."
        )
        lifetimes.add_argument(
            "--refresh-token-lifetime",
            type=lifetime,
            help="How long each refresh token may be used. Default: REFRESH_TOKEN_EXPIRE_SECONDS.",
        )
        lifetimes.add_argument(
            "--refresh-token-absolute-lifetime",
            type=lifetime,
            help="How long a chain of refreshes may last from the owner's grant. "
            "Default: REFRESH_TOKEN_ABSOLUTE_EXPIRE_SECONDS.",
        )
        lifetimes.add_argument(
            "--authorization-code-lifetime",
            type=lifetime,
            help="At most 600. Default: AUTHORIZATION_CODE_EXPIRE_SECONDS.",
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
        for option, field in LIFETIME_FIELDS.items():
            if options.get(option) is not None:
                fields[field] = options[option] or None
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
