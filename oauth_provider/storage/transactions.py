"""A request's transaction, begun only once the request first needs it.

The token endpoint spends an authorization code or a refresh token (RFC 6749 §4.1.2
and §6: each is used once) and stores the tokens it issues, all or nothing. The
hand-written store may do that in one statement or one short transaction of its own
(``sql.insert_pair``). Where the ORM writes instead, the writes share the request's
transaction, and authenticating the client and reading the request come before it
and need none; on SQLite, where a transaction holds the database's single write lock
from its first statement, beginning late lets other requests write meanwhile. The
endpoint runs in :func:`deferred_atomic`; the token store calls :func:`begin` before
its first write when it writes more than one statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import transaction

__all__ = ["begin", "deferred_atomic"]


@dataclass
class _Deferred:
    stack: ExitStack
    begun: set[str] = field(default_factory=set)


_current: ContextVar[_Deferred | None] = ContextVar("oauth_provider_deferred_atomic", default=None)


@contextmanager
def deferred_atomic() -> Iterator[None]:
    """A block whose transaction begins at the first :func:`begin` inside it, if any.

    Once begun, the transaction commits when the block ends, or rolls back if it
    raises, exactly as ``transaction.atomic()`` around the whole block would.
    """
    with ExitStack() as stack:
        token = _current.set(_Deferred(stack))
        try:
            yield
        finally:
            _current.reset(token)


def begin(using: str) -> None:
    """Begin the enclosing :func:`deferred_atomic` block's transaction on database ``using``
    (once per database; outside such a block, nothing)."""
    deferred = _current.get()
    if deferred is not None and using not in deferred.begun:
        deferred.stack.enter_context(transaction.atomic(using=using))
        deferred.begun.add(using)
