"""Full-text index of TriageDoc.grams (SQLite FTS5 external-content table; PostgreSQL GIN on
to_tsvector('simple', grams)) and the default screening rules."""

from django.db import migrations

FTS_SQLITE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS triage_fts USING fts5("
    "grams, content='triage_triagedoc', content_rowid='petition_id', columnsize=0)"
)
GIN_PG = "CREATE INDEX IF NOT EXISTS triage_doc_tsv_idx ON triage_triagedoc USING gin (to_tsvector('simple'::regconfig, grams))"


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(FTS_SQLITE)
    elif vendor == "postgresql":
        schema_editor.execute(GIN_PG)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS triage_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS triage_doc_tsv_idx")


def load_rules(apps, schema_editor):
    from tongxin.lib.zhtext.default_rules import DEFAULT_RULES

    RiskRule = apps.get_model("triage", "RiskRule")
    for data in DEFAULT_RULES:
        RiskRule.objects.get_or_create(code=data["code"], defaults={
            "label": data["label"], "kind": data.get("kind", "risk"), "flag": data.get("flag", ""),
            "level": data.get("level", "low"), "patterns": data["patterns"], "exclude": data.get("exclude", []),
            "negatable": data.get("negatable", True), "min_number": data.get("min_number"),
        })


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(load_rules, migrations.RunPython.noop),
    ]
