"""Bulk writes of benchmark rows: COPY on PostgreSQL (psycopg ``cursor.copy``), ``executemany`` on
SQLite, with explicit ids; then sequences reset and statistics gathered.

Imports only Django, so both tongxin's generator and the django-helpdesk harness (another
virtual environment, another Django project) use it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime


class Writer:
    """Insert rows given as dicts keyed by attname; missing fields get the field's default."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self._plans: dict = {}

    def _plan(self, model):
        plan = self._plans.get(model)
        if plan is not None:
            return plan
        from django.db import models

        def json_text(v):
            return v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)

        def sqlite_datetime(v):  # how Django's SQLite backend stores an aware datetime: naive UTC text
            return str(v.astimezone(UTC).replace(tzinfo=None)) if isinstance(v, datetime) else v

        def sqlite_uuid(v):
            return v.hex if v is not None and not isinstance(v, str) else v

        fields = list(model._meta.concrete_fields)
        convert = []
        for f in fields:
            if isinstance(f, models.JSONField):
                convert.append(json_text)
            elif self.vendor == "sqlite" and isinstance(f, models.DateTimeField):
                convert.append(sqlite_datetime)
            elif self.vendor == "sqlite" and isinstance(f, models.UUIDField):
                convert.append(sqlite_uuid)
            else:
                convert.append(None)
        defaults = {f.attname: f.get_default() for f in fields}
        plan = self._plans[model] = (fields, convert, defaults)
        return plan

    def insert(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        fields, convert, defaults = self._plan(model)
        names = [f.attname for f in fields]
        missing = [n for n in names if n not in rows[0]]
        qn = self.connection.ops.quote_name
        table = qn(model._meta.db_table)
        columns = ", ".join(qn(f.column) for f in fields)
        pairs = list(zip(names, convert, strict=True))

        def tuples():
            for row in rows:
                for n in missing:
                    row.setdefault(n, defaults[n])
                yield tuple(row[n] if c is None else c(row[n]) for n, c in pairs)

        if self.vendor == "postgresql":
            with self.connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in tuples():
                    copy.write_row(values)
        else:
            self.connection.ensure_connection()
            marks = ", ".join("?" for _ in fields)
            self.connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuples())

    def tune(self) -> None:
        """A larger page cache for the index inserts of a long SQLite load."""
        if self.vendor == "sqlite":
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size=-262144")  # 256 MB

    def finish(self, models: list) -> None:
        """Sequences past the explicit ids (PostgreSQL); planner statistics on both, and on
        PostgreSQL the visibility map too (VACUUM), as autovacuum would have left a live database."""
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
                vacuum = "ANALYZE" if self.connection.in_atomic_block else "VACUUM (ANALYZE)"  # none in a transaction
                for model in models:
                    cursor.execute(f"{vacuum} {self.connection.ops.quote_name(model._meta.db_table)}")
            else:
                cursor.execute("ANALYZE")
