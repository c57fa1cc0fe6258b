"""The hand-written store (``TOKEN_STORE = "sql"``): single-row reads and writes on the
hot paths, without building a queryset for each.

Building and compiling a queryset costs Django several times what running it costs
when the query is one indexed lookup (a few hundred microseconds against a few tens).
Every protected request and every token request runs the same few lookups by one
indexed value, so each lookup is compiled once per connection and then run with the
new value. Rows become model instances exactly as the queryset would build them:
the database's converters run, and ``select_related`` objects are attached.

The token endpoint's writes (insert a token, mark a row used, end an access token)
are single-row statements by primary key; :func:`insert` and :func:`update` write
them directly, with each field's own ``pre_save`` and database preparation, and fall
back to the ORM whenever a model has receivers for its save signals, a parent model,
or a database other than PostgreSQL and SQLite. :func:`insert_pair` stores a grant's
two new tokens with the updates that spend the grant: in one statement on PostgreSQL,
in one short transaction on SQLite.

On PostgreSQL and SQLite a lookup can also read each row's version
(:func:`row_version`), and a write can be made conditional on a row still being that
version (``if_unchanged=``): the write then happens, in the same statement, only if
the row was not updated or deleted since it was read, and raises :class:`RowChanged`
otherwise.

On PostgreSQL, where the site turns on psycopg's prepared statements (Django's
``prepare_threshold`` option), these statements bind their parameters on the server,
so that psycopg prepares them (:func:`_cursor`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, router, transaction
from django.db.models import NOT_PROVIDED, Model, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from ..settings import provider_settings
from .token_store import AlreadyUsed, ClientsServed, FoundAccessToken, NewTokens, ORMTokenStore, RowChanged

__all__ = [
    "PreparedLookup",
    "PreparedRow",
    "AlreadySet",
    "SQLTokenStore",
    "clear_clients",
    "Update",
    "insert",
    "insert_pair",
    "row_version",
    "unchanged",
    "update",
]

# Stands in for the looked-up value when the query is compiled; never sent to the database.
_PLACEHOLDER = "\x00oauth_provider.prepared\x00"

# Where a versioned lookup leaves the version on the instances it builds.
_VERSION = "_prepared_row_version"


def _version_sql(connection: Any, model: type[Model]) -> str | None:
    """SQL for the version of a row of ``model``, as text; ``None`` where there is none.

    PostgreSQL: every UPDATE writes a new version of the row at a new ``ctid``, even
    within one transaction, and ``xmin`` names the transaction that wrote it, so no
    later version of the row has the same pair. SQLite has no such columns: there the
    version is the row's values, each written as an SQL literal by ``quote()``.
    """
    if not versions_rows(connection, model):
        return None
    meta: Any = model._meta
    table = connection.ops.quote_name(meta.db_table)
    if connection.vendor == "postgresql":
        return f"{table}.xmin::text || ' ' || {table}.ctid::text"
    columns = (
        f"quote({table}.{connection.ops.quote_name(field.column)})" for field in meta.local_concrete_fields
    )
    return " || ' ' || ".join(columns)


def versions_rows(connection: Any, model: type[Model]) -> bool:
    """Whether a lookup can read the version of a row of ``model`` on ``connection`` (not
    where part of the row lives in a parent model's table)."""
    return connection.vendor in ("postgresql", "sqlite") and not model._meta.parents


def row_version(obj: Model) -> str | None:
    """The version of its row that ``obj`` was read as, if a versioned lookup built it."""
    return getattr(obj, _VERSION, None)


def _unchanged_condition(model: type[Model], connection: Any) -> str:
    """SQL true while a row of ``model`` is the version it was read as (two parameters:
    the primary key and the version)."""
    meta: Any = model._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(meta.pk.column)
    version = _version_sql(connection, model)
    return f"EXISTS (SELECT 1 FROM {table} WHERE {table}.{pk} = %s AND {version} = %s)"


def _unchanged_params(obj: Model, connection: Any) -> list[Any]:
    return [obj._meta.pk.get_db_prep_value(obj.pk, connection), row_version(obj)]


def unchanged(obj: Model) -> bool:
    """Whether ``obj``'s row is still the version it was read as (one query)."""
    connection = connections[obj._state.db or router.db_for_read(type(obj))]
    with _cursor(connection) as cursor:
        cursor.execute(
            f"SELECT {_unchanged_condition(type(obj), connection)}", _unchanged_params(obj, connection)
        )
        return bool(cursor.fetchone()[0])


def _prepares(connection: Any) -> bool:
    """Whether the site lets psycopg prepare statements on ``connection`` (Django's
    ``prepare_threshold`` option, which Django leaves off for transaction-mode connection
    poolers) while Django's own cursors bind parameters on the client, which psycopg
    never prepares.

    Not behind a transaction-mode pooler (a database with Django's
    ``DISABLE_SERVER_SIDE_CURSORS``) unless the site says that the pooler keeps prepared
    statements (``POOLER_KEEPS_PREPARED_STATEMENTS``): there each transaction may run on
    another server connection, which never saw the statement prepared (docs/deployment.rst)."""
    if connection.vendor != "postgresql":
        return False
    settings_dict = connection.settings_dict
    options = settings_dict.get("OPTIONS", {})
    if (
        settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
        and not provider_settings.POOLER_KEEPS_PREPARED_STATEMENTS
    ):
        return False
    return options.get("prepare_threshold") is not None and options.get("server_side_binding") is not True


def _cursor(connection: Any) -> Any:
    """A cursor for the statements of this module. Where :func:`_prepares`, one that binds
    parameters on the server, so that psycopg prepares these few statements, which run on
    every token request, and PostgreSQL stops parsing and planning each of them again.

    Not while Django logs queries (``DEBUG``, ``assertNumQueries``): the log then shows
    each statement with its values, which Django reads back only from its own cursors."""
    if not _prepares(connection) or connection.queries_logged:
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    # connection.cursor(), with another cursor class: Django's checks, its error
    # translation and its execute wrappers all apply.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)  # type: ignore[call-arg]  # psycopg.Cursor(conn)
        return connection._prepare_cursor(cursor)


def _versioned(obj: Model | None) -> Model | None:
    """``obj`` if its version is known, so that a write can depend on it."""
    return obj if obj is not None and row_version(obj) is not None else None


def _check_unchanged(obj: Model | None) -> None:
    """Where the ORM writes instead of one statement of ours, a query of its own first."""
    if obj is not None and not unchanged(obj):
        raise RowChanged(obj)


def _related_populators(queryset: QuerySet, klass_info: Any, select: Any, alias: str) -> list[Any]:
    """What attaches the ``select_related`` objects, as the queryset's own iterator makes it."""
    try:
        return get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]
    except TypeError:  # newer Django passes the queryset's fetch mode along
        return get_related_populators(klass_info, select, alias, queryset._fetch_mode)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Compiled:
    """One lookup compiled for one connection."""

    alias: str
    sql: str
    params: tuple[Any, ...]
    position: int  # where the looked-up value goes in ``params``
    for_update: bool
    compiler: Any
    converters: dict[int, Any]
    model: type[Model]
    init_list: list[str]
    model_slice: slice
    populators: list[Any]
    version_index: int | None
    #: Where each named column (``PreparedLookup(columns=...)``) is in a row.
    named: dict[str, int]

    def convert(self, row: tuple[Any, ...]) -> list[Any]:
        """A fetched row with the database's converters applied to every column."""
        if not self.converters:
            return list(row)
        return next(self.compiler.apply_converters([row], self.converters))

    def values(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """The named columns of a fetched row, converted: what a check needs, without the rest."""
        connection = connections[self.alias]
        found = {}
        for name, position in self.named.items():
            value = row[position]
            converters, expression = self.converters.get(position, ((), None))
            for converter in converters:
                value = converter(value, expression, connection)
            found[name] = value
        return found

    def instance(self, row: tuple[Any, ...]) -> Model:
        row = self.convert(row)  # type: ignore[assignment]
        obj = self.model.from_db(self.alias, self.init_list, row[self.model_slice])
        for populator in self.populators:
            populator.populate(row, obj)
        if self.version_index is not None:
            setattr(obj, _VERSION, row[self.version_index])
        return obj


@dataclass(frozen=True)
class PreparedRow:
    """A fetched row, as the database sent it: :meth:`value` converts one column to its
    Python value, and :meth:`instance` builds a new model instance (with its
    ``select_related`` objects) from the whole row each time it is called. A check that
    reads a few columns pays for those only."""

    compiled: _Compiled
    row: tuple[Any, ...]

    def values(self) -> dict[str, Any]:
        """The converted values of the lookup's named columns."""
        return self.compiled.values(self.row)

    def instance(self) -> Any:
        return self.compiled.instance(self.row)


class PreparedLookup:
    """``build(model, value)`` is a queryset filtering on one string ``value``; the
    lookup returns its first row, unordered. ``get_model`` is called on every lookup,
    so a swapped model is honoured. ``write`` routes the lookup to the database for
    writes: set it when ``build`` locks rows (``select_for_update``). ``versioned``
    reads each row's version too, on PostgreSQL and SQLite (:func:`row_version`).
    ``columns(model)`` names fields (of the model and of its ``select_related`` models)
    that :meth:`PreparedRow.values` reads without building instances; a field the
    query does not select as a column is left out."""

    def __init__(
        self,
        get_model: Callable[[], type[Model]],
        build: Callable[[Any, str], QuerySet],
        *,
        write: bool = False,
        versioned: bool = False,
        columns: Callable[[type[Model]], dict[str, Any]] | None = None,
    ) -> None:
        self.get_model = get_model
        self.build = build
        self.write = write
        self.versioned = versioned
        self.columns = columns
        self._compiled: weakref.WeakKeyDictionary[Any, dict[type[Model], _Compiled]] = (
            weakref.WeakKeyDictionary()
        )

    def _compile(self, model: type[Model], alias: str) -> _Compiled:
        queryset = self.build(model, _PLACEHOLDER).order_by()
        connection = connections[alias]
        version_sql = _version_sql(connection, model) if self.versioned else None
        versioned = version_sql is not None
        if version_sql is not None:
            queryset = queryset.annotate(**{_VERSION: RawSQL(version_sql, (), output_field=TextField())})
        queryset = queryset[:1]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = [i for i, param in enumerate(params) if param == _PLACEHOLDER]
        if len(positions) != 1:
            raise ValueError("A prepared lookup filters on exactly one value.")
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            alias=alias,
            sql=sql,
            params=tuple(params),
            position=positions[0],
            for_update=bool(queryset.query.select_for_update),
            compiler=compiler,
            converters=compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            model_slice=slice(start, end),
            populators=_related_populators(queryset, klass_info, select, alias),
            version_index=compiler.annotation_col_map[_VERSION] if versioned else None,
            named=self._named_positions(model, select[: compiler.col_count]),
        )

    def _named_positions(self, model: type[Model], select: Any) -> dict[str, int]:
        if self.columns is None:
            return {}
        positions = {
            column[0].target: index for index, column in enumerate(select) if hasattr(column[0], "target")
        }
        wanted = self.columns(model)
        return {name: positions[field] for name, field in wanted.items() if field in positions}

    def _for(self, model: type[Model]) -> _Compiled:
        alias = router.db_for_write(model) if self.write else router.db_for_read(model)
        # Connections are per thread, and so is what was compiled for them.
        by_model = self._compiled.setdefault(connections[alias], {})
        compiled = by_model.get(model)
        if compiled is None:
            compiled = by_model[model] = self._compile(model, alias)
        return compiled

    def row(self, value: str) -> PreparedRow | None:
        """The first row matching ``value``, or ``None``."""
        compiled = self._for(self.get_model())
        connection = connections[compiled.alias]
        if compiled.for_update and connection.features.has_select_for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(compiled.params)
        params[compiled.position] = value
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchone()
        if found is None:
            return None
        return PreparedRow(compiled, tuple(found))

    def first(self, value: str) -> Any | None:
        """The first instance matching ``value``, or ``None``."""
        found = self.row(value)
        return found.instance() if found is not None else None


