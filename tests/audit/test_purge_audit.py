"""Audit retention: nothing younger than AUDIT_RETENTION_DAYS (≥ 180) is ever deleted; older
rows may be archived to a file, and the chain stays verifiable through a checkpoint."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from audit.models import AuditCheckpoint, AuditEvent
from audit.retention import purge_audit
from audit.services import audit_record, audit_verify
from core.errors import InvalidInput
from tests.audit.helpers import tampering

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def aged(db, audit_dirs):
    """Four rows written 400 days ago, two 250 days ago, two today."""
    now = timezone.now()
    for days, count in ((400, 4), (250, 2), (0, 2)):
        with time_machine.travel(now - timedelta(days=days), tick=False):
            for n in range(count):
                audit_record(actor=None, action="test.event", target=None, data={"age": days, "n": n})
    return list(AuditEvent.objects.order_by("id"))


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_audit", *args, stdout=out)
    return out.getvalue()


def test_the_retention_default_is_190_days(settings):
    assert settings.AUDIT_RETENTION_DAYS == 190


def test_a_retention_below_180_days_stops_start_up():
    env = {**os.environ, "AUDIT_RETENTION_DAYS": "179", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.INSTALLED_APPS"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode != 0
    assert "ConfigError: AUDIT_RETENTION_DAYS must be ≥ 180" in result.stderr


def test_rows_older_than_the_retention_are_archived_and_the_chain_still_verifies(aged, audit_dirs):
    out = purge()
    old, kept = aged[:6], aged[6:]
    assert f"已归档审计记录 #{old[0].pk}–#{old[-1].pk}，共 6 条" in out
    remaining = list(AuditEvent.objects.order_by("id").values_list("pk", flat=True))
    assert remaining[:2] == [r.pk for r in kept] and len(remaining) == 3
    purged = AuditEvent.objects.order_by("id").last()
    assert purged.action == "audit.purged" and purged.data["rows"] == 6
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.from_id, checkpoint.upto_id, checkpoint.upto_hash) == (old[0].pk, old[-1].pk, old[-1].hash)
    lines = (audit_dirs / "archive" / checkpoint.archive_name).read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines[1:]] == [r.pk for r in old]
    assert audit_verify() == []
    verified = io.StringIO()
    call_command("verify_audit", stdout=verified)
    assert verified.getvalue().startswith("审计链完整")


def test_rows_inside_the_retention_are_never_touched(aged, audit_dirs, settings):
    settings.AUDIT_RETENTION_DAYS = 500
    assert "没有早于" in purge()
    assert AuditEvent.objects.count() == len(aged)
    with pytest.raises(CommandError, match="审计记录保存期为 500 天，不能删除 250 天内的记录"):
        purge("--older-than-days", "250")
    with pytest.raises(InvalidInput):
        purge_audit(older_than_days=100)
    assert AuditEvent.objects.count() == len(aged) and not AuditCheckpoint.objects.exists()


def test_a_longer_period_than_the_retention_may_be_asked_for(aged, audit_dirs):
    purge("--older-than-days", "300")
    assert AuditEvent.objects.filter(data__age=400).count() == 0
    assert AuditEvent.objects.filter(data__age=250).count() == 2


def test_a_dry_run_changes_nothing(aged, audit_dirs):
    out = purge("--dry-run")
    assert "共 6 条（未执行）" in out
    assert AuditEvent.objects.count() == len(aged) and not AuditCheckpoint.objects.exists()
    assert not (audit_dirs / "archive").exists()


def test_a_second_purge_continues_from_the_checkpoint(aged, audit_dirs):
    purge("--older-than-days", "300")
    purge()  # now the 250-day-old rows go
    assert list(AuditCheckpoint.objects.values_list("rows", flat=True)) == [4, 2]
    assert audit_verify() == []
    call_command("verify_audit", stdout=io.StringIO())


def test_a_broken_chain_is_not_archived(aged, audit_dirs):
    with tampering():
        AuditEvent.objects.filter(pk=aged[1].pk).update(action="x")
    with pytest.raises(CommandError, match=f"审计链已损坏，拒绝归档：审计记录 #{aged[1].pk}"):
        purge()
    assert AuditEvent.objects.count() == len(aged) and not AuditCheckpoint.objects.exists()
    assert not list((audit_dirs / "archive").glob("*.jsonl"))


def test_an_edited_archive_is_detected_and_a_missing_one_is_noted(aged, audit_dirs):
    purge()
    archive = audit_dirs / "archive" / AuditCheckpoint.objects.get().archive_name
    archive.write_text(archive.read_text().replace('"n": 1', '"n": 7'))
    with pytest.raises(CommandError, match="文件的 SHA-256 与检查点不符"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
    archive.unlink()
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "未复核其内容" in out.getvalue()


def test_rows_deleted_after_the_checkpoint_are_still_named(aged, audit_dirs):
    purge()
    with tampering():
        AuditEvent.objects.filter(pk=aged[6].pk).delete()
    with pytest.raises(CommandError, match=f"审计记录 #{aged[7].pk}：前序哈希不连续"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
