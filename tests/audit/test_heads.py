"""The chain heads exported daily outside the database reveal a deleted tail that the
chains alone cannot (an intruder who also sets the head row back)."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditChainHead, AuditEvent
from audit.services import audit_record
from audit.tasks import export_audit_head
from petitions.models import Petition, PetitionEvent
from petitions.workflow import petition_accept
from tests.audit.helpers import tampering
from tests.petitions.conftest import A, at, submit


def heads_lines(audit_dirs):
    return [json.loads(line) for line in (audit_dirs / "heads" / "heads.jsonl").read_text().splitlines()]


def verify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError:
        return False, err.getvalue()
    return True, out.getvalue()


@pytest.fixture
def data(world, audit_dirs):
    p = submit(world, now=at(2025, 9, 15)).petition
    petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
    for n in range(3):
        audit_record(actor=None, action="test.event", target=None, data={"n": n})
    p.refresh_from_db()
    return p


def test_the_command_appends_one_json_line_per_export(data, audit_dirs):
    out = io.StringIO()
    call_command("export_audit_head", stdout=out)
    call_command("export_audit_head", stdout=io.StringIO())
    first, second = heads_lines(audit_dirs)
    last = AuditEvent.objects.order_by("-id").first()
    assert first["audit"]["last_id"] == last.pk and first["audit"]["hash"] == last.hash
    assert first["petitions"]["events"] == PetitionEvent.objects.count() >= 2
    assert first["petitions"]["petitions"] == 1
    assert second["audit"] == first["audit"] and second["petitions"] == first["petitions"]
    assert f"审计记录 #{last.pk}" in out.getvalue()
    ok, report = verify("--heads")
    assert ok and "导出的链头一致" in report


def test_the_daily_task_is_scheduled_and_writes_the_file(data, audit_dirs):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == export_audit_head.name)
    assert entry["schedule"].hour == {0}
    result = export_audit_head.delay().get()
    assert result["audit"]["last_id"] == AuditEvent.objects.order_by("-id").first().pk
    assert len(heads_lines(audit_dirs)) == 1


def test_a_deleted_audit_tail_with_the_head_set_back_is_found_only_against_the_export(data, audit_dirs):
    call_command("export_audit_head", stdout=io.StringIO())
    rows = list(AuditEvent.objects.order_by("id"))
    with tampering():
        AuditEvent.objects.filter(pk__in=[r.pk for r in rows[-2:]]).delete()
    AuditChainHead.objects.update(last_hash=rows[-3].hash)  # the intruder covers the tracks
    ok, _report = verify()
    assert ok  # the chain itself is consistent
    ok, report = verify("--heads")
    assert not ok
    assert report.splitlines()[0].startswith(f"审计记录 #{rows[-1].pk}：")
    assert "导出的链头已不存在（末尾记录被删除" in report and f"现存最后一条为 #{rows[-3].pk}" in report


def test_a_deleted_petition_event_with_the_head_set_back_is_found_against_the_export(data, audit_dirs):
    call_command("export_audit_head", stdout=io.StringIO())
    last = data.events.order_by("-seq").first()
    with tampering():
        PetitionEvent.objects.filter(pk=last.pk).delete()
    Petition.objects.filter(pk=data.pk).update(event_seq=last.seq - 1, event_head=last.prev_hash)
    assert verify()[0]
    ok, report = verify("--heads")
    assert not ok and "少了 1 条（被删除）" in report


def test_a_missing_heads_file_is_a_failure_when_asked_for(data, audit_dirs):
    ok, report = verify("--heads")
    assert not ok and "不存在或为空" in report


def test_new_rows_after_the_export_are_fine(data, audit_dirs):
    call_command("export_audit_head", stdout=io.StringIO())
    audit_record(actor=None, action="test.later", target=None)
    assert verify("--heads")[0]
