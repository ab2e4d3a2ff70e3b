"""A scope's petition ids from indexes alone (petitions.selectors.beyond_units_ids, used by
search on PostgreSQL): (unit, ptype, id) — ptype for the 纪检 part, a subtree's accusations —
and (handling_unit, unit, id) — unit to pass over the petitions a desk's units registered
themselves (petitions.selectors.beyond_units_ids). Built concurrently on PostgreSQL (the
table stays writable while a million rows are indexed), plainly on SQLite; declared in the model's
Meta so that Django's state knows them."""

from django.db import migrations, models

INDEXES = {"petition_unit_ptype_id_idx": "unit_id, ptype, id", "petition_hunit_unit_id_idx": "handling_unit_id, unit_id, id"}


def forwards(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON petitions_petition ({columns})")


def backwards(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("petitions", "0002_api_token"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="petition",
                    index=models.Index(fields=["unit", "ptype", "id"], name="petition_unit_ptype_id_idx"),
                ),
                migrations.AddIndex(
                    model_name="petition",
                    index=models.Index(fields=["handling_unit", "unit", "id"], name="petition_hunit_unit_id_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
        ),
    ]
