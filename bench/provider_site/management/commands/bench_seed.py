"""``bench_seed`` for the oauth_provider site."""

from __future__ import annotations

import uuid
from typing import Any

from bench_common import credentials
from bench_common.seeding import BaseSeedCommand
from django.urls import reverse
from oauth2_provider.models import get_application_model

from oauth_provider.core.hashing import hash_token

GRANT_TYPES = {
    "service": "client_credentials",
    "legacy": "password refresh_token",
    "web": "authorization_code refresh_token",
}


class Command(BaseSeedCommand):
    def create_client(self, role: str, client_id: str, client_secret: str) -> Any:
        client = get_application_model()(
            name=f"bench {role}",
            client_id=client_id,
            client_type="confidential",
            client_secret=client_secret,
            grant_types=GRANT_TYPES[role],
            redirect_uris=credentials.REDIRECT_URI if role == "web" else "",
            allowed_scopes="read write",
            # The service is also the resource server that introspects the web client's tokens.
            can_introspect_any_token=role == "service",
        )
        client.full_clean()
        client.save()
        return client

    def urls(self) -> dict[str, str]:
        return {
            "token": reverse("oauth_provider:token"),
            "introspect": reverse("oauth_provider:introspect"),
            "protected": reverse("protected"),
            "floor": reverse("floor"),
            "open": reverse("open"),
        }

    def access_token_fields(self, token_family: uuid.UUID) -> dict[str, Any]:
        return {"token_family": token_family}

    def refresh_token_fields(self, token_family: uuid.UUID, scope: str) -> dict[str, Any]:
        return {"token_family": token_family, "scope": scope}

    def stored_code(self, code: str) -> str:
        return hash_token(code)
