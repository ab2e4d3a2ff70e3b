"""Plain multi-row INSERT/UPDATE for the import's hot path (``cursor.executemany``).

Django's ``bulk_create`` spends most of its time preparing each value of each object through
the field machinery; at 100k petitions × ~45 columns plus ~450k events that alone is minutes
on a small machine. Here each column gets its adapter once (the same ``connection.ops``
adapters Django uses: datetimes, JSON, UUIDs) and the rows go to the driver as tuples.
SQLite and PostgreSQL both take the same statements.
"""

from __future__ import annotations

import contextlib
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from django.db import connection, models


@contextlib.contextmanager
def bulk_session(cache_mib: int = 64, checkpoint_pages: int = 20_000) -> Iterator[None]:
    """On SQLite, while a big import runs: a bigger page cache (the petition table has ~20
    indexes; with the default 2 MiB cache their pages are read again and again) and fewer,
    larger WAL checkpoints (each one syncs the database file). Measured on 100k ledger rows
    under the same load: job 54.6 s → 37.8 s (cache), 49.7 s → 35.0 s (checkpoints).
    Both are restored afterwards; PostgreSQL needs neither."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_before = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        checkpoint_before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * int(cache_mib)}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_before)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_before)}")


class Record(dict):
    """A row under construction: a dict of column attnames, readable as attributes."""

    __getattr__ = dict.__getitem__
    __setattr__ = dict.__setitem__


class RowTemplate:
    """Fresh rows of ``model`` with every column at its default (callables called per row),
    auto_now/auto_now_add columns at ``now``; no model instance is built."""

    def __init__(self, model: type[models.Model], now: datetime) -> None:
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.static: dict[str, object] = {}
        self.dynamic: list[tuple[str, Callable]] = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.static[f.attname] = now
            elif f.has_default() and callable(f.default):
                self.dynamic.append((f.attname, f.default))
            else:
                self.static[f.attname] = f.get_default()
        self._getter = operator.itemgetter(*(f.attname for f in self.fields))

    def new(self, **values) -> Record:
        row = Record(self.static)
        for name, make in self.dynamic:
            row[name] = make()
        row.update(values)
        return row

    def values(self, row: Record) -> tuple:
        return self._getter(row)


def _sqlite_datetime(ops) -> Callable:
    """SQLite's adapter (naive UTC text), memoised: a ledger has a few thousand distinct days."""
    cache: dict[datetime, str] = {}

    def adapt(value):
        if value is None:
            return None
        text = cache.get(value)
        if text is None:
            if value.tzinfo is None:
                return ops.adapt_datetimefield_value(value)
            if len(cache) > 200_000:
                cache.clear()
            text = cache[value] = str(value.astimezone(UTC).replace(tzinfo=None))
        return text

    return adapt


def _adapter(field: models.Field) -> Callable:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite" and connection.timezone == UTC:
            return _sqlite_datetime(ops)
        return ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        if connection.vendor == "sqlite":
            # Plain JSON values (dicts of str/int/bool/None/lists) need no encoder class: the
            # same text as Django's adapter, without building an encoder per value.
            def adapt_json(value):
                try:
                    return json.dumps(value)
                except TypeError:
                    return ops.adapt_json_value(value, encoder)

            return adapt_json
        return lambda value: ops.adapt_json_value(value, encoder)
    if isinstance(field, models.UUIDField):
        return lambda value: field.get_db_prep_value(value, connection, prepared=False)
    return lambda value: value


class Table:
    """INSERT of rows given as tuples of Python values in ``fields`` order (field names, or
    the fields themselves)."""

    def __init__(self, model: type[models.Model], fields: Sequence, *, ready: Sequence[str] = ()) -> None:
        """``ready``: columns whose values come already in database form (e.g. JSON text)."""
        meta = model._meta
        self.fields = [meta.get_field(f) if isinstance(f, str) else f for f in fields]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # nosec B608
        self.copy_sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        # Only datetimes, JSON and UUIDs need adapting; every other value goes as it is.
        self.adapters = [
            (i, _adapter(f)) for i, f in enumerate(self.fields)
            if isinstance(f, (models.DateTimeField, models.JSONField, models.UUIDField)) and f.name not in ready
        ]

    def insert(self, rows: Iterable[Sequence]) -> None:
        adapters = self.adapters
        params = []
        for row in rows:
            values = list(row)
            if len(values) != len(self.fields):
                raise ValueError(f"{len(values)} values for {len(self.fields)} columns")
            for i, adapt in adapters:
                values[i] = adapt(values[i])
            params.append(values)
        if not params:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY: one stream instead of a statement per row (psycopg 3 adapts the values);
                # the driver's errors become Django's (IntegrityError …) as for any statement.
                with connection.wrap_database_errors, cursor.cursor.copy(self.copy_sql) as copy:
                    for values in params:
                        copy.write_row(values)
            else:
                cursor.executemany(self.sql, params)


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """Primary keys for ``count`` new rows, drawn before the insert (inside the caller's
    transaction), so that rows depending on them — the events' hashes include the petition's
    key — are computed first and nothing is updated afterwards. None: not supported here.

    PostgreSQL: from the column's sequence. SQLite: the writer holds the database's write lock
    for the whole transaction (BEGIN IMMEDIATE), so the next keys after the largest one used
    (sqlite_sequence keeps it for AUTOINCREMENT tables) are ours."""
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, count])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            table, pk = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
            cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")  # nosec B608
            last = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
            row = cursor.fetchone()
            last = max(last, row[0] if row else 0)
            return list(range(last + 1, last + 1 + count))
    return None


def update_many(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """UPDATE … SET fields … WHERE pk = last value of each row."""
    meta = model._meta
    quote = connection.ops.quote_name
    resolved = [meta.get_field(name) for name in fields]
    adapters = [_adapter(f) for f in resolved] + [lambda v: v]
    params = [tuple(adapt(v) for adapt, v in zip(adapters, row, strict=True)) for row in rows]
    if not params:
        return
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per thousand rows: UPDATE … FROM (VALUES …) joined on the key.
            names = [f"c{i}" for i in range(len(resolved))]
            sets = ", ".join(f"{quote(f.column)} = v.{n}::{f.db_type(connection)}" for f, n in zip(resolved, names, strict=True))
            for start in range(0, len(params), 1000):
                batch = params[start:start + 1000]
                marks = ", ".join(["(" + ", ".join(["%s"] * (len(resolved) + 1)) + ")"] * len(batch))
                sql = (f"UPDATE {table} SET {sets} FROM (VALUES {marks}) AS v({', '.join(names)}, pk) "  # nosec B608
                       f"WHERE {table}.{pk} = v.pk::bigint")
                cursor.execute(sql, [value for row in batch for value in row])
        else:
            sets = ", ".join(f"{quote(f.column)} = %s" for f in resolved)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", params)  # nosec B608
