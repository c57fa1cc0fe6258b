"""Clients kept in each process's memory for the token endpoint (PostgreSQL, SQLite).

Reading the client is one of the two queries a client credentials request makes, and
each query costs the process a sizeable share of the request (on PostgreSQL, a round
trip). The token endpoint therefore keeps the rows of the clients it has read, each
with its version (:func:`.prepared.row_version`), and trusts a row from memory no
further than this:

* a request that succeeds stores its tokens only if the client's row is still that
  version, in the same statement (``prepared.insert(..., if_unchanged=client)``);
  if it is not, nothing is stored and the request runs again, reading the client;
* a request that fails, having used a row from memory, asks the database whether
  the row is still that version; if it is not, the request runs again, reading the
  client, so a secret rotated or a client re-enabled meanwhile is seen at once.

So a change to a client, by the admin, a management command, ``QuerySet.update()``
or plain SQL, takes effect on the next request, as it does without the cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from oauth2_provider.models import get_application_model

from . import prepared
from .settings import provider_settings

__all__ = ["Served", "clear", "serving"]

#: The client by its ``client_id``, with its row's version.
CLIENT_BY_ID = prepared.PreparedLookup(
    get_application_model,
    lambda model, client_id: model.objects.filter(client_id=client_id),
    versioned=True,
)

# (database alias, client_id) -> row, oldest first.
_rows: dict[tuple[str, str], prepared.PreparedRow] = {}


@dataclass
class Served:
    """The clients one request took from memory."""

    clients: list[Any] = field(default_factory=list)

    def client(self, client_id: str) -> Any | None:
        """The Application ``client_id``, from memory if it is there, else read and kept."""
        key = (router.db_for_read(get_application_model()), client_id)
        row = _rows.get(key)
        if row is not None:
            client = row.instance()
            self.clients.append(client)
            return client
        row = CLIENT_BY_ID.row(client_id)
        if row is None:
            return None
        while len(_rows) >= provider_settings.CLIENT_CACHE_SIZE:
            del _rows[next(iter(_rows))]
        _rows[key] = row
        return row.instance()

    def any_changed(self) -> bool:
        """Whether a client taken from memory has changed since it was read (a query each)."""
        return any(not prepared.unchanged(client) for client in self.clients)

    def forget(self) -> None:
        """Drop the clients this request took from memory."""
        for client in self.clients:
            _rows.pop((client._state.db, client.client_id), None)
        self.clients.clear()


_current: ContextVar[Served | None] = ContextVar("oauth_provider_client_cache", default=None)


def current() -> Served | None:
    """The clients the current request took from memory, inside :func:`serving`."""
    return _current.get()


@contextmanager
def serving() -> Iterator[Served]:
    """A block in which clients may come from memory; see the module's docstring for what
    the block's caller must do with the :class:`Served` it gets. Where the cache is off
    (``CLIENT_CACHE_SIZE`` 0, or a database other than PostgreSQL and SQLite) clients
    are read as outside the block."""
    served = Served()
    model = get_application_model()
    alias = router.db_for_read(model)
    if provider_settings.CLIENT_CACHE_SIZE <= 0 or not prepared.versions_rows(connections[alias], model):
        yield served
        return
    token = _current.set(served)
    try:
        yield served
    finally:
        _current.reset(token)


def clear() -> None:
    """Forget every client kept in this process."""
    _rows.clear()
