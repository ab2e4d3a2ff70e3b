"""PostgreSQL: the KPI date indexes of 0002 become covering indexes (INCLUDE), so a family's
grouped count is an index-only scan — the scope columns of visible_to, the grouping columns and
the family's own facts are in the index, the 760-byte petition rows are not read. Measured at a
million petitions: 80 → 40 ms for two months of one family, 315 → 165 ms for twelve
(docs/kpi.md). About 130 MB per index at that size.

SQLite has no INCLUDE: it keeps the plain indexes of 0002.
"""

from django.db import migrations

# Read by visible_to (scope), the page filters and groupings, and every family.
COMMON = ("id, unit_id, handling_unit_id, petitioner_id, handler_id, leader_id, accused_user_id, "
          "accused_unit_id, ptype, category, channel, state")

# plain index of 0002 → (covering index, key, family columns, partial condition)
COVERING = {
    "petition_kpi_received_idx": ("petition_kpi_received_cov", "received_at", "flags", ""),
    "petition_kpi_acc_due_idx": ("petition_kpi_acc_due_cov", "acceptance_due_at", "accepted_at, closed_at",
                                 "acceptance_due_at IS NOT NULL"),
    "petition_kpi_accepted_idx": ("petition_kpi_accepted_cov", "accepted_at", "received_at",
                                  "accepted_at IS NOT NULL"),
    "petition_kpi_hand_due_idx": ("petition_kpi_hand_due_cov", "handling_due_at", "replied_at",
                                  "handling_due_at IS NOT NULL"),
    "petition_kpi_replied_idx": ("petition_kpi_replied_cov", "replied_at", "rated_at, rating, accepted_at",
                                 "replied_at IS NOT NULL"),
}
PLAIN = {
    "petition_kpi_received_idx": ("received_at", ""),
    "petition_kpi_acc_due_idx": ("acceptance_due_at", "acceptance_due_at IS NOT NULL"),
    "petition_kpi_accepted_idx": ("accepted_at", "accepted_at IS NOT NULL"),
    "petition_kpi_hand_due_idx": ("handling_due_at", "handling_due_at IS NOT NULL"),
    "petition_kpi_replied_idx": ("replied_at", "replied_at IS NOT NULL"),
}


def _where(condition: str) -> str:
    return f" WHERE {condition}" if condition else ""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for plain, (name, key, own, condition) in COVERING.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON petitions_petition ({key}) "
            f"INCLUDE ({COMMON}, {own}){_where(condition)}"
        )
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {plain}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for plain, (name, _key, _own, _condition) in COVERING.items():
        key, condition = PLAIN[plain]
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {plain} ON petitions_petition ({key}){_where(condition)}"
        )
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("insights", "0002_petition_kpi_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
