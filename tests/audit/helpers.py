"""Tampering with the event tables behind the platform's back, as a database owner could.

On PostgreSQL the append-only triggers refuse UPDATE and DELETE; an owner can switch them
off first, which is what ``tampering()`` does (inside the test's transaction, so the switch
is rolled back with everything else). The hash chains must catch what the triggers let by.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

TRIGGERS = {
    "audit_auditevent": "audit_auditevent_append_only",
    "petitions_petitionevent": "petitions_petitionevent_append_only",
    "audit_auditcheckpoint": "audit_auditcheckpoint_append_only",
}


@contextmanager
def tampering() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    _switch("DISABLE")
    try:
        yield
    finally:
        _switch("ENABLE")


def _switch(what: str) -> None:
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred: their pending checks would block ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in TRIGGERS.items():
            cursor.execute(f"ALTER TABLE {table} {what} TRIGGER {trigger}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def make_gap(table: str, size: int = 10) -> None:
    """Skip ids, as a rolled-back insert does on PostgreSQL: room for an inserted row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT MAX(id) FROM {table}) + {size})")
        else:
            cursor.execute("UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s", [size, table])
