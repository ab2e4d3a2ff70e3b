"""verify_audit walks the audit chain and every petition's event chain and names the first
broken link after each kind of tampering: an edited, a deleted and an inserted row."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.hashing import chain_hash
from audit.models import AuditChainHead, AuditEvent
from audit.services import audit_record, audit_verify
from petitions.models import Petition, PetitionEvent
from petitions.workflow import petition_accept, petition_assign
from tests.audit.helpers import make_gap, tampering
from tests.petitions.conftest import A, at, submit


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_fails(*args: str) -> str:
    """The first problem named by verify_audit."""
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return str(failed.value).split("第一处：", 1)[1]


def chained_row(prev: AuditEvent, **changes) -> AuditEvent:
    """A row an intruder forges after ``prev``, with a correctly computed hash."""
    row = AuditEvent(at=prev.at, actor=None, action="role.grant", target_type="orgs.user", target_id="1",
                     target_repr="伪造", data={"role": "unit_leader"}, prev_hash=prev.hash, **changes)
    row.hash = chain_hash(row.prev_hash, row.payload())
    return row


@pytest.fixture
def rows(db) -> list[AuditEvent]:
    for n in range(5):
        audit_record(actor=None, action="test.event", target=None, data={"n": n})
    return list(AuditEvent.objects.order_by("id"))


# --- the audit chain -----------------------------------------------------------------------


def test_an_intact_chain_verifies(rows):
    out = verify()
    assert out.splitlines()[0] == "审计链完整"
    assert "审计记录 5 条" in out
    assert audit_verify() == []


def test_an_edited_row_is_named(rows):
    third = rows[2]
    with tampering():
        AuditEvent.objects.filter(pk=third.pk).update(data={"n": 99})
    assert verify_fails() == f"审计记录 #{third.pk}：内容与哈希不符（被修改）"
    assert audit_verify() == [f"审计记录 #{third.pk}：内容与哈希不符（被修改）"]


def test_an_edited_row_whose_hash_was_recomputed_is_named(rows):
    third = rows[2]
    third.data = {"n": 99}
    with tampering():
        AuditEvent.objects.filter(pk=third.pk).update(data=third.data, hash=chain_hash(third.prev_hash, third.payload()))
    assert verify_fails().startswith(f"审计记录 #{third.pk}：被修改（哈希被重新计算")


def test_a_deleted_row_is_named_by_the_row_after_it(rows):
    with tampering():
        AuditEvent.objects.filter(pk=rows[2].pk).delete()
    assert verify_fails() == f"审计记录 #{rows[3].pk}：前序哈希不连续（其前有记录被删除）"


def test_a_deleted_last_row_is_found_through_the_chain_head(rows):
    with tampering():
        AuditEvent.objects.filter(pk=rows[-1].pk).delete()
    assert verify_fails() == f"审计记录 #{rows[-2].pk} 之后：末尾记录被删除（链头不是最后一条记录 审计记录 #{rows[-2].pk} 的哈希）"


def test_a_row_inserted_between_two_rows_is_named(rows):
    make_gap("audit_auditevent")  # ids skipped by rolled-back inserts leave room
    audit_record(actor=None, action="test.event", target=None, data={"n": 5})
    after_gap = AuditEvent.objects.order_by("-id").first()
    forged = chained_row(rows[-1], id=rows[-1].pk + 3)
    with tampering():
        AuditEvent.objects.bulk_create([forged])
    assert verify_fails() == (
        f"审计记录 #{forged.pk}：插入的记录（其后记录 审计记录 #{after_gap.pk} 的前序哈希指向再前一条记录）"
    )


def test_a_row_inserted_with_a_made_up_hash_is_named(rows):
    make_gap("audit_auditevent")
    audit_record(actor=None, action="test.event", target=None, data={"n": 5})
    forged = chained_row(rows[-1], id=rows[-1].pk + 3)
    forged.hash, forged.prev_hash = "f" * 64, "e" * 64
    with tampering():
        AuditEvent.objects.bulk_create([forged])
    assert verify_fails().startswith(f"审计记录 #{forged.pk}：插入的记录")


def test_a_row_appended_behind_the_platforms_back_is_named(rows):
    forged = chained_row(rows[-1])
    with tampering():
        AuditEvent.objects.bulk_create([forged])  # the chain head still names the real last row
    assert verify_fails() == f"审计记录 #{forged.pk}：插入的记录（链头仍指向前一条记录）"


def test_the_old_command_name_still_verifies(rows):
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert out.getvalue() == "审计链完整\n"
    with tampering():
        AuditEvent.objects.filter(pk=rows[0].pk).update(action="x")
    with pytest.raises(CommandError):
        call_command("verify_audit_chain", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_models_refuse_to_change_or_delete_a_row(rows):
    row = rows[0]
    row.action = "x"
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()
    assert AuditEvent.objects.get(pk=row.pk).action == "test.event"


# --- the petitions' event chains -------------------------------------------------------------


@pytest.fixture
def petition(world) -> Petition:
    p = submit(world, now=at(2025, 9, 15)).petition
    petition_accept(petition=p, actor=A(world.officer), now=at(2025, 9, 16))
    petition_assign(petition=p, actor=A(world.officer), handling_unit=world.team, handler=world.handler,
                    leader=world.leader, now=at(2025, 9, 17))
    p.refresh_from_db()
    assert p.event_seq >= 3
    return p


def test_intact_petition_chains_verify(petition):
    out = verify()
    assert "信访事项 1 件" in out


def test_an_edited_petition_event_is_named(petition):
    with tampering():
        PetitionEvent.objects.filter(petition=petition, seq=2).update(note="篡改后的说明")
    assert verify_fails() == f"信访事项 {petition.number} 事件 #2：内容与哈希不符（被修改）"


def test_a_deleted_petition_event_is_named(petition):
    with tampering():
        PetitionEvent.objects.filter(petition=petition, seq=2).delete()
    assert verify_fails() == f"信访事项 {petition.number} 事件 #3：前序哈希不连续（其前有记录被删除）"


def test_an_inserted_petition_event_is_named(petition):
    last = petition.events.order_by("-seq").first()
    forged = PetitionEvent(petition=petition, seq=last.seq + 1, kind=PetitionEvent.Kind.CLOSED, at=last.at,
                           to_state="closed", note="伪造的办结", prev_hash=last.hash)
    forged.hash = chain_hash(forged.prev_hash, forged.payload())
    with tampering():
        PetitionEvent.objects.bulk_create([forged])  # the petition event_head still names the real last one
    assert verify_fails() == f"信访事项 {petition.number} 事件 #{forged.seq}：插入的记录（链头仍指向前一条记录）"


def test_the_first_break_of_each_chain_is_reported(petition, rows):
    with tampering():
        AuditEvent.objects.filter(pk=rows[1].pk).update(action="x")
        PetitionEvent.objects.filter(petition=petition, seq=1).update(note="x")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 处问题"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        f"审计记录 #{rows[1].pk}：内容与哈希不符（被修改）",
        f"信访事项 {petition.number} 事件 #1：内容与哈希不符（被修改）",
    ]


def test_a_petition_whose_events_were_all_deleted_is_named(petition):
    with tampering():
        PetitionEvent.objects.filter(petition=petition).delete()
    assert verify_fails().startswith(f"信访事项 {petition.number}：末尾记录被删除")


def test_the_chain_head_row_deleted_is_noticed(rows):
    AuditChainHead.objects.all().delete()
    assert "末尾记录被删除" in verify_fails()
