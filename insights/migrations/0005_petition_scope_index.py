"""PostgreSQL: forwarding decisions are counted from events, each checked against the scope of
``visible_to`` on its petition. A covering index of the petition's id with the columns that
scope reads makes that check an index-only look-up instead of a fetch of the 760-byte row:
measured at a million petitions, 282 → 149 ms for a year of forwards (about 100 MB).
SQLite: nothing (its rows are read by rowid)."""

from django.db import migrations

NAME = "petition_kpi_scope_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON petitions_petition (id) INCLUDE "
            "(unit_id, handling_unit_id, petitioner_id, handler_id, leader_id, accused_user_id, accused_unit_id, "
            "ptype, category, channel)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("insights", "0004_forward_event_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
