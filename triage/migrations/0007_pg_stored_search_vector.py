"""PostgreSQL: the search document's tsvector stored in a generated column with its GIN index,
instead of a GIN index on the expression. A phrase query (a 3- or 4-character term is a phrase of
bigrams) must recheck every candidate row: against the expression that meant computing the
tsvector of the row's whole text again; against the column it is read. It also lets search walk
the newest petitions first with a cheap check per row (triage.index.newest_matches). SQLite keeps
its FTS5 table; nothing changes there."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE triage_triagedoc ADD COLUMN IF NOT EXISTS search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, grams)) STORED",
    "CREATE INDEX IF NOT EXISTS triage_doc_search_tsv_idx ON triage_triagedoc USING gin (search_tsv)",
    "DROP INDEX IF EXISTS triage_doc_tsv_idx",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS triage_doc_tsv_idx ON triage_triagedoc USING gin (to_tsvector('simple'::regconfig, grams))",
    "DROP INDEX IF EXISTS triage_doc_search_tsv_idx",
    "ALTER TABLE triage_triagedoc DROP COLUMN IF EXISTS search_tsv",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("triage", "0006_default_rules_round_five")]
    operations = [migrations.RunPython(forward, backward)]
