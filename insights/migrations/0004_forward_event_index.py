"""Forwarding decisions are counted from the FORWARDED events (insights.kpi, family "forward"):
a partial index of those events by time — on PostgreSQL covering the columns the count reads, so
it is an index-only scan over a few percent of the event table."""

from django.db import migrations

NAME = "petition_event_forward_at_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON petitions_petitionevent (at) "
            "INCLUDE (id, petition_id, data) WHERE kind = 'forwarded'"
        )
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON petitions_petitionevent (at) WHERE kind = 'forwarded'"
        )


def backwards(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("insights", "0003_petition_kpi_covering_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
