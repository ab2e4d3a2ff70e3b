"""Search within a scope's units on PostgreSQL: one GIN index over (unit_id, search_tsv)
(btree_gin, a trusted contrib extension) answers "these units' petitions matching this term" from
the index alone — the posting lists of the units and of the term's bigrams intersected — where a
mine's officer's search otherwise reads thousands of rows (docs/triage.md, "How a page is found").

The index row's unit is the petition's 受理单位: a trigger on both databases keeps it so when a
petition is forwarded (转送, the only change of unit), in the same transaction; stale rows from
before are corrected here. (A future migration that makes SQLite rebuild the petitions table drops
the trigger: tests/triage/test_search_walk.py forwards a petition and checks the index row.)"""

from django.db import migrations

INDEX = "triage_doc_unit_search_idx"
INDEX_SQL = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON triage_triagedoc USING gin (unit_id, search_tsv)"
FOLLOW = """UPDATE triage_triagedoc SET unit_id = (SELECT unit_id FROM petitions_petition p WHERE p.id = petition_id)
WHERE unit_id IS NULL OR unit_id <> (SELECT unit_id FROM petitions_petition p WHERE p.id = petition_id)"""

PG_TRIGGER = [
    """CREATE OR REPLACE FUNCTION triage_doc_follow_unit() RETURNS trigger AS $$
BEGIN
    UPDATE triage_triagedoc SET unit_id = NEW.unit_id WHERE petition_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS triage_doc_follow_unit ON petitions_petition",
    """CREATE TRIGGER triage_doc_follow_unit AFTER UPDATE OF unit_id ON petitions_petition
    FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id) EXECUTE FUNCTION triage_doc_follow_unit()""",
]
SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS triage_doc_follow_unit AFTER UPDATE OF unit_id ON petitions_petition
    FOR EACH ROW WHEN OLD.unit_id IS NOT NEW.unit_id
BEGIN
    UPDATE triage_triagedoc SET unit_id = NEW.unit_id WHERE petition_id = NEW.id;
END
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        for statement in PG_TRIGGER:
            schema_editor.execute(statement)
        schema_editor.execute(FOLLOW)
        schema_editor.execute(INDEX_SQL)
    else:
        schema_editor.execute(SQLITE_TRIGGER)
        schema_editor.execute(FOLLOW)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
        schema_editor.execute("DROP TRIGGER IF EXISTS triage_doc_follow_unit ON petitions_petition")
        schema_editor.execute("DROP FUNCTION IF EXISTS triage_doc_follow_unit()")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS triage_doc_follow_unit")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("triage", "0007_pg_stored_search_vector"), ("petitions", "0003_scope_id_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
