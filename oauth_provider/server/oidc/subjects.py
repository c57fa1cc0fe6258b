"""Subject identifiers (OpenID Connect Core §8): public, the user's primary key; or
pairwise, different for each sector a client belongs to."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ...core.claims import pairwise_subject, sector_identifier
from ...settings import provider_settings
from ...storage.models.applications import SUBJECT_PAIRWISE

__all__ = ["subject_for"]


def subject_for(user: Any, client: Any) -> str:
    """The ``sub`` of ``user`` as ``client`` sees it, in ID tokens and at userinfo alike."""
    local = str(user.pk)
    if getattr(client, "subject_type", None) != SUBJECT_PAIRWISE:
        return local
    key = provider_settings.PAIRWISE_SUBJECT_KEY
    sector = sector_identifier(client.sector_identifier, client.redirect_uri_list)
    if not key or sector is None:
        # Fail closed: a public sub would tell this client who the user is elsewhere.
        raise ImproperlyConfigured(
            f"Client {client.client_id!r} uses pairwise subjects, but PAIRWISE_SUBJECT_KEY or its "
            "sector identifier is missing."
        )
    return pairwise_subject(key, sector, local)
