"""Single-row reads and writes on the hot paths, without building a queryset for each.

Building and compiling a queryset costs Django several times what running it costs
when the query is one indexed lookup (a few hundred microseconds against a few tens).
Every protected request and every token request runs the same few lookups by one
indexed value, so each lookup is compiled once per connection and then run with the
new value. Rows become model instances exactly as the queryset would build them:
the database's converters run, and ``select_related`` objects are attached.

The token endpoint's writes (insert a token, mark a row used, delete an access token)
are single-row statements by primary key; :func:`insert`, :func:`update` and
:func:`delete` write them directly, with each field's own ``pre_save`` and database
preparation, and fall back to the ORM whenever a model has receivers for its save or
delete signals, a parent model, or a database other than PostgreSQL and SQLite.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import NOT_PROVIDED, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.db.transaction import TransactionManagementError

__all__ = ["PreparedLookup", "PreparedRow", "delete", "insert", "insert_pair", "update"]

# Stands in for the looked-up value when the query is compiled; never sent to the database.
_PLACEHOLDER = "\x00oauth_provider.prepared\x00"


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

    def instance(self, row: list[Any]) -> Model:
        obj = self.model.from_db(self.alias, self.init_list, row[self.model_slice])
        for populator in self.populators:
            populator.populate(row, obj)
        return obj


@dataclass(frozen=True)
class PreparedRow:
    """A fetched row, converted to Python values; :meth:`instance` builds a new model
    instance (with its ``select_related`` objects) from it each time it is called."""

    compiled: _Compiled
    row: list[Any]

    def instance(self) -> Any:
        return self.compiled.instance(self.row)


class PreparedLookup:
    """``build(model, value)`` is a queryset filtering on one string ``value``; the
    lookup returns its first row, unordered. ``get_model`` is called on every lookup,
    so a swapped model is honoured. ``write`` routes the lookup to the database for
    writes: set it when ``build`` locks rows (``select_for_update``)."""

    def __init__(
        self,
        get_model: Callable[[], type[Model]],
        build: Callable[[Any, str], QuerySet],
        *,
        write: bool = False,
    ) -> None:
        self.get_model = get_model
        self.build = build
        self.write = write
        self._compiled: weakref.WeakKeyDictionary[Any, dict[type[Model], _Compiled]] = (
            weakref.WeakKeyDictionary()
        )

    def _compile(self, model: type[Model], alias: str) -> _Compiled:
        queryset = self.build(model, _PLACEHOLDER).order_by()[:1]
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
        )

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
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchone()
        if found is None:
            return None
        row = list(found)
        if compiled.converters:
            row = next(compiled.compiler.apply_converters([row], compiled.converters))
        return PreparedRow(compiled, row)

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
    model: type[Model], connection: Any, *, asynchronous: bool = False
) -> tuple[str, list[Any]] | None:
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
    sql = "INSERT INTO {} ({}) VALUES ({}) {}".format(
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
        returning,
    )
    return sql, fields


_INSERTS: dict[tuple[type[Model], str, bool], tuple[str, list[Any]] | None] = {}


def insert(obj: Model, *, wait_for_disk: bool = True) -> None:
    """``obj.save()`` for a new row whose related objects are saved: one INSERT ... RETURNING.

    ``wait_for_disk=False`` is for a row a crash may lose: on PostgreSQL, outside a
    transaction, the INSERT then commits without waiting for the WAL flush (a crash of
    the database server loses what it committed in the last fraction of a second; it
    never corrupts anything or reorders commits). Elsewhere, and where the ORM saves
    the row instead, it changes nothing.
    """
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    asynchronous = not wait_for_disk and connection.vendor == "postgresql" and connection.get_autocommit()
    key = (model, connection.vendor, asynchronous)
    if key not in _INSERTS:
        _INSERTS[key] = _insert_sql(model, connection, asynchronous=asynchronous)
    statement = _INSERTS[key]
    if statement is None or obj.pk is not None or not _direct(model, connection, pre_save, post_save):
        obj.save(using=alias)
        return
    sql, fields = statement
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        _stored(obj, alias, cursor.fetchone()[0])


def _stored(obj: Model, alias: str, pk: Any) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = alias


def _pair_sql(
    first_model: type[Model], second_model: type[Model], link: str, connection: Any, *, replacing: bool
) -> tuple[str, list[Any], list[Any]] | None:
    first_statement = _insert_sql(first_model, connection)
    second_statement = _insert_sql(second_model, connection)
    if first_statement is None or second_statement is None:
        return None
    first_sql, first_fields = first_statement
    first_meta: Any = first_model._meta
    meta: Any = second_model._meta
    link_field = meta.get_field(link)
    second_fields = [field for field in second_statement[1] if field is not link_field]
    quote = connection.ops.quote_name
    first_pk = quote(first_meta.pk.column)
    clauses = (
        [f"replaced AS (DELETE FROM {quote(first_meta.db_table)} WHERE {first_pk} = %s)"] if replacing else []
    )
    clauses.append(f"first_row AS ({first_sql})")
    sql = "WITH {} INSERT INTO {} ({}, {}) SELECT {}, first_row.{} FROM first_row RETURNING {}, {}".format(
        ", ".join(clauses),
        quote(meta.db_table),
        ", ".join(quote(field.column) for field in second_fields),
        quote(link_field.column),
        ", ".join(["%s"] * len(second_fields)),
        first_pk,
        quote(meta.pk.column),
        quote(link_field.column),
    )
    return sql, first_fields, second_fields


# PostgreSQL only: (first model, second model, link, replacing) -> statement.
_PAIRS: dict[tuple[type[Model], type[Model], str, bool], tuple[str, list[Any], list[Any]] | None] = {}


def insert_pair(first: Model, second: Model, *, link: str, replacing: Any = None) -> bool:
    """Store two new rows in one round trip on PostgreSQL, ``second.<link>`` pointing at
    ``first``; with ``replacing``, the row of ``first``'s model with that primary key is
    deleted in the same statement (no other row may refer to it any more).

    One statement with data-modifying WITH clauses, run inside the caller's transaction.
    Returns False, having written nothing, where that is not possible (another database,
    receivers or parents, rows already saved); the caller then writes them one by one.
    """
    first_model, second_model = type(first), type(second)
    alias = router.db_for_write(first_model, instance=first)
    connection = connections[alias]
    if (
        connection.vendor != "postgresql"
        or router.db_for_write(second_model, instance=second) != alias
        or first.pk is not None
        or second.pk is not None
        or not _direct(first_model, connection, pre_save, post_save, pre_delete, post_delete)
        or not _direct(second_model, connection, pre_save, post_save)
    ):
        return False
    key = (first_model, second_model, link, replacing is not None)
    if key not in _PAIRS:
        _PAIRS[key] = _pair_sql(first_model, second_model, link, connection, replacing=replacing is not None)
    statement = _PAIRS[key]
    if statement is None:
        return False
    sql, first_fields, second_fields = statement
    params: list[Any] = []
    if replacing is not None:
        params.append(first_model._meta.pk.get_db_prep_value(replacing, connection))
    params += [field.get_db_prep_save(field.pre_save(first, True), connection) for field in first_fields]
    params += [field.get_db_prep_save(field.pre_save(second, True), connection) for field in second_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        second_pk, first_pk_value = cursor.fetchone()
    _stored(first, alias, first_pk_value)
    setattr(second, link, first)
    _stored(second, alias, second_pk)
    return True


def update(model: type[Model], pk: Any, *, unless_set: str | None = None, **values: Any) -> int:
    """``model.objects.filter(pk=pk).update(**values)`` for plain field values; returns the
    number of rows changed. With ``unless_set``, only while that field is still null."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    if not _direct(model, connection):
        condition = {f"{unless_set}__isnull": True} if unless_set else {}
        return model._default_manager.using(alias).filter(pk=pk, **condition).update(**values)
    meta: Any = model._meta
    quote = connection.ops.quote_name
    fields: list[Any] = [meta.get_field(name) for name in values]
    where = f"{quote(meta.pk.column)} = %s"
    if unless_set:
        where += f" AND {quote(meta.get_field(unless_set).column)} IS NULL"
    sql = "UPDATE {} SET {} WHERE {}".format(
        quote(meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in fields),
        where,
    )
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, meta.pk.get_db_prep_value(pk, connection)])
        return cursor.rowcount


def delete(model: type[Model], pk: Any) -> None:
    """Delete one row that no other row refers to any more: no collector, one DELETE."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    if not _direct(model, connection, pre_delete, post_delete):
        model._default_manager.using(alias).filter(pk=pk).delete()
        return
    meta: Any = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s",
            [meta.pk.get_db_prep_value(pk, connection)],
        )