# -- single-row writes ---------------------------------------------------------------------


def _direct(model: type[Model], connection: Any, *signal_pair: Any) -> bool:
    """Whether a statement of our own does all the ORM would: no receivers, no parent."""
    return (
        connection.vendor in ("postgresql", "sqlite")
        and not model._meta.parents
        and not any(signal.has_listeners(model) for signal in signal_pair)
    )


# A PostgreSQL transaction's commit waits for its WAL record to reach disk unless
# synchronous_commit is off when it commits. Evaluated in RETURNING, set_config(..., true)
# turns it off for the INSERT's own transaction only, in the same round trip.
_ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)"


def _insert_sql(
    model: type[Model], connection: Any, *, asynchronous: bool = False, condition: str = ""
) -> tuple[str, list[Any]] | None:
    """The INSERT of one row of ``model``; with ``condition``, SQL whose parameters follow
    the row's values, it inserts nothing unless the condition holds."""
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    if (
        meta.auto_field is None
        or not connection.features.can_return_columns_from_insert
        or any(getattr(field, "generated", False) for field in fields)
        or any(getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED for field in fields)
    ):
        return None
    quote = connection.ops.quote_name
    returning, _ = connection.ops.return_insert_columns([meta.auto_field])
    if asynchronous:
        returning += ", " + _ASYNC_COMMIT
    values = ", ".join(["%s"] * len(fields))
    source = f"SELECT {values} WHERE {condition}" if condition else f"VALUES ({values})"
    sql = "INSERT INTO {} ({}) {} {}".format(
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        source,
        returning,
    )
    return sql, fields


