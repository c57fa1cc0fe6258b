"""``bench_seed`` for the django-oauth-toolkit site."""

from __future__ import annotations

from typing import Any

from bench_common import credentials
from bench_common.seeding import BaseSeedCommand
from django.urls import reverse
from oauth2_provider.models import get_application_model

Application = get_application_model()

GRANT_TYPES = {
    "service": Application.GRANT_CLIENT_CREDENTIALS,
    "legacy": Application.GRANT_PASSWORD,
    "web": Application.GRANT_AUTHORIZATION_CODE,
}


class Command(BaseSeedCommand):
    def create_client(self, role: str, client_id: str, client_secret: str) -> Any:
        client = Application(
            name=f"bench {role}",
            client_id=client_id,
            client_type=Application.CLIENT_CONFIDENTIAL,
            client_secret=client_secret,
            authorization_grant_type=GRANT_TYPES[role],
            redirect_uris=credentials.REDIRECT_URI if role == "web" else "",
        )
        client.full_clean()
        client.save()
        return client

    def urls(self) -> dict[str, str]:
        return {
            "token": reverse("oauth2_provider:token"),
            "introspect": reverse("oauth2_provider:introspect"),
            "protected": reverse("protected"),
            "open": reverse("open"),
        }
