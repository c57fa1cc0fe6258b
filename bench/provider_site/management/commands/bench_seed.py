"""``bench_seed`` for the oauth_provider site."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from bench_common import credentials
from bench_common.seeding import BaseSeedCommand
from django.contrib.auth import get_user_model
from django.urls import reverse
from oauth2_provider.models import get_application_model

from oauth_provider.core.hashing import hash_token
from oauth_provider.core.jwt_access_tokens import ACCESS_TOKEN_TYPE, access_token_claims
from oauth_provider.settings import provider_settings
from oauth_provider.storage import signing_keys

GRANT_TYPES = {
    "service": "client_credentials",
    "legacy": "password refresh_token",
    "web": "authorization_code refresh_token",
}


class Command(BaseSeedCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        self.seed_jwt_access_tokens(Path(options["out"]), options["pool"])

    def seed_jwt_access_tokens(self, out_dir: Path, pool: int) -> None:
        """A pool of JWT access tokens (RFC 9068) for the web client, as the token endpoint
        signs them for a client whose format is ``jwt``, signed by the site's first key;
        they outlive the run. No row: a resource server verifying JWTs never reads one."""
        signing_keys.rotate("RS256")
        client_id = credentials.CLIENTS["web"][0]
        subject = str(get_user_model().objects.get(username=credentials.USERNAME).pk)
        now = int(time.time())
        tokens = []
        for _ in range(pool):
            claims = access_token_claims(
                issuer=provider_settings.ISSUER,
                subject=subject,
                audience=[provider_settings.ISSUER],
                client_id=client_id,
                scopes=credentials.SCOPE.split(),
                issued_at=now,
                lifetime=24 * 3600,
                jti=uuid.uuid4().hex,
            )
            tokens.append(signing_keys.sign(claims, algorithm="RS256", typ=ACCESS_TOKEN_TYPE)[0])
        (out_dir / "jwt_access_tokens.txt").write_text("".join(t + "\n" for t in tokens))
        manifest_file = out_dir / "manifest.json"
        manifest = json.loads(manifest_file.read_text())
        manifest["pool_files"]["jwt_bearer"] = "jwt_access_tokens.txt"
        manifest["check_tokens"] = {"jwt_bearer": tokens[0]}
        manifest_file.write_text(json.dumps(manifest, indent=2))

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
