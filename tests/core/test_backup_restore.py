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

import pytest
from django.db import connection

from audit.models import AuditEvent
from orgs.models import Unit

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

CREATE_UNIT = """
from orgs.choices import UnitKind
from orgs.services import unit_create
unit_create(code="{code}", name="{name}", kind=UnitKind.GROUP, parent=None)
"""
REPORT = "from orgs.models import Unit; print(sorted(Unit.objects.values_list('code', flat=True)))"


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
    manage("migrate", "--noinput", database_url=url, data_dir=tmp_path)
    manage(
        "shell",
        "--no-imports",
        "-c",
        CREATE_UNIT.format(code="BAK-A", name="备份前的集团"),
        database_url=url,
        data_dir=tmp_path,
    )

    backup = tmp_path / "backup" / "tongxin-20260101.sqlite3"
    backup.parent.mkdir()
    sqlite_backup(db, backup)
    # After the backup: more work, then the database file is lost.
    manage(
        "shell",
        "--no-imports",
        "-c",
        CREATE_UNIT.format(code="BAK-B", name="备份后的集团"),
        database_url=url,
        data_dir=tmp_path,
    )
    for path in tmp_path.glob("tongxin.sqlite3*"):
        path.unlink()

    # Restore (server stopped): copy the backup into place.
    db.write_bytes(backup.read_bytes())

    assert (
        manage("shell", "--no-imports", "-c", REPORT, database_url=url, data_dir=tmp_path).stdout.strip()
        == "['BAK-A']"
    )
    assert "审计链完整" in manage("verify_audit_chain", database_url=url, data_dir=tmp_path).stdout
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_pg_dump_then_pg_restore_into_a_new_database_brings_back_the_data(tmp_path, make_unit_tree):
    tree = make_unit_tree()
    units = sorted(Unit.objects.values_list("code", flat=True))
    events = AuditEvent.objects.count()
    assert tree.group.code in units and events >= len(units)

    params = connection.settings_dict
    base = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}"
    source_url = f"{base}/{params['NAME']}"
    target_url = f"{base}/{params['NAME']}_restored"
    dump = tmp_path / "tongxin-20260101.dump"

    def run(*command: str) -> None:
        env = {**os.environ, "PGPASSWORD": params.get("PASSWORD") or ""}
        subprocess.run(command, check=True, timeout=300, env=env, capture_output=True)

    # The documented commands: a custom-format dump, restored into a new, empty database.
    run(str(PG_BIN / "pg_dump"), "--format=custom", f"--file={dump}", source_url)
    run(str(PG_BIN / "createdb"), f"--maintenance-db={source_url}", f"{params['NAME']}_restored")
    try:
        run(str(PG_BIN / "pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={target_url}", str(dump))
        restored = manage(
            "shell", "--no-imports", "-c", REPORT, database_url=target_url, data_dir=tmp_path
        ).stdout.strip()
        verified = manage("verify_audit_chain", database_url=target_url, data_dir=tmp_path).stdout
    finally:
        run(str(PG_BIN / "dropdb"), f"--maintenance-db={source_url}", f"{params['NAME']}_restored")

    assert restored == str(units)
    assert "审计链完整" in verified
