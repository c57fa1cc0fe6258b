"""The end-user's claims (OpenID Connect Core §5): the site's hook supplies the values, the
granted scopes decide which a client sees."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...core.claims import claims_for_scopes
from ...settings import provider_settings

__all__ = ["default_claims", "user_claims"]


def default_claims(user: Any, scopes: Iterable[str]) -> dict[str, Any]:
    """The standard claims Django's user model can answer (``OIDC_CLAIMS`` = ``None``).

    ``email_verified`` is left out: Django does not know whether an address was verified,
    and a client may trust a verified address as the user's identity (OpenID Connect
    Core §5.7). A site that verifies addresses supplies it in its own hook.
    """
    first = getattr(user, "first_name", "") or ""
    last = getattr(user, "last_name", "") or ""
    email_field = getattr(type(user), "get_email_field_name", lambda: "email")()
    return {
        "name": " ".join(part for part in (first, last) if part),
        "given_name": first,
        "family_name": last,
        "preferred_username": user.get_username(),
        "email": getattr(user, email_field, "") or "",
    }


def user_claims(user: Any, scopes: Iterable[str]) -> dict[str, Any]:
    """The claims of ``user`` that ``scopes`` release, from ``OIDC_CLAIMS`` (or
    :func:`default_claims`); ``sub`` is not among them (see ``subjects.subject_for``)."""
    scopes = list(scopes)
    hook = provider_settings.OIDC_CLAIMS or default_claims
    values = hook(user, scopes) or {}
    if not isinstance(values, dict):
        raise TypeError("OAUTH_PROVIDER['OIDC_CLAIMS'] must return a dict of claims.")
    return claims_for_scopes(values, scopes)
