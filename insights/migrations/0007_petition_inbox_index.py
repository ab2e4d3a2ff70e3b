"""The officer's inbox (petitions.selectors.inbox, and its counters core.dashboard.inbox_counts):
open matters by deadline. A partial index of the open petitions in (due_at, id) order lets the
first page of 25 be read in order and stop there, instead of sorting every open matter of the
scope; on PostgreSQL it covers the columns the scope and the counters test, so counting the
open matters is an index-only scan. (Raw SQL on the petitions table, like 0002–0005: the
index belongs to these reads.)"""

from django.db import migrations

NAME = "petition_inbox_idx"
OPEN = "('accepted', 'handling', 'registered', 'reviewing', 'rereviewing')"
COVERED = ("state, unit_id, handling_unit_id, petitioner_id, handler_id, leader_id, accused_user_id, "
           "accused_unit_id, ptype, category, channel")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON petitions_petition (due_at, id) "
            f"INCLUDE ({COVERED}) WHERE state IN {OPEN}"
        )
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON petitions_petition (due_at, id) WHERE state IN {OPEN}")


def backwards(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("insights", "0006_month_rollup")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
