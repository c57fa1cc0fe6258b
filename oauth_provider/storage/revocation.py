"""Revocation: the one place that ends tokens, and the one sender of the revocation signals.

Every caller (the revocation endpoint, reuse detection at the token endpoint, the
connected apps page, the admin and the management commands) revokes through these
functions. Each sends its signal once the rows are written, always with
``sender=Revocation``: ``token_revoked``, ``refresh_token_reused``,
``authorization_code_reused`` and ``consent_revoked`` (see the signals reference).

Revoking a token revokes its whole family (RFC 9700 §4.14.2; RFC 7009 §2.1 lets a
server revoke the tokens of the same grant): its refresh tokens are marked revoked,
so that a replay is still recognised, and its access tokens are deleted.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import router, transaction
from django.db.models import QuerySet
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from ..core import signals
from ..settings import provider_settings
from . import jwt_denylist
from .models.consents import Consent
from .models.devices import DeviceAuthorization

__all__ = [
    "Revocation",
    "deny_replaced_jwt",
    "end_reused_code",
    "end_reused_refresh_token",
    "revoke_client_tokens",
    "revoke_consent",
    "revoke_token",
    "withdraw_consent",
]

log = logging.getLogger("oauth_provider")


class Revocation:
    """The sender of every revocation signal, so that a receiver can filter on it."""


def _lock_live_refresh_tokens(token_family: uuid.UUID) -> None:
    """Row-lock the family's live refresh tokens, waiting for refreshes in flight to finish.

    A refresh holds its token's row lock until it commits the successor. A statement
    that waited for that lock does not see the successor (PostgreSQL's READ COMMITTED
    reads what was committed when the statement began), so lock again until no row
    appeared in the family meanwhile: then no refresh of it is in flight, and the
    statements that follow see every token it has.
    """
    family = get_refresh_token_model().objects.filter(token_family=token_family)
    before = set(family.values_list("pk", flat=True))
    while True:
        list(family.filter(revoked__isnull=True).select_for_update().order_by("pk").values_list("pk"))
        after = set(family.values_list("pk", flat=True))
        if after == before:
            return
        before = after


def _delete_access_tokens(access_tokens: QuerySet[Any], now: datetime) -> int:
    """Delete ``access_tokens``; returns how many of them had not expired at ``now`` (the
    ones a revocation ends; a refresh leaves the access token it ended in place, expired)."""
    live_tokens = access_tokens.filter(expires__gt=now)
    if jwt_denylist.enabled():
        # docs/jwt.rst: resource servers that verify JWTs on their own learn of this here.
        jwt_denylist.deny(live_tokens.exclude(jti="").values_list("jti", "expires"))
    live = live_tokens.count()
    access_tokens.delete()
    return live


def _revoke_family(token_family: uuid.UUID | None) -> int:
    """Revoke every refresh token and delete every access token of a family; returns how
    many of them could still be used."""
    if not token_family:
        return 0
    AccessToken = get_access_token_model()
    with transaction.atomic(using=router.db_for_write(AccessToken)):
        _lock_live_refresh_tokens(token_family)
        now = timezone.now()
        revoked = (
            get_refresh_token_model()
            .objects.filter(token_family=token_family, revoked__isnull=True)
            .update(revoked=now, updated=now, access_token=None)
        )
        live = _delete_access_tokens(AccessToken.objects.filter(token_family=token_family), now)
    return revoked + live


def _revoke_access(application: Any, user: Any = None) -> int:
    """End what the client holds (for one owner, if given): revoke its refresh tokens,
    delete its access tokens and its unused authorization codes, and deny its device
    authorizations approved but not yet exchanged (RFC 8628). Used codes are kept:
    exchanging one again still revokes what it issued."""
    now = timezone.now()
    filters: dict[str, Any] = {"application": application}
    if user is not None:
        filters["user"] = user
    with transaction.atomic():
        refresh = (
            get_refresh_token_model()
            .objects.filter(revoked__isnull=True, **filters)
            .update(revoked=now, updated=now, access_token=None)
        )
        access = _delete_access_tokens(get_access_token_model().objects.filter(**filters), now)
        get_grant_model().objects.filter(consumed__isnull=True, **filters).delete()
        DeviceAuthorization.objects.filter(status=DeviceAuthorization.APPROVED, **filters).update(
            status=DeviceAuthorization.DENIED
        )
    return refresh + access


def revoke_token(token: Any) -> int:
    """Revoke an access or refresh token with its family (a token without a family alone);
    sends ``token_revoked`` and returns how many tokens were still live."""
    if token.token_family:
        count = _revoke_family(token.token_family)
    else:
        if getattr(token, "jti", ""):
            jwt_denylist.deny([(token.jti, token.expires)])
        token.revoke()
        count = 1
    signals.token_revoked.send(
        sender=Revocation,
        application_id=token.application_id,
        user_id=token.user_id,
        token_family=token.token_family,
        tokens_revoked=count,
    )
    return count


def revoke_client_tokens(application: Any, user: Any = None) -> int:
    """Revoke every token the client holds (for one owner, if given) and its unused
    authorization codes; sends ``token_revoked`` and returns how many tokens were revoked."""
    count = _revoke_access(application, user=user)
    signals.token_revoked.send(
        sender=Revocation,
        application_id=application.pk,
        user_id=getattr(user, "pk", None),
        token_family=None,
        tokens_revoked=count,
    )
    return count


def revoke_consent(user: Any, application: Any) -> int:
    """Revoke the owner's consent, every token the client holds for the owner and the
    authorization codes not yet exchanged, so nothing the client holds still works.
    Sends ``consent_revoked``; returns the number of tokens revoked."""
    now = timezone.now()
    with transaction.atomic():
        Consent.objects.filter(user=user, application=application, revoked__isnull=True).update(
            revoked=now, updated=now
        )
        count = _revoke_access(application, user=user)
    signals.consent_revoked.send(sender=Revocation, user_id=user.pk, application_id=application.pk)
    return count


def withdraw_consent(user: Any, application: Any) -> bool:
    """The owner denied a request: the stored consent is withdrawn, so that the client's
    next request asks again. The tokens the client holds are not touched (revoke_consent
    ends those too). Sends ``consent_revoked`` if there was a consent to withdraw."""
    now = timezone.now()
    withdrawn = Consent.objects.filter(user=user, application=application, revoked__isnull=True).update(
        revoked=now, updated=now
    )
    if withdrawn:
        signals.consent_revoked.send(sender=Revocation, user_id=user.pk, application_id=application.pk)
    return bool(withdrawn)


def deny_replaced_jwt(access_token_id: Any, now: datetime) -> int:
    """RFC 6749 §6: a refresh ended the access token it replaces (its row expires ``now``);
    if that was a JWT, resource servers learn it from the denylist (docs/jwt.rst). The JWT
    itself lived at most ``JWT_ACCESS_TOKEN_EXPIRE_SECONDS`` from then."""
    lifetime = timedelta(seconds=int(provider_settings.JWT_ACCESS_TOKEN_EXPIRE_SECONDS))
    jtis = get_access_token_model().objects.filter(pk=access_token_id).exclude(jti="")
    return jwt_denylist.deny((jti, now + lifetime) for jti in jtis.values_list("jti", flat=True))


def end_reused_refresh_token(token: Any) -> int:
    """RFC 9700 §4.14.2: a rotated refresh token came back; its whole family ends.
    Sends ``refresh_token_reused``."""
    revoked = _revoke_family(token.token_family)
    signals.refresh_token_reused.send(
        sender=Revocation,
        application_id=token.application_id,
        token_family=token.token_family,
        tokens_revoked=revoked,
    )
    log.warning("refresh token reused; family revoked", extra={"application_id": token.application_id})
    return revoked


def end_reused_code(grant: Any) -> int:
    """RFC 6749 §4.1.2: a code used twice revokes what it issued. Sends
    ``authorization_code_reused``."""
    revoked = _revoke_family(grant.token_family)
    signals.authorization_code_reused.send(
        sender=Revocation,
        application_id=grant.application_id,
        grant_id=grant.pk,
        tokens_revoked=revoked,
    )
    log.warning(
        "authorization code reused", extra={"grant_id": grant.pk, "application_id": grant.application_id}
    )
    return revoked
