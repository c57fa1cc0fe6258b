"""The token store: the reads and writes on the hot paths, behind one small interface.

The token endpoint reads a client, a code or a refresh token by one indexed value and
stores the tokens it issues; a resource server reads an access token by the SHA-256
of its value. :class:`TokenStore` is that interface, and :class:`ORMTokenStore` its
implementation on Django's ORM, which works on every database Django supports.
``OAUTH_PROVIDER["TOKEN_STORE"]`` names the store a site runs on (see the settings
reference and docs/performance.rst for what each costs).

A store keeps the RFC's single-use rules whatever it is built on: marking a code or a
refresh token used is a conditional UPDATE in the same transaction as the tokens it
issues, so of two requests presenting the same one, exactly one stores tokens and the
other gets :class:`AlreadyUsed`.
"""

from __future__ import annotations

import pickle
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import router, transaction
from django.db.models import Model
from django.utils.module_loading import import_string
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from ..settings import provider_settings
from . import transactions

__all__ = [
    "AlreadyUsed",
    "ClientsServed",
    "FoundAccessToken",
    "NewTokens",
    "ORMTokenStore",
    "RowChanged",
    "Snapshot",
    "TokenStore",
    "token_store",
]

#: ``TOKEN_STORE`` values and the classes they name.
STORES = {
    "orm": "oauth_provider.storage.token_store.ORMTokenStore",
    "sql": "oauth_provider.storage.sql.SQLTokenStore",
}


class AlreadyUsed(Exception):
    """The code or refresh token presented was used by another request first: nothing was
    written, and this request is its reuse (RFC 6749 §4.1.2, RFC 9700 §4.14.2)."""


class RowChanged(Exception):
    """A row read earlier (a client taken from memory) was updated or deleted before a
    write that depended on it; the write did not happen."""


@dataclass
class NewTokens:
    """What a token request stores, all of it or none."""

    #: The new access token, not yet saved.
    access_token: Any
    #: The new refresh token, not yet saved (``access_token`` is set by the store), or ``None``.
    refresh_token: Any | None
    #: The client, as this request read it.
    client: Any
    #: When the tokens are issued.
    now: datetime
    #: The authorization code exchanged, marked used by the store.
    code: Any | None = None
    #: The refresh token presented, marked used (revoked) by the store; the access token
    #: it points at expires now (RFC 6749 §6: the new one replaces it).
    rotated: Any | None = None
    #: Whether the commit must reach the disk before the response (a store may relax it
    #: for a client credentials token, which a crash only makes the client ask again for).
    wait_for_disk: bool = True


class Snapshot:
    """A model instance as it was read, kept by a cache: :meth:`instance` builds a new
    instance (with its related objects) on each call, so that no two requests share one."""

    def __init__(self, instance: Model) -> None:
        self._pickled = pickle.dumps(instance, pickle.HIGHEST_PROTOCOL)

    def instance(self) -> Any:
        """A new instance of the model, as it was read."""
        return pickle.loads(self._pickled)  # noqa: S301 - our own bytes, never input


class FoundAccessToken:
    """An access token as a lookup found it: the values a check reads, and ``instance()``,
    the model instance with its ``application`` and ``user``."""

    def __init__(self, token: Any) -> None:
        self._token = token

    def instance(self) -> Any:
        """The AccessToken model instance, with its ``application`` and ``user``."""
        return self._token

    @property
    def pk(self) -> Any:
        return self.instance().pk

    @property
    def expires(self) -> datetime:
        return self.instance().expires

    @property
    def scope(self) -> str:
        return self.instance().scope

    @property
    def resource(self) -> str:
        """The resource URIs the token is for, space-separated (RFC 8707); empty: any."""
        return self.instance().resource

    @property
    def client_id(self) -> str | None:
        """The client's ``client_id``; ``None`` when the token has lost its client."""
        application = self.instance().application
        return application.client_id if application is not None else None

    @property
    def client_is_active(self) -> bool:
        application = self.instance().application
        return application is not None and application.is_active

    @property
    def user_id(self) -> Any | None:
        return self.instance().user_id

    @property
    def jkt(self) -> str:
        """The DPoP key thumbprint the token is bound to (RFC 9449 §6); ``""`` for bearer."""
        return getattr(self.instance(), "jkt", "") or ""

    @property
    def user_is_active(self) -> bool:
        user = self.instance().user
        return user is not None and getattr(user, "is_active", True)

    @property
    def username(self) -> str | None:
        user = self.instance().user
        return user.get_username() if user is not None else None


class ClientsServed:
    """The clients one token request took from a store's memory: none, for a store that
    keeps none. See :meth:`TokenStore.serving`."""

    def any_changed(self) -> bool:
        """Whether a client taken from memory has changed since it was read."""
        return False

    def forget(self) -> None:
        """Drop the clients this request took from memory."""