_INSERTS: dict[tuple[type[Model], str, bool, type[Model] | None], tuple[str, list[Any]] | None] = {}


def insert(obj: Model, *, wait_for_disk: bool = True, if_unchanged: Model | None = None) -> None:
    """``obj.save()`` for a new row whose related objects are saved: one INSERT ... RETURNING.

    ``wait_for_disk=False`` is for a row a crash may lose: on PostgreSQL, outside a
    transaction, the INSERT then commits without waiting for the WAL flush (a crash of
    the database server loses what it committed in the last fraction of a second; it
    never corrupts anything or reorders commits). Elsewhere, and where the ORM saves
    the row instead, it changes nothing.

    ``if_unchanged`` is an instance from a versioned lookup: the row is inserted only if
    that instance's row is still the version read, else :class:`RowChanged` is raised.
    """
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    guard = _versioned(if_unchanged)
    asynchronous = not wait_for_disk and connection.vendor == "postgresql" and connection.get_autocommit()
    key = (model, connection.vendor, asynchronous, type(guard) if guard else None)
    if key not in _INSERTS:
        condition = _unchanged_condition(key[3], connection) if key[3] else ""
        _INSERTS[key] = _insert_sql(model, connection, asynchronous=asynchronous, condition=condition)
    statement = _INSERTS[key]
    if statement is None or obj.pk is not None or not _direct(model, connection, pre_save, post_save):
        _check_unchanged(guard)
        obj.save(using=alias)
        return
    sql, fields = statement
    params = _row_params(obj, fields, connection)
    if guard is not None:
        params += _unchanged_params(guard, connection)
    with _cursor(connection) as cursor:
        cursor.execute(sql, params)
        stored = cursor.fetchone()
    if stored is None:
        raise RowChanged(guard)
    _stored(obj, alias, stored[0])


