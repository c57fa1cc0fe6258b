"""What both sites' ``bench_seed`` commands share.

The command creates the user and the clients; a pool of ``--pool`` long-lived access
tokens, each its own row in a token family of its own, which the protected views and
introspection cycle through, a different one each request; and ``--count`` refresh
tokens and authorization codes (with PKCE S256), each for one request only: a refresh
token is rotated and a code is spent when used. Rows are written in bulk, in the format
the site's own token endpoint writes them. The command writes the pool's tokens and the
introspection bodies that name them, and the form bodies that spend the refresh tokens
and codes, one a line, and ``manifest.json`` with the credentials and URLs the driver
needs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
    set_token_value,
)
from oauthlib.common import generate_token

from . import credentials

BATCH_SIZE = 500


def pkce_pair() -> tuple[str, str]:
    """``(code_verifier, S256 code_challenge)`` (RFC 7636 §4.1, §4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def refresh_body(refresh_token: str) -> str:
    return urlencode({"grant_type": "refresh_token", "refresh_token": refresh_token})


def introspection_body(access_token: str) -> str:
    return urlencode({"token": access_token, "token_type_hint": "access_token"})


def code_body(code: str, verifier: str) -> str:
    return urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": credentials.REDIRECT_URI,
            "code_verifier": verifier,
        }
    )


class BaseSeedCommand(BaseCommand):
    """Subclasses create the clients and say how their models differ."""

    help = "Create the bench user, clients, tokens and codes; write their request bodies."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10000, help="Refresh tokens and codes to create.")
        parser.add_argument("--pool", type=int, default=5000, help="Access tokens in the pool.")
        parser.add_argument("--out", required=True, help="Directory for manifest.json and the body files.")

    # -- what a site provides -------------------------------------------------------

    def create_client(self, role: str, client_id: str, client_secret: str) -> Any:
        raise NotImplementedError

    def urls(self) -> dict[str, str]:
        """Paths of ``token``, ``introspect``, ``protected`` and ``open``, and ``floor`` if the
        site serves it."""
        raise NotImplementedError

    def access_token_fields(self, token_family: uuid.UUID) -> dict[str, Any]:
        return {}

    def refresh_token_fields(self, token_family: uuid.UUID, scope: str) -> dict[str, Any]:
        return {"token_family": token_family}

    def stored_code(self, code: str) -> str:
        """The value the site keeps in ``Grant.code`` for ``code``."""
        return code

    # -- the seeding ------------------------------------------------------------------

    def handle(self, *args: Any, count: int, pool: int, out: str, **options: Any) -> None:
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        with transaction.atomic():
            user = get_user_model().objects.create_user(credentials.USERNAME, password=credentials.PASSWORD)
            clients = {
                role: self.create_client(role, client_id, secret)
                for role, (client_id, secret) in credentials.CLIENTS.items()
            }
            web = clients["web"]
            access_tokens = [generate_token() for _ in range(pool)]
            families = [uuid.uuid4() for _ in access_tokens]
            self.create_access_tokens(user, web, access_tokens, families, timedelta(days=1))
            refresh_tokens = [generate_token() for _ in range(count + 1)]
            self.create_refresh_tokens(user, web, refresh_tokens)
            codes = [(generate_token(), *pkce_pair()) for _ in range(count + 1)]
            self.create_codes(user, web, codes)

        (out_dir / "access_tokens.txt").write_text("".join(t + "\n" for t in access_tokens))
        (out_dir / "introspection.txt").write_text(
            "".join(introspection_body(t) + "\n" for t in access_tokens)
        )
        # The first of each is the driver's check that the site works before the load.
        (out_dir / "refresh.txt").write_text("".join(refresh_body(t) + "\n" for t in refresh_tokens[1:]))
        (out_dir / "code.txt").write_text("".join(code_body(c, v) + "\n" for c, v, _ in codes[1:]))
        manifest = {
            "urls": self.urls(),
            "clients": {role: list(pair) for role, pair in credentials.CLIENTS.items()},
            "username": credentials.USERNAME,
            "password": credentials.PASSWORD,
            "scope": credentials.SCOPE,
            "access_token": access_tokens[0],
            "check_bodies": {
                "refresh": refresh_body(refresh_tokens[0]),
                "code": code_body(codes[0][0], codes[0][1]),
            },
            "body_files": {"refresh": "refresh.txt", "code": "code.txt"},
            "pool_files": {"bearer": "access_tokens.txt", "introspection": "introspection.txt"},
            "count": count,
            "pool": pool,
        }
        (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
        if options["verbosity"]:
            self.stdout.write(
                f"seeded {pool} access tokens, {count} refresh tokens and {count} authorization codes "
                f"in {out_dir}"
            )

    def create_access_tokens(
        self, user: Any, client: Any, values: list[str], families: list[uuid.UUID], lifetime: timedelta
    ) -> list[Any]:
        AccessToken = get_access_token_model()
        expires = timezone.now() + lifetime
        tokens = []
        for value, family in zip(values, families, strict=True):
            token = AccessToken(
                user=user,
                application=client,
                scope=credentials.SCOPE,
                expires=expires,
                **self.access_token_fields(family),
            )
            set_token_value(token, value)
            tokens.append(token)
        return AccessToken.objects.bulk_create(tokens, batch_size=BATCH_SIZE)

    def create_refresh_tokens(self, user: Any, client: Any, values: list[str]) -> None:
        """Refresh tokens as a code exchange leaves them: each with its access token and family."""
        RefreshToken = get_refresh_token_model()
        families = [uuid.uuid4() for _ in values]
        access_tokens = self.create_access_tokens(
            user, client, [generate_token() for _ in values], families, timedelta(hours=1)
        )
        tokens = []
        for value, access_token, family in zip(values, access_tokens, families, strict=True):
            token = RefreshToken(
                user=user,
                application=client,
                access_token=access_token,
                **self.refresh_token_fields(family, credentials.SCOPE),
            )
            set_token_value(token, value)
            tokens.append(token)
        RefreshToken.objects.bulk_create(tokens, batch_size=BATCH_SIZE)

    def create_codes(self, user: Any, client: Any, codes: list[tuple[str, str, str]]) -> None:
        """Authorization codes as the authorization endpoint saves them, PKCE S256 included.

        They expire after the site's AUTHORIZATION_CODE_EXPIRE_SECONDS, which the bench
        sites raise so that codes seeded before the run outlive it.
        """
        Grant = get_grant_model()
        expires = timezone.now() + timedelta(seconds=settings.BENCH_AUTHORIZATION_CODE_EXPIRE_SECONDS)
        Grant.objects.bulk_create(
            [
                Grant(
                    user=user,
                    application=client,
                    code=self.stored_code(code),
                    expires=expires,
                    redirect_uri=credentials.REDIRECT_URI,
                    scope=credentials.SCOPE,
                    code_challenge=challenge,
                    code_challenge_method="S256",
                )
                for code, _, challenge in codes
            ],
            batch_size=BATCH_SIZE,
        )
