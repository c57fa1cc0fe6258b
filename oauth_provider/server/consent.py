"""Stored consent: reuse an owner's earlier decision, record a new one. Withdrawing or
revoking it is ``oauth_provider.storage.revocation``'s job. Also the site's policy on
what an owner may grant at all (``RESOURCE_OWNER_SCOPES``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from ..core import signals
from ..core.claims import OPENID_SCOPE
from ..core.scopes import parse_scope, refused_scopes
from ..settings import provider_settings
from ..storage.models import AbstractConsent, get_consent_model

__all__ = [
    "consent_covers",
    "owner_refusal",
    "owner_share",
    "record_consent",
    "scopes_refused_to",
    "skips_consent",
]


def scopes_refused_to(user: Any, application: Any, scopes: Iterable[str]) -> list[str]:
    """The scopes in ``scopes`` that the site's ``RESOURCE_OWNER_SCOPES`` policy does not let
    ``user`` grant to ``application``; none when the site has no policy."""
    policy = provider_settings.RESOURCE_OWNER_SCOPES
    if policy is None:
        return []
    grantable = policy(user, application)
    return refused_scopes(scopes, None if grantable is None else list(grantable))


def owner_share(
    user: Any, application: Any, scopes: list[str], explicit: bool
) -> tuple[list[str], list[str]]:
    """``(scopes, refused)`` under the ``RESOURCE_OWNER_SCOPES`` policy. Scopes the client asked
    for (``explicit``) are refused if the owner may not grant one of them; default scopes,
    which stand in for a missing ``scope`` (RFC 6749 §3.3), are narrowed to the owner's share,
    unless none would be left."""
    refused = scopes_refused_to(user, application, scopes)
    kept = [scope for scope in scopes if scope not in refused]
    if refused and not explicit and kept:
        return kept, []
    return scopes, refused


def owner_refusal(refused: Iterable[str]) -> str:
    """The ``error_description`` of a request refused by that policy."""
    return f"The resource owner may not grant the scopes: {' '.join(refused)}."


def consent_covers(user: Any, application: Any, scopes: Iterable[str]) -> bool:
    """True if ``user`` approved ``application`` for every scope in ``scopes`` and did not revoke."""
    consent = (
        get_consent_model().objects.filter(user=user, application=application, revoked__isnull=True).first()
    )
    return consent is not None and consent.covers(scopes)


def skips_consent(application: Any, scopes: Iterable[str]) -> bool:
    """Whether the client needs no consent for ``scopes``: an operator marked it to skip
    consent, or marked it first party and it asks only to sign the owner in (``openid``
    alone releases no claim but ``sub``)."""
    if application.skip_authorization:
        return True
    return bool(provider_settings.OIDC_ENABLED) and application.first_party and set(scopes) == {OPENID_SCOPE}


def record_consent(
    user: Any, application: Any, scopes: Iterable[str], *, replace: bool = True
) -> AbstractConsent:
    """Store a consent decision for ``application``.

    ``replace``: the owner decided on the consent page, and the stored consent becomes
    exactly the scopes they left ticked, narrower than before if they unticked some
    (RFC 6749 §3.3: the owner may grant less than asked). Otherwise (a client an
    operator marked to skip consent) the stored consent grows to cover ``scopes``.
    """
    scopes = parse_scope(" ".join(scopes))
    with transaction.atomic():
        consent, created = (
            get_consent_model()
            .objects.select_for_update()
            .get_or_create(user=user, application=application, defaults={"scope": " ".join(scopes)})
        )
        previous = consent.scope_list if consent.revoked is None and not created else []
        wanted = scopes if replace else parse_scope(" ".join(previous + scopes))
        changed = created or consent.revoked is not None or wanted != previous
        if changed and not created:
            consent.scope = " ".join(wanted)
            consent.revoked = None
            consent.save(update_fields=["scope", "revoked", "updated"])
    if changed:
        # Only a new decision is an event; reusing a stored one is not.
        signals.consent_given.send(
            sender=get_consent_model(), user_id=user.pk, application_id=application.pk, scope=consent.scope
        )
    return consent