def _row_params(obj: Model, fields: list[Any], connection: Any) -> list[Any]:
    """The values of a new row's ``fields``, as ``save()`` would write them."""
    return [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]


def _stored(obj: Model, alias: str, pk: Any) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = alias


@dataclass(frozen=True)
class Update:
    """Set ``values`` on the row ``pk`` of ``model``; with ``unless_set``, only while that
    field is null (marking a single-use row used)."""

    model: type[Model]
    pk: Any
    unless_set: str | None
    values: dict[str, Any]

    def shape(self) -> tuple[type[Model], tuple[str, ...], str | None]:
        """What the statement's SQL depends on (not the values)."""
        return (self.model, tuple(self.values), self.unless_set)


class AlreadySet(Exception):
    """An :class:`Update` found its ``unless_set`` field set: nothing was written."""


def _update_sql(model: type[Model], names: list[str], unless_set: str | None, connection: Any) -> str:
    """``UPDATE`` of the fields ``names`` (their values, then the primary key, are the parameters)."""
    meta: Any = model._meta
    quote = connection.ops.quote_name
    where = f"{quote(meta.pk.column)} = %s"
    if unless_set:
        where += f" AND {quote(meta.get_field(unless_set).column)} IS NULL"
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {where}"


def _update_params(model: type[Model], pk: Any, values: dict[str, Any], connection: Any) -> list[Any]:
    meta: Any = model._meta
    params = [meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()]
    return [*params, meta.pk.get_db_prep_value(pk, connection)]


_UpdateShape = tuple[type[Model], tuple[str, ...], "str | None"]


@dataclass(frozen=True)
class _Pair:
    """The SQL of one shape of :func:`insert_pair`. PostgreSQL runs ``statements[0]``
    alone: the updates and both INSERTs as one. SQLite runs them in order: the spending
    update (if any), the other update (if any), the first INSERT, the second INSERT,
    whose value at ``link_index`` is the first row's primary key."""

    statements: tuple[str, ...]
    first_fields: list[Any]
    second_fields: list[Any]
    link_index: int | None = None


