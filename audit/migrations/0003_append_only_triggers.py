"""On PostgreSQL, triggers refuse UPDATE and DELETE on the event tables (append-only).

The audit log, the petitions' event log and the audit archive checkpoints. The only DELETE
let through is ``purge_audit`` archiving audit rows older than 180 days (the statutory floor
of 网络安全法第二十一条), which it announces with ``SET LOCAL tongxin.audit_purge = 'on'``.
On SQLite there are no triggers: the models refuse, the hash chains detect.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION tongxin_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_auditevent'
       AND current_setting('tongxin.audit_purge', true) = 'on'
       AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'tongxin: % on % is refused: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""
TABLES = ("audit_auditevent", "petitions_petitionevent", "audit_auditcheckpoint")


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)  # no placeholders: RAISE uses % itself
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION tongxin_append_only()"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS tongxin_append_only()")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_origin_and_checkpoint"),
        ("petitions", "0002_api_token"),
    ]

    operations = [migrations.RunPython(install, remove, elidable=False)]
