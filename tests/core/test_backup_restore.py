"""The backup and restore procedures of docs/deployment.md work (DESIGN §6: a tested restore).

Each test writes data through the services, backs up with the documented command, damages
or replaces the database, restores, and checks the data and the audit hash chain.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from audit.models import AuditEvent
from orgs.models import Unit

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

MIGRATE_AND_CREATE_UNIT = """
from django.core.management import call_command
from orgs.choices import UnitKind
from orgs.services import unit_create
call_command("migrate", verbosity=0)
unit_create(code="BAK-A", name="备份前的集团", kind=UnitKind.GROUP, parent=None)
"""
# What a restore is checked with: the units, then `manage.py verify_audit_chain`.
REPORT_AND_VERIFY = """
from django.core.management import call_command
from orgs.models import Unit
print(sorted(Unit.objects.values_list("code", flat=True)))
call_command("verify_audit_chain")
"""


def manage(*args: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATABASE_URL": database_url,
        "TONGXIN_DATA_DIR": str(data_dir),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def sqlite_backup(source: Path, target: Path) -> None:
    """The documented online backup: sqlite3's backup API, the same as the CLI's ``.backup``."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; s = sqlite3.connect(sys.argv[1]); d = sqlite3.connect(sys.argv[2]); "
            "s.backup(d); d.close(); s.close()",
            str(source),
            str(target),
        ],
        check=True,
        timeout=60,
    )


def test_sqlite_backup_then_restore_brings_back_the_data_and_an_intact_audit_chain(tmp_path):
    db = tmp_path / "tongxin.sqlite3"
    url = f"sqlite:///{db}"
    manage("shell", "--no-imports", "-c", MIGRATE_AND_CREATE_UNIT, database_url=url, data_dir=tmp_path)

    backup = tmp_path / "backup" / "tongxin-20260101.sqlite3"
    backup.parent.mkdir()
    sqlite_backup(db, backup)
    # The database is lost (with its WAL files); restore, server stopped: copy the backup into place.
    for path in tmp_path.glob("tongxin.sqlite3*"):
        path.unlink()
    db.write_bytes(backup.read_bytes())

    report = manage(
        "shell", "--no-imports", "-c", REPORT_AND_VERIFY, database_url=url, data_dir=tmp_path
    ).stdout
    assert report.splitlines() == ["['BAK-A']", "审计链完整"]
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_pg_dump_then_pg_restore_into_a_new_database_brings_back_the_data(tmp_path, make_unit_tree):
    tree = make_unit_tree()
    units = sorted(Unit.objects.values_list("code", flat=True))
    assert tree.group.code in units
    assert AuditEvent.objects.filter(action="unit.create").count() == len(units)

    params = connection.settings_dict
    password = f":{quote(params['PASSWORD'], safe='')}" if params.get("PASSWORD") else ""
    base = f"postgres://{params['USER']}{password}@{params['HOST']}:{params['PORT']}"
    source_url = f"{base}/{params['NAME']}"
    target_url = f"{base}/{params['NAME']}_restored"
    dump = tmp_path / "tongxin-20260101.dump"

    def run(*command: str) -> None:
        subprocess.run(command, check=True, timeout=300, capture_output=True)

    # The documented commands: a custom-format dump, restored into a new, empty database.
    run(str(PG_BIN / "pg_dump"), "--format=custom", f"--file={dump}", source_url)
    run(str(PG_BIN / "createdb"), f"--maintenance-db={source_url}", f"{params['NAME']}_restored")
    try:
        run(str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={target_url}", str(dump))
        report = manage(
            "shell", "--no-imports", "-c", REPORT_AND_VERIFY, database_url=target_url, data_dir=tmp_path
        ).stdout
    finally:
        run(str(PG_BIN / "dropdb"), f"--maintenance-db={source_url}", f"{params['NAME']}_restored")

    assert report.splitlines() == [str(units), "审计链完整"]