def _pair_sql(
    first_model: type[Model],
    second_model: type[Model],
    link: str,
    connection: Any,
    *,
    guard: type[Model] | None,
    spending: _UpdateShape | None,
    updating: _UpdateShape | None,
) -> _Pair | None:
    """Parameters, in order: the spending update's values and primary key, the guard's
    (with a spending update, else after the first row's values), the other update's
    values and primary key, the first row's values, the second row's values."""
    quote = connection.ops.quote_name
    spend = update = None
    if spending is not None:
        model, names, unless_set = spending
        spend = _update_sql(model, list(names), unless_set, connection)
        if guard is not None:
            spend += f" AND {_unchanged_condition(guard, connection)}"
    if updating is not None:
        model, names, unless_set = updating
        update = _update_sql(model, list(names), unless_set, connection)
    first_guard = _unchanged_condition(guard, connection) if guard is not None and spend is None else ""
    second_statement = _insert_sql(second_model, connection)
    meta: Any = second_model._meta
    link_field = meta.get_field(link)
    if connection.vendor == "sqlite":
        first_statement = _insert_sql(first_model, connection, condition=first_guard)
        if first_statement is None or second_statement is None:
            return None
        steps = (spend, update, first_statement[0], second_statement[0])
        link_index = second_statement[1].index(link_field)
        return _Pair(tuple(filter(None, steps)), first_statement[1], second_statement[1], link_index)
    # PostgreSQL: every write waits on the spending update, else on the guard.
    clauses = []
    gate = first_guard
    if spend is not None:
        clauses.append(f"spent AS ({spend} RETURNING 1)")
        gate = "EXISTS (SELECT 1 FROM spent)"
    if update is not None:
        clauses.append(f"updated AS ({update}{f' AND {gate}' if spend is not None else ''})")
    first_statement = _insert_sql(first_model, connection, condition=gate)
    if first_statement is None or second_statement is None:
        return None
    first_sql, first_fields = first_statement
    clauses.append(f"first_row AS ({first_sql})")
    second_fields = [field for field in second_statement[1] if field is not link_field]
    sql = "WITH {} INSERT INTO {} ({}, {}) SELECT {}, first_row.{} FROM first_row RETURNING {}, {}".format(
        ", ".join(clauses),
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in second_fields),
        quote(link_field.column),
        ", ".join(["%s"] * len(second_fields)),
        quote(first_model._meta.pk.column),
        quote(meta.pk.column),
        quote(link_field.column),
    )
    return _Pair((sql,), first_fields, second_fields)


_PairKey = tuple[
    type[Model],
    type[Model],
    str,
    str,
    "type[Model] | None",
    "_UpdateShape | None",
    "_UpdateShape | None",
]
# The shape of a call -> its SQL.
_PAIRS: dict[_PairKey, _Pair | None] = {}


class _NotWritten(Exception):
    """Rolls back :func:`insert_pair`'s transaction on SQLite."""


