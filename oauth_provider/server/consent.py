"""Stored consent: reuse an owner's earlier decision, record a new one. Withdrawing or
revoking it is ``oauth_provider.storage.revocation``'s job."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from ..core import signals
from ..core.claims import OPENID_SCOPE
from ..core.scopes import parse_scope
from ..settings import provider_settings
from ..storage.models import Consent

__all__ = ["consent_covers", "record_consent", "skips_consent"]


def consent_covers(user: Any, application: Any, scopes: Iterable[str]) -> bool:
    """True if ``user`` approved ``application`` for every scope in ``scopes`` and did not revoke."""
    consent = Consent.objects.filter(user=user, application=application, revoked__isnull=True).first()
    return consent is not None and consent.covers(scopes)


def skips_consent(application: Any, scopes: Iterable[str]) -> bool:
    """Whether the client needs no consent for ``scopes``: an operator marked it to skip
    consent, or marked it first party and it asks only to sign the owner in (``openid``
    alone releases no claim but ``sub``)."""
    if application.skip_authorization:
        return True
    return bool(provider_settings.OIDC_ENABLED) and application.first_party and set(scopes) == {OPENID_SCOPE}


def record_consent(user: Any, application: Any, scopes: Iterable[str], *, replace: bool = True) -> Consent:
    """Store a consent decision for ``application``.

    ``replace``: the owner decided on the consent page, and the stored consent becomes
    exactly the scopes they left ticked, narrower than before if they unticked some
    (RFC 6749 §3.3: the owner may grant less than asked). Otherwise (a client an
    operator marked to skip consent) the stored consent grows to cover ``scopes``.
    """
    scopes = parse_scope(" ".join(scopes))
    with transaction.atomic():
        consent, created = Consent.objects.select_for_update().get_or_create(
            user=user, application=application, defaults={"scope": " ".join(scopes)}
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
            sender=Consent, user_id=user.pk, application_id=application.pk, scope=consent.scope
        )
    return consent
