"""Plain multi-row INSERT/UPDATE for the import's hot path (``cursor.executemany``).

Django's ``bulk_create`` spends most of its time preparing each value of each object through
the field machinery; at 100k petitions × ~45 columns plus ~450k events that alone is minutes
on a small machine. Here each column gets its adapter once (the same ``connection.ops``
adapters Django uses: datetimes, JSON, UUIDs) and the rows go to the driver as tuples.
SQLite and PostgreSQL both take the same statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from django.db import connection, models


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

    def new(self, **values) -> Record:
        row = Record(self.static)
        for name, make in self.dynamic:
            row[name] = make()
        row.update(values)
        return row

    def values(self, row: Record) -> tuple:
        return tuple(row[f.attname] for f in self.fields)


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
        return lambda value: ops.adapt_json_value(value, encoder)
    if isinstance(field, models.UUIDField):
        return lambda value: field.get_db_prep_value(value, connection, prepared=False)
    return lambda value: value


class Table:
    """INSERT of rows given as tuples of Python values in ``fields`` order (field names, or
    the fields themselves)."""

    def __init__(self, model: type[models.Model], fields: Sequence) -> None:
        meta = model._meta
        self.fields = [meta.get_field(f) if isinstance(f, str) else f for f in fields]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"
        # Only datetimes, JSON and UUIDs need adapting; every other value goes as it is.
        self.adapters = [
            (i, _adapter(f)) for i, f in enumerate(self.fields)
            if isinstance(f, (models.DateTimeField, models.JSONField, models.UUIDField))
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
        if params:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, params)


def update_many(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """UPDATE … SET fields … WHERE pk = last value of each row."""
    meta = model._meta
    quote = connection.ops.quote_name
    resolved = [meta.get_field(name) for name in fields]
    sets = ", ".join(f"{quote(f.column)} = %s" for f in resolved)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s"
    adapters = [_adapter(f) for f in resolved] + [lambda v: v]
    params = [tuple(adapt(v) for adapt, v in zip(adapters, row, strict=True)) for row in rows]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