def insert_pair(
    first: Model,
    second: Model,
    *,
    link: str,
    if_unchanged: Model | None = None,
    spending: Update | None = None,
    updating: Update | None = None,
) -> bool:
    """Store two new rows, ``second.<link>`` pointing at ``first``. With ``spending``, that
    update is made too, and nothing is written unless it applies (else
    :class:`AlreadySet`). ``updating`` is another update made with them.
    ``if_unchanged`` is as for :func:`insert`.

    On PostgreSQL it is one statement. Without ``spending`` and with ``if_unchanged``,
    ``updating`` is made even where the guard fails, and the caller's transaction must
    roll back. On SQLite it is one transaction (or savepoint), every parameter built
    before it begins, so that it holds the database's single write lock only while its
    statements run; nothing is written if any part fails.

    Returns False, having written nothing, where neither is possible (another database,
    receivers or parents, rows already saved); the caller then writes the rows one by one.
    """
    first_model, second_model = type(first), type(second)
    alias = router.db_for_write(first_model, instance=first)
    connection = connections[alias]
    if (
        connection.vendor not in ("postgresql", "sqlite")
        or router.db_for_write(second_model, instance=second) != alias
        or first.pk is not None
        or second.pk is not None
        or not _direct(first_model, connection, pre_save, post_save)
        or not _direct(second_model, connection, pre_save, post_save)
        or any(not _direct(update.model, connection) for update in (spending, updating) if update)
    ):
        return False
    guard = _versioned(if_unchanged)
    key: _PairKey = (
        first_model,
        second_model,
        link,
        connection.vendor,
        type(guard) if guard else None,
        spending.shape() if spending else None,
        updating.shape() if updating else None,
    )
    if key not in _PAIRS:
        _PAIRS[key] = _pair_sql(
            first_model, second_model, link, connection, guard=key[4], spending=key[5], updating=key[6]
        )
    pair = _PAIRS[key]
    if pair is None:
        return False
    params: list[list[Any]] = []
    if spending is not None:
        guard_params = _unchanged_params(guard, connection) if guard is not None else []
        params.append(_update_params(spending.model, spending.pk, spending.values, connection) + guard_params)
    if updating is not None:
        params.append(_update_params(updating.model, updating.pk, updating.values, connection))
    params.append(_row_params(first, pair.first_fields, connection))
    if spending is None and guard is not None:
        params[-1] += _unchanged_params(guard, connection)
    params.append(_row_params(second, pair.second_fields, connection))
    if pair.link_index is None:
        with _cursor(connection) as cursor:
            cursor.execute(pair.statements[0], [param for group in params for param in group])
            stored = cursor.fetchone()
    else:
        stored = _write_in_order(
            connection, alias, pair.statements, pair.link_index, params, spent=spending is not None
        )
    if stored is None:
        if guard is not None and not unchanged(guard):
            raise RowChanged(guard)
        raise AlreadySet(spending)
    second_pk, first_pk_value = stored
    _stored(first, alias, first_pk_value)
    setattr(second, link, first)
    _stored(second, alias, second_pk)
    return True


def _write_in_order(
    connection: Any,
    alias: str,
    statements: tuple[str, ...],
    link_index: int,
    params: list[list[Any]],
    *,
    spent: bool,
) -> tuple[Any, Any] | None:
    """SQLite: run a :class:`_Pair`'s ``statements`` with ``params`` in one transaction; the
    primary keys of the second and first rows, or ``None`` (rolled back) where the
    spending update or the guard did not apply."""
    *updates, first_sql, second_sql = statements
    try:
        with transaction.atomic(using=alias), _cursor(connection) as cursor:
            for position, sql in enumerate(updates):
                cursor.execute(sql, params[position])
                if spent and position == 0 and cursor.rowcount != 1:
                    raise _NotWritten
            cursor.execute(first_sql, params[-2])
            row = cursor.fetchone()
            if row is None:
                raise _NotWritten
            second_params = params[-1]
            second_params[link_index] = row[0]
            cursor.execute(second_sql, second_params)
            return cursor.fetchone()[0], row[0]
    except _NotWritten:
        return None


