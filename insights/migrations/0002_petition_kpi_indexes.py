"""Indexes on petitions_petition for the KPI engine (insights.kpi): each family of facts is
selected by a range of one stored date column. They belong to the queries here, so they are
created here (raw SQL on another app's table; docs/kpi.md lists them).

On PostgreSQL they are built CONCURRENTLY (no write lock on a table of a million rows), which
needs a migration outside a transaction.
"""

from django.db import migrations

OPEN = "('registered', 'accepted', 'handling', 'reviewing', 'rereviewing')"

# name, columns, partial condition — and the query each serves.
INDEXES = [
    # received family: 信访总量, 重复, 集体, 越级 by received_at.
    ("petition_kpi_received_idx", "received_at", ""),
    # acceptance family: decisions due in a period, by acceptance_due_at.
    ("petition_kpi_acc_due_idx", "acceptance_due_at", "acceptance_due_at IS NOT NULL"),
    # accepted family: average days to accept, by accepted_at.
    ("petition_kpi_accepted_idx", "accepted_at", "accepted_at IS NOT NULL"),
    # handling family: replies due in a period (extension included), by handling_due_at.
    ("petition_kpi_hand_due_idx", "handling_due_at", "handling_due_at IS NOT NULL"),
    # reply family: 参评率, 满意率, 复查率… by replied_at.
    ("petition_kpi_replied_idx", "replied_at", "replied_at IS NOT NULL"),
    # snapshot: high-risk open matters (overdue ones use petition_due_idx).
    ("petition_kpi_open_risk_idx", "risk_level, due_at", f"state IN {OPEN}"),
]


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, columns, condition in INDEXES:
        where = f" WHERE {condition}" if condition else ""
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON petitions_petition ({columns}){where}"
        )


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, _columns, _condition in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("insights", "0001_initial"),
        ("petitions", "0002_api_token"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