class TokenStore:
    """The interface. Every lookup returns ``None`` when no row matches."""

    def serving(self) -> AbstractContextManager[ClientsServed]:
        """A token request's block, in which clients may come from memory. A request that
        relied on one that changed since (:meth:`ClientsServed.any_changed` after a
        failure, or :class:`RowChanged` from :meth:`store`) must forget it and run again."""
        return nullcontext(ClientsServed())

    def client(self, client_id: str) -> Any | None:
        """The Application with ``client_id`` (active or not)."""
        raise NotImplementedError

    def authorization_code(self, checksum: str) -> Any | None:
        """The Grant whose ``code`` is ``checksum``, with its ``user``."""
        raise NotImplementedError

    def refresh_token(self, checksum: str) -> Any | None:
        """The RefreshToken whose ``token_checksum`` is ``checksum``, with its ``user``."""
        raise NotImplementedError

    def access_token(self, checksum: str) -> FoundAccessToken | None:
        """The AccessToken whose ``token_checksum`` is ``checksum``, with its ``application``
        and ``user``."""
        raise NotImplementedError

    def mark_code_used(self, code: Model, now: datetime) -> bool:
        """Mark an authorization code used, unless it already is; whether this call did."""
        raise NotImplementedError

    def store(self, tokens: NewTokens) -> None:
        """Store ``tokens``; raises :class:`AlreadyUsed` (nothing written) when the code or
        refresh token they come from was used meanwhile."""
        raise NotImplementedError


class ORMTokenStore(TokenStore):
    """The store on Django's ORM: querysets for the lookups, ``save()`` and ``update()`` for
    the writes, in the request's transaction."""

    def client(self, client_id: str) -> Any | None:
        return get_application_model().objects.filter(client_id=client_id).order_by().first()

    def authorization_code(self, checksum: str) -> Any | None:
        found = get_grant_model().objects.select_related("user").filter(code=checksum)
        return found.order_by().first()

    def refresh_token(self, checksum: str) -> Any | None:
        found = get_refresh_token_model().objects.select_related("user").filter(token_checksum=checksum)
        return found.order_by().first()

    def access_token(self, checksum: str) -> FoundAccessToken | None:
        found = get_access_token_model().objects.select_related("application", "user")
        token = found.filter(token_checksum=checksum).order_by().first()
        return FoundAccessToken(token) if token is not None else None

    def mark_code_used(self, code: Model, now: datetime) -> bool:
        return bool(
            type(code)._default_manager.filter(pk=code.pk, consumed__isnull=True).update(consumed=now)
        )

    def store(self, tokens: NewTokens) -> None:
        using = router.db_for_write(type(tokens.access_token))
        if tokens.refresh_token is None and tokens.code is None and tokens.rotated is None:
            tokens.access_token.save(using=using)  # one INSERT, a transaction of its own
            return
        # Several writes: they join the request's transaction, which begins here (see
        # transactions.py); an audit event stored for them joins it too.
        transactions.begin(using)
        rotated = tokens.rotated
        # The spend has a savepoint of its own. An UPDATE that waited for another request's
        # spend and then found the row used still holds the row's lock (PostgreSQL locks
        # the newest version before it checks the WHERE again); rolling the savepoint back
        # releases it, so that revoking what the other request issued cannot deadlock
        # with the other requests that revoke it too. The transaction stays good for that.
        with transaction.atomic(using=using):
            if tokens.code is not None and not self.mark_code_used(tokens.code, tokens.now):
                raise AlreadyUsed(tokens.code)
            if rotated is not None:
                unused = type(rotated)._default_manager.filter(pk=rotated.pk, revoked__isnull=True)
                if not unused.update(revoked=tokens.now, updated=tokens.now):
                    raise AlreadyUsed(rotated)
        # The endpoint views already run in one transaction; a savepoint would only add queries.
        with transaction.atomic(using=using, savepoint=False):
            if rotated is not None and rotated.access_token_id is not None:
                # Expired, not deleted: an update of one unindexed column, and the rotated
                # refresh token keeps pointing at it until oauth_provider_clear_expired.
                get_access_token_model().objects.filter(pk=rotated.access_token_id).update(
                    expires=tokens.now, updated=tokens.now
                )
            tokens.access_token.save(using=using)
            if tokens.refresh_token is not None:
                tokens.refresh_token.access_token = tokens.access_token
                tokens.refresh_token.save(using=using)


_stores: dict[str, TokenStore] = {}


def token_store() -> TokenStore:
    """The store ``OAUTH_PROVIDER["TOKEN_STORE"]`` names (one instance per class)."""
    name = provider_settings.TOKEN_STORE
    store = _stores.get(name)
    if store is None:
        store = _stores[name] = import_string(STORES.get(name, name))()
    return store