def update(model: type[Model], pk: Any, *, unless_set: str | None = None, **values: Any) -> int:
    """``model.objects.filter(pk=pk).update(**values)`` for plain field values; returns the
    number of rows changed. With ``unless_set``, only while that field is still null."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    if not _direct(model, connection):
        condition = {f"{unless_set}__isnull": True} if unless_set else {}
        return model._default_manager.using(alias).filter(pk=pk, **condition).update(**values)
    with _cursor(connection) as cursor:
        cursor.execute(
            _update_sql(model, list(values), unless_set, connection),
            _update_params(model, pk, values, connection),
        )
        return cursor.rowcount


# -- clients kept in memory -----------------------------------------------------------------
#
# Clients kept in each process's memory for the token endpoint (PostgreSQL, SQLite).
#
# Reading the client is one of the two queries a client credentials request makes, and
# each query costs the process a sizeable share of the request (on PostgreSQL, a round
# trip). The token endpoint therefore keeps the rows of the clients it has read, each
# with its version (:func:`.sql.row_version`), and trusts a row from memory no
# further than this:
#
# * a request that succeeds stores its tokens only if the client's row is still that
#   version, in the same statement (``sql.insert(..., if_unchanged=client)``);
#   if it is not, nothing is stored and the request runs again, reading the client;
# * a request that fails, having used a row from memory, asks the database whether
#   the row is still that version; if it is not, the request runs again, reading the
#   client, so a secret rotated or a client re-enabled meanwhile is seen at once.
#
# So a change to a client, by the admin, a management command, ``QuerySet.update()``
# or plain SQL, takes effect on the next request, as it does without the cache.

#: The client by its ``client_id``, with its row's version.
VERSIONED_CLIENT_BY_ID = PreparedLookup(
    get_application_model,
    lambda model, client_id: model.objects.filter(client_id=client_id),
    versioned=True,
)

# (database alias, client_id) -> row, oldest first.
_rows: dict[tuple[str, str], PreparedRow] = {}


@dataclass
class Served(ClientsServed):
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
        row = VERSIONED_CLIENT_BY_ID.row(client_id)
        if row is None:
            return None
        while len(_rows) >= provider_settings.CLIENT_CACHE_SIZE:
            del _rows[next(iter(_rows))]
        _rows[key] = row
        return row.instance()

    def any_changed(self) -> bool:
        """Whether a client taken from memory has changed since it was read (a query each)."""
        return any(not unchanged(client) for client in self.clients)

    def forget(self) -> None:
        """Drop the clients this request took from memory."""
        for client in self.clients:
            _rows.pop((client._state.db, client.client_id), None)
        self.clients.clear()


_current: ContextVar[Served | None] = ContextVar("oauth_provider_client_cache", default=None)


def _served() -> Served | None:
    """The clients the current request took from memory, inside :func:`serving`."""
    return _current.get()


@contextmanager
def _serving() -> Iterator[Served]:
    """A block in which clients may come from memory; see the module's docstring for what
    the block's caller must do with the :class:`Served` it gets. Where the cache is off
    (``CLIENT_CACHE_SIZE`` 0, or a database other than PostgreSQL and SQLite) clients
    are read as outside the block."""
    served = Served()
    model = get_application_model()
    alias = router.db_for_read(model)
    if provider_settings.CLIENT_CACHE_SIZE <= 0 or not versions_rows(connections[alias], model):
        yield served
        return
    token = _current.set(served)
    try:
        yield served
    finally:
        _current.reset(token)


def clear_clients() -> None:
    """Forget every client kept in this process."""
    _rows.clear()


# -- the store ------------------------------------------------------------------------------

#: The client by its ``client_id`` (a unique index).
CLIENT_BY_ID = PreparedLookup(
    get_application_model, lambda model, client_id: model.objects.filter(client_id=client_id)
)
#: Lookups on the token endpoint's path, by one indexed value each, from the database
#: written to. Nothing is locked: a code or refresh token is marked used by a conditional
#: UPDATE where the tokens are stored, so each works once.
GRANT_BY_CODE = PreparedLookup(
    get_grant_model,
    lambda model, code: model.objects.select_related("user").filter(code=code),
    write=True,
)
REFRESH_TOKEN_BY_CHECKSUM = PreparedLookup(
    get_refresh_token_model,
    lambda model, checksum: model.objects.select_related("user").filter(token_checksum=checksum),
    write=True,
)


def _checked_columns(model: type[Model]) -> dict[str, Any]:
    """What validating an access token reads: its own columns, its client's and its owner's."""
    application, user = get_application_model(), get_user_model()
    columns = {
        "pk": model._meta.pk,
        "expires": model._meta.get_field("expires"),
        "scope": model._meta.get_field("scope"),
        "resource": model._meta.get_field("resource"),
        "jkt": model._meta.get_field("jkt"),
        "application_id": model._meta.get_field("application"),
        "user_id": model._meta.get_field("user"),
        "client_id": application._meta.get_field("client_id"),
        "client_is_active": application._meta.get_field("is_active"),
        "username": user._meta.get_field(user.USERNAME_FIELD),
    }
    try:
        columns["user_is_active"] = user._meta.get_field("is_active")
    except FieldDoesNotExist:  # a custom user model without the field: always active
        pass
    return columns


def _client_columns_a_check_skips() -> list[str]:
    """The client's columns a token check does not read (its secrets, URIs, texts), left out
    of the lookup; an instance that needs one loads it on first use, as Django does for
    deferred fields."""
    kept = {"id", "client_id", "is_active"}
    return [
        f"application__{field.name}"
        for field in get_application_model()._meta.concrete_fields
        if field.name not in kept
    ]


#: The access token by the SHA-256 of its value (a unique index), with its client and owner.
ACCESS_TOKEN_BY_CHECKSUM = PreparedLookup(
    get_access_token_model,
    lambda model, checksum: (
        model.objects.select_related("application", "user")
        .defer(*_client_columns_a_check_skips())
        .filter(token_checksum=checksum)
    ),
    columns=_checked_columns,
)


class _FoundRow(FoundAccessToken):
    """An access token's row: the checks read a few of its columns, and its model instances
    are built only if the view asks for them (``request.user``, ``request.auth.token``)."""

    def __init__(self, row: PreparedRow) -> None:
        self._row = row
        self._token: Any = None
        self._values = row.values()

    def instance(self) -> Any:
        if self._token is None:
            self._token = self._row.instance()
        return self._token

    @property
    def pk(self) -> Any:
        return self._values["pk"]

    @property
    def expires(self) -> datetime:
        return self._values["expires"]

    @property
    def scope(self) -> str:
        return self._values["scope"]

    @property
    def resource(self) -> str:
        return self._values["resource"]

    @property
    def client_id(self) -> str | None:
        return self._values["client_id"] if self._values["application_id"] is not None else None

    @property
    def client_is_active(self) -> bool:
        return self._values["application_id"] is not None and bool(self._values["client_is_active"])

    @property
    def user_id(self) -> Any | None:
        return self._values["user_id"]

    @property
    def user_is_active(self) -> bool:
        if self._values["user_id"] is None:
            return False
        return bool(self._values.get("user_is_active", True))

    @property
    def username(self) -> str | None:
        return self._values["username"] if self._values["user_id"] is not None else None

    @property
    def jkt(self) -> str:
        return self._values.get("jkt") or ""


def _spending(tokens: NewTokens) -> Update | None:
    """What marks the code or the rotated refresh token used, or ``None``."""
    if tokens.code is not None:
        return Update(type(tokens.code), tokens.code.pk, "consumed", {"consumed": tokens.now})
    if tokens.rotated is not None:
        values = {"revoked": tokens.now, "updated": tokens.now}
        return Update(type(tokens.rotated), tokens.rotated.pk, "revoked", values)
    return None


def _ending(tokens: NewTokens) -> Update | None:
    """What ends the access token of the rotated refresh token: it expires now. An update of
    one unindexed column, where deleting the row would touch every index of the table and
    check the foreign keys pointing at it; the rotated refresh token keeps pointing at it,
    and ``oauth_provider_clear_expired`` deletes it."""
    rotated = tokens.rotated
    if rotated is None or rotated.access_token_id is None:
        return None
    values = {"expires": tokens.now, "updated": tokens.now}
    return Update(get_access_token_model(), rotated.access_token_id, None, values)


class SQLTokenStore(ORMTokenStore):
    """The store with compiled lookups and hand-written writes on PostgreSQL and SQLite (the
    ORM's elsewhere), and clients kept in memory at the token endpoint (see above)."""

    def client(self, client_id: str) -> Any | None:
        served = _served()
        return served.client(client_id) if served is not None else CLIENT_BY_ID.first(client_id)

    def serving(self) -> AbstractContextManager[ClientsServed]:
        return _serving()

    def authorization_code(self, checksum: str) -> Any | None:
        return GRANT_BY_CODE.first(checksum)

    def refresh_token(self, checksum: str) -> Any | None:
        return REFRESH_TOKEN_BY_CHECKSUM.first(checksum)

    def access_token(self, checksum: str) -> FoundAccessToken | None:
        row = ACCESS_TOKEN_BY_CHECKSUM.row(checksum)
        return _FoundRow(row) if row is not None else None

    def mark_code_used(self, code: Model, now: Any) -> bool:
        return bool(update(type(code), code.pk, unless_set="consumed", consumed=now))

    def store(self, tokens: NewTokens) -> None:
        """All of it or none: in one statement on PostgreSQL, in one short transaction of its
        own on SQLite, else as the ORM store does, in the request's transaction (which the
        audit log's row joins when there is one). The access token is stored only if the
        client's row is as it was read (a client from memory, see above), else
        :class:`RowChanged`."""
        client = tokens.client
        spend = _spending(tokens)
        ending = _ending(tokens)
        if not provider_settings.AUDIT_LOG_MODEL:
            if spend is None and tokens.refresh_token is None:
                # One INSERT (nothing spent or rotated): a transaction of its own.
                insert(tokens.access_token, wait_for_disk=tokens.wait_for_disk, if_unchanged=client)
                return
            try:
                if tokens.refresh_token is not None and insert_pair(
                    tokens.access_token,
                    tokens.refresh_token,
                    link="access_token",
                    if_unchanged=client,
                    spending=spend,
                    updating=ending,
                ):
                    return
            except AlreadySet as exc:
                raise AlreadyUsed() from exc
        # Elsewhere the ORM's writes, after one query for a client taken from memory.
        _check_unchanged(_versioned(client))
        super().store(tokens)
