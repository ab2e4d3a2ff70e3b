"""A backup restored into an empty database is the same database: the same number of rows in
every table, and verify_audit finds every chain intact and equal to the heads exported
outside the database. A restore from an older backup is flagged by the newer heads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from audit.heads import export_heads
from tests.core.test_backup_restore import sqlite_backup

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

# Records of every kind the audit covers: units, people, roles, a petition and its events, a
# reveal with its origin; then the heads exported to DATA_DIR/audit-heads.
SEED = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.audit.test_backup_verify import seed
seed()
"""
MORE = """
from audit.services import audit_record
from audit.heads import export_heads
audit_record(actor=None, action="test.after_backup", target=None)
export_heads()
"""
REPORT = """
import json
from django.apps import apps
from django.core.management import call_command
from django.db import connection
counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
triggers = []
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%append_only' ORDER BY tgname")
        triggers = [row[0] for row in cursor.fetchall()]
print(json.dumps({"counts": counts, "triggers": triggers}))
call_command("verify_audit", "--heads")
"""


def seed() -> None:
    """Write through the services, as the platform does (also called in-process on PostgreSQL)."""
    from django.utils import timezone

    from audit.heads import export_heads
    from audit.middleware import audit_origin
    from orgs.choices import Role, UnitKind
    from orgs.models import User
    from orgs.services import person_create, role_grant, unit_create
    from petitions.choices import Category
    from petitions.identity import Identity
    from petitions.intake import PetitionDraft, petition_submit
    from petitions.reveal import identity_reveal
    from petitions.rules import Actor
    from petitions.workflow import petition_accept

    admin = User.objects.create_superuser("BAK0001", "系统管理员", "Tongxin@2026")
    with audit_origin(ip="10.8.0.15", user_agent="backup test"):
        group = unit_create(code="BAK-G", name="集团", kind=UnitKind.GROUP, parent=None, acting_user=admin)
        mine = unit_create(code="BAK-M", name="塔山矿", kind=UnitKind.MINE, parent=group, acting_user=admin)
        employee = person_create(acting_user=admin, employee_no="BAKZ1", name="王建国", home_unit=mine)
        officer = person_create(acting_user=admin, employee_no="BAKX1", name="李秀英", home_unit=mine)
        role_grant(acting_user=admin, user=officer, unit=mine, role=Role.PETITION_OFFICER)
        officer.forget_roles()
        for n in range(3):
            p = petition_submit(petitioner=employee, now=timezone.now(), draft=PetitionDraft(
                title=f"十月绩效工资少发（{n}）", content="十月份绩效工资比上月少发了八百元，请求核实补发。",
                category=Category.WAGES, unit=mine, identity=Identity()))
            petition_accept(petition=p.petition, actor=Actor(user=officer))
        identity_reveal(petition=p.petition, acting_user=officer, reason="电话联系信访人核实情况")
    export_heads()


def manage_shell(code: str, *, database_url: str, data_dir: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
        "DATABASE_URL": database_url, "TONGXIN_DATA_DIR": str(data_dir),
    }
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    if check:
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return result


def report(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout.splitlines()[0])


def test_sqlite_restore_into_an_empty_database_is_identical_and_verifies(tmp_path):
    source = tmp_path / "tongxin.sqlite3"
    before = manage_shell(SEED + REPORT, database_url=f"sqlite:///{source}", data_dir=tmp_path)

    backup = tmp_path / "backup" / "tongxin-20260101.sqlite3"
    backup.parent.mkdir()
    sqlite_backup(source, backup)
    restored = tmp_path / "restored" / "tongxin.sqlite3"  # a new, empty place
    restored.parent.mkdir()
    restored.write_bytes(backup.read_bytes())

    after = manage_shell(REPORT, database_url=f"sqlite:///{restored}", data_dir=tmp_path)
    assert report(after)["counts"] == report(before)["counts"]
    counts = report(after)["counts"]
    assert counts["petitions.Petition"] == 3 and counts["audit.AuditEvent"] >= 6 and counts["petitions.PetitionEvent"] >= 6  # + triage's repeat links
    assert "审计链完整" in after.stdout and "导出的链头一致" in after.stdout

    # Work goes on in the lost database and its heads are exported; then the old backup is
    # restored: the heads say what is missing.
    manage_shell(MORE, database_url=f"sqlite:///{source}", data_dir=tmp_path)
    stale = manage_shell(REPORT, database_url=f"sqlite:///{restored}", data_dir=tmp_path, check=False)
    assert stale.returncode != 0
    assert "导出的链头已不存在（末尾记录被删除" in stale.stderr


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_pg_restore_into_an_empty_database_is_identical_and_verifies(tmp_path, settings):
    settings.AUDIT_HEAD_EXPORT_DIR = tmp_path / "audit-heads"
    seed()
    export_heads()
    params = connection.settings_dict
    password = f":{quote(params['PASSWORD'], safe='')}" if params.get("PASSWORD") else ""
    base = f"postgres://{params['USER']}{password}@{params['HOST']}:{params['PORT']}"
    source_url, name = f"{base}/{params['NAME']}", f"{params['NAME']}_verify"
    dump = tmp_path / "tongxin.dump"

    def run(*command: str) -> None:
        subprocess.run(command, check=True, timeout=300, capture_output=True)

    before = manage_shell(REPORT, database_url=source_url, data_dir=tmp_path)
    run(str(PG_BIN / "pg_dump"), "--format=custom", f"--file={dump}", source_url)
    run(str(PG_BIN / "createdb"), f"--maintenance-db={source_url}", name)
    try:
        run(str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={base}/{name}", str(dump))
        after = manage_shell(REPORT, database_url=f"{base}/{name}", data_dir=tmp_path)
    finally:
        run(str(PG_BIN / "dropdb"), f"--maintenance-db={source_url}", name)
    assert report(after)["counts"] == report(before)["counts"]
    assert report(after)["triggers"] == [
        "audit_auditcheckpoint_append_only", "audit_auditevent_append_only", "petitions_petitionevent_append_only",
    ]
    assert "审计链完整" in after.stdout and "导出的链头一致" in after.stdout
