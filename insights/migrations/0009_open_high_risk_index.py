"""The snapshot's high-risk open matters (insights.kpi: open AND (overdue OR high risk)) get a
partial index of exactly those rows, replacing petition_kpi_open_risk_idx (risk_level, due_at)
WHERE open. That one's condition was the inbox's own state filter: PostgreSQL then offered it to
every inbox query as a bitmap of "the open petitions", ANDed it with the (state, received_at)
index and counted the state's selectivity twice (1,850 rows estimated for 42,000), and once the
statistics tipped that way a mine officer's inbox counters read 42,000 rows instead of the
inbox index alone (7 ms → 40–55 ms at 1M petitions; docs/performance.md)."""

from django.db import migrations

OPEN = "('registered', 'accepted', 'handling', 'reviewing', 'rereviewing')"
NEW = "petition_kpi_open_high_risk_idx"
OLD = "petition_kpi_open_risk_idx"


def forwards(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {NEW} ON petitions_petition (due_at) "
                          f"WHERE state IN {OPEN} AND risk_level = 'high'")
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {OLD}")


def backwards(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {OLD} ON petitions_petition (risk_level, due_at) "
                          f"WHERE state IN {OPEN}")
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {NEW}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("insights", "0008_rollup_audit_watermark")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
