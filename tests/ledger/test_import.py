"""Import of ledger rows: historical events and dates, states, identities, numbering, errors
(nothing guessed, nothing half-written), idempotency, dry runs."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.db import DatabaseError
from openpyxl import load_workbook

from ledger.models import ImportedRow
from ledger.services import report_content
from petitions.choices import DueKind, State
from petitions.events import verify_petition_chain
from petitions.identity import unseal
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import NumberSequence, Petition, PetitionerIdentity, PetitionEvent
from petitions.selectors import inbox, visible_to
from tests.ledger.conftest import CONTENT, row
from tongxin.lib.periods import SHANGHAI

pytestmark = pytest.mark.django_db


def day(y, m, d):
    return datetime(y, m, d, tzinfo=SHANGHAI)


def report_reasons(run) -> list[str]:
    ws = load_workbook(io.BytesIO(report_content(run)))["错误说明"]
    return [r[-1] for r in ws.iter_rows(min_row=2, values_only=True)]


def kinds(p: Petition) -> list[str]:
    return list(p.events.order_by("seq").values_list("kind", flat=True))


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (Petition, PetitionEvent, PetitionerIdentity, ImportedRow,
                                                    NumberSequence)} | {
        "last": list(NumberSequence.objects.values_list("year", "last"))}


def test_a_closed_rated_matter_carries_its_history_at_the_ledger_dates(run_ledger, world):
    run = run_ledger([row(1)])
    assert run.job.status == "done" and run.job.result["created"] == 1
    p = Petition.objects.get()
    assert p.number == "XF-2021-000001"  # a new number in the year of receipt
    assert p.state == State.CLOSED and p.category == "wages" and p.channel == "letter" and p.ptype == "request"
    assert p.received_at == day(2021, 3, 5) and p.accepted_at == day(2021, 3, 8)
    assert p.replied_at == day(2021, 4, 20) and p.closed_at == day(2021, 4, 20) and p.rated_at == day(2021, 4, 20)
    assert p.rating == "satisfied" and p.due_at is None and p.due_kind == ""
    # 15 days from 2021-03-05 end on Saturday the 20th: the period runs to Monday the 22nd.
    assert p.acceptance_due_at == day(2021, 3, 23)
    assert p.handling_due_at == day(2021, 5, 8)  # 60 days from the acceptance date
    assert p.unit == world.mine and p.handling_unit == world.team and p.handler == world.handler
    assert p.title == CONTENT[:30] + "…" and p.content == CONTENT
    events = list(p.events.order_by("seq"))
    assert [(e.kind, e.at, e.from_state, e.to_state) for e in events] == [
        ("registered", day(2021, 3, 5), "", "registered"),
        ("accepted", day(2021, 3, 8), "registered", "accepted"),
        ("assigned", day(2021, 3, 8), "accepted", "handling"),
        ("replied", day(2021, 4, 20), "handling", "replied"),
        ("rated", day(2021, 4, 20), "replied", "closed"),
    ]
    assert events[0].data["channel"] == "letter" and events[0].data["ledger"]["legacy_number"] == "TS2021-0001"
    assert events[1].data["on_time"] is True and events[3].data == {"outcome": "", "on_time": True}
    assert events[4].data["rating"] == "satisfied"
    assert events[2].data["handler"] == world.handler.pk and events[2].data["handling_unit"] == world.team.code
    assert verify_petition_chain(p) == []
    identity = unseal(p.identity)
    assert (identity.name, identity.phone) == ("王建国", "13912345678") and not p.is_anonymous
    assert "王建国" not in p.identity.name_enc  # encrypted at rest
    key = ImportedRow.objects.get()
    assert (key.legacy_number, key.row_key, key.row_number) == ("TS2021-0001", "n:TS2021-0001", 3)


@pytest.mark.parametrize(("replied", "on_time"), [("2021-10-08", True), ("2021-10-09", False)])
def test_on_time_is_judged_against_the_statutory_period_rolled_past_the_holiday(run_ledger, replied, on_time):
    # Accepted 2021-08-02: 60 days end on 1 October, National Day; the period runs to the 8th.
    run_ledger([row(1, 登记日期="2021-07-30", 受理日期="2021-08-02", 答复日期=replied, 满意度="")])
    p = Petition.objects.get()
    assert p.handling_due_at == day(2021, 10, 9)
    assert p.events.get(kind="replied").data["on_time"] is on_time
    assert p.events.get(kind="accepted").data["on_time"] is True


STATES = [
    ("待受理", dict(受理日期="", 承办人="", 答复日期="", 满意度=""), State.REGISTERED, ["registered"],
     DueKind.ACCEPTANCE),
    ("已受理", dict(承办人="", 答复日期="", 满意度=""), State.ACCEPTED, ["registered", "accepted"], DueKind.HANDLING),
    ("办理中", dict(答复日期="", 满意度=""), State.HANDLING, ["registered", "accepted", "assigned"], DueKind.HANDLING),
    ("已答复", dict(满意度=""), State.REPLIED, ["registered", "accepted", "assigned", "replied"],
     DueKind.REVIEW_REQUEST),
    ("已办结", dict(满意度=""), State.CLOSED, ["registered", "accepted", "assigned", "replied", "closed"], ""),
    ("不予受理", dict(承办人="", 答复日期="", 满意度=""), State.NOT_ACCEPTED, ["registered", "declined"], ""),
    ("已撤回", dict(承办人="", 满意度="", 答复日期="2021-03-10"), State.WITHDRAWN,
     ["registered", "accepted", "withdrawn"], ""),
]


@pytest.mark.parametrize(("label", "overrides", "state", "history", "due_kind"), STATES, ids=[s[0] for s in STATES])
def test_the_ledgers_outcome_gives_the_state_and_the_history(run_ledger, world, label, overrides, state, history,
                                                             due_kind):
    run = run_ledger([row(1, 办理状态=label, **overrides)])
    assert run.job.result["created"] == 1, run.job.result
    p = Petition.objects.get()
    assert p.state == state and kinds(p) == history and p.due_kind == due_kind
    assert verify_petition_chain(p) == []
    if state == State.HANDLING:
        assert p.handler == world.handler and p.due_at == p.handling_due_at == day(2021, 5, 8)
    if state == State.NOT_ACCEPTED:
        assert p.closed_at == day(2021, 3, 8) and p.events.get(kind="declined").data["on_time"] is True
    if state == State.WITHDRAWN:
        assert p.closed_at == day(2021, 3, 10)
    if state == State.REPLIED:
        assert p.due_at == p.review_request_due_at and p.review_request_due_at > p.replied_at


def test_imported_matters_are_in_the_officers_lists_and_scoped_like_any_other(run_ledger, world):
    run_ledger([row(1), row(2, 办理状态="办理中", 答复日期="", 满意度="")])
    assert visible_to(world.officer).count() == 2
    assert [p.number for p in inbox(world.officer)] == ["XF-2021-000002"]  # the open one
    assert [p.number for p in inbox(world.officer, state="closed")] == ["XF-2021-000001"]
    assert visible_to(world.other_officer).count() == 0
    assert visible_to(world.handler).count() == 2  # the 承办人 named in the ledger


ERRORS = [
    (dict(问题类别="工资问题呀"), "内容分类：无法识别“工资问题呀”"),
    (dict(问题类别="其它问题"), "内容分类：无法识别"),  # not silently "其他"
    (dict(问题类别=""), "内容分类：不能为空"),
    (dict(登记日期="2021-02-30"), "收到日期：“2021-02-30”不是有效日期"),
    (dict(登记日期="去年三月"), "收到日期：“去年三月”不是可识别的日期"),
    (dict(登记日期="2099-01-01", 受理日期="", 办理状态="待受理", 承办人="", 答复日期="", 满意度=""), "晚于今天"),
    (dict(登记日期=""), "收到日期：不能为空"),
    (dict(办理单位="不存在的单位"), "承办单位：“不存在的单位”不是塔山矿或其下级单位的代码或名称"),
    (dict(办理单位="同忻矿"), "不是塔山矿或其下级单位"),  # another mine: outside the ledger's scope
    (dict(办理状态="处理完了"), "办理状态：无法识别"),
    (dict(办理状态="办理中", 满意度=""), "却填有答复（办结）日期"),
    (dict(答复日期=""), "须有答复日期"),
    (dict(受理日期=""), "须有受理（或不予受理）日期"),
    (dict(答复日期="2021-03-01"), "答复（办结）日期2021-03-01早于受理日期2021-03-08"),
    (dict(办理状态="已答复"), "满意度：办理状态为“已答复”的事项不应有评价"),
    (dict(办理状态="办理中", 答复日期="", 满意度="", 承办人="钱多多"), "承办人：“钱多多”不是综采一队在系统中的承办人"),
    (dict(办理状态="办理中", 答复日期="", 满意度="", 承办人=""), "办理中的事项须有承办人"),
    (dict(反映问题="=HYPERLINK(\"http://evil.example\",\"点击\")"), "是公式或以等号开头"),
    (dict(反映问题="正常\x07内容"), "控制字符"),
    (dict(联系电话="打不通"), "联系电话：“打不通”不是电话号码"),
    (dict(满意度="很好"), "满意度：无法识别“很好”"),
    (dict(信访方式="托人捎话"), "渠道：无法识别"),
]


@pytest.mark.parametrize(("overrides", "message"), ERRORS, ids=[e[1][:12] for e in ERRORS])
def test_a_row_that_does_not_fit_is_an_error_and_nothing_is_written(run_ledger, overrides, message):
    before = counts()
    as_csv = any("\x07" in str(v) for v in overrides.values())  # a workbook cannot hold a control character
    run = run_ledger([row(1, **overrides)], csv=as_csv)
    assert run.job.status == "done"
    assert run.job.result["failed"] == 1 and run.job.result["created"] == 0
    assert counts() == before
    reasons = report_reasons(run)
    assert len(reasons) == 1 and message in reasons[0], reasons


def test_a_cell_beyond_the_headers_is_an_error(run_ledger):
    run = run_ledger([row(1) + ["多出来的备注"]])
    assert run.job.result["failed"] == 1


def test_the_same_rows_imported_twice_are_one_petition_each(run_ledger):
    rows = [row(1), row(2), row(3, 信访编号="", 来信人="孙丽")]  # the third has no number: keyed by its content
    first = run_ledger(rows)
    assert first.job.result["created"] == 3
    before = counts()
    again = run_ledger(rows)
    assert again.job.result["created"] == 0 and again.job.result["unchanged"] == 3
    assert counts() == before
    assert not again.report  # nothing to fix


def test_an_imported_row_that_changed_is_reported_not_applied(run_ledger):
    run_ledger([row(1)])
    run = run_ledger([row(1, 联系电话="13800000000")])
    result = run.job.result
    assert (result["created"], result["unchanged"], result["changed"], result["failed"]) == (0, 1, 1, 0)
    assert unseal(Petition.objects.get().identity).phone == "13912345678"
    (reason,) = report_reasons(run)
    assert reason.startswith("【提示】该行已于此前导入为XF-2021-000001")


def test_duplicates_within_one_file(run_ledger):
    run = run_ledger([row(1), row(1), row(2), row(2, 反映问题="内容不同的另一件事，编号却相同。")])
    assert (run.job.result["created"], run.job.result["unchanged"], run.job.result["failed"]) == (2, 1, 1)
    assert Petition.objects.count() == 2


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(run_ledger):
    before = counts()
    run = run_ledger([row(1), row(2, 问题类别="不知道"), row(3, 登记日期="2020-12-30", 受理日期="2021-01-04")],
                     dry_run=True)
    assert (run.job.result["created"], run.job.result["failed"]) == (2, 1)
    assert run.job.result["years"] == {"2020": 1, "2021": 1}
    assert counts() == before
    assert run.report  # the dry run already gives the error report
    assert run.upload.file  # and the file is kept for the import


def test_numbers_are_drawn_in_the_year_of_receipt_and_continue_the_live_sequence(run_ledger, world):
    petition_submit(petitioner=world.employee, draft=PetitionDraft(
        title="网上提交的事项", content="这是一件在系统上线后网上提交的信访事项。", category="wages", unit=world.mine,
    ), now=day(2021, 6, 1))
    run_ledger([row(1, 登记日期="2020-05-06", 受理日期="2020-05-07", 答复日期="2020-06-01"), row(2)])
    numbers = dict(ImportedRow.objects.values_list("legacy_number", "petition__number"))
    assert numbers == {"TS2021-0001": "XF-2020-000001", "TS2021-0002": "XF-2021-000002"}


def test_a_row_without_a_name_is_an_anonymous_petition(run_ledger):
    run_ledger([row(1, 来信人="", 联系电话="")])
    p = Petition.objects.get()
    assert p.is_anonymous and not PetitionerIdentity.objects.exists() and p.receipt_hash == ""


def test_a_finished_matters_handler_without_an_account_is_kept_by_name(run_ledger):
    run = run_ledger([row(1, 承办人="张退休")])
    assert run.job.result["handlers_unlinked"] == 1
    p = Petition.objects.get()
    assert p.handler is None and p.events.get(kind="assigned").data["handler_name"] == "张退休"


def test_the_handler_may_be_given_by_employee_number(run_ledger, world):
    run_ledger([row(1, 承办人="h1", 办理状态="办理中", 答复日期="", 满意度="")])
    assert Petition.objects.get().handler == world.handler


def test_source_settings_aliases_fixed_values_and_acceptance_on_receipt(run_ledger, source):
    source.aliases = {"category": {"工资问题": "wages"}, "state": {"结了": "closed"}}
    source.fixed = {"ptype": "request", "channel": "visit"}
    source.mapping = {k: v for k, v in source.mapping.items() if k not in ("channel", "accepted")}
    source.accept_on_receipt = True
    source.save()
    run = run_ledger([row(1, 问题类别="工资问题", 办理状态="结了")])
    assert run.job.result["created"] == 1, run.job.result
    p = Petition.objects.get()
    assert (p.category, p.channel, p.state) == ("wages", "visit", "closed")
    assert p.accepted_at == p.received_at == day(2021, 3, 5)


def test_a_failing_write_fails_only_its_row_and_leaves_no_half_petition(run_ledger, monkeypatch):
    import ledger.importer as importer

    real = importer.identity_row

    def flaky(r, petition_id):
        if r.legacy_number == "TS2021-0002":
            raise DatabaseError("disk I/O error")
        return real(r, petition_id)

    monkeypatch.setattr(importer, "identity_row", flaky)
    run = run_ledger([row(1), row(2), row(3)])
    assert (run.job.result["created"], run.job.result["failed"]) == (2, 1)
    assert sorted(ImportedRow.objects.values_list("legacy_number", flat=True)) == ["TS2021-0001", "TS2021-0003"]
    assert Petition.objects.count() == 2 and PetitionerIdentity.objects.count() == 2
    assert PetitionEvent.objects.values("petition").distinct().count() == 2
    assert sorted(Petition.objects.values_list("number", flat=True)) == ["XF-2021-000001", "XF-2021-000002"]
    for p in Petition.objects.all():
        assert verify_petition_chain(p) == []


def test_csv_in_gbk_with_bom_less_utf8_and_with_bom(run_ledger):
    for n, encoding in enumerate(("gbk", "utf-8", "utf-8-sig"), start=1):
        run = run_ledger([row(n)], csv=True, encoding=encoding)
        assert run.job.result["created"] == 1, encoding
        assert run.upload.encoding == {"gbk": "gb18030", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig"}[encoding]
    assert set(Petition.objects.values_list("content", flat=True)) == {CONTENT}


def test_the_event_hash_is_the_audit_chains_hash_of_the_events_payload():
    """importer.chain assembles the canonical JSON itself: it must equal audit.hashing's."""
    import json

    from audit.hashing import GENESIS, chain_hash
    from ledger.bulk import Record
    from ledger.importer import Built, chain

    at = datetime(2021, 3, 5, 9, 30, tzinfo=SHANGHAI)
    data = {"z": [1, "二", None, True], "a": {"y": "引号\"和\\反斜杠", "b": "\u2028\ttab"}, "n": 1.5}
    built = Built(petition=Record(id=42), events=[
        ("registered", at, "", "registered", "经来信收到（据台账导入）", data),
        ("closed", at, "registered", "closed", "", {}),
    ], row=None)
    rows = chain(built)
    prev = GENESIS
    for seq, r in enumerate(rows, start=1):
        payload = {"petition": 42, "seq": seq, "kind": r[2], "at": at, "actor": None, "from": r[5], "to": r[6],
                   "note": r[7], "data": json.loads(r[8]), "public": True}
        assert r[10] == prev and r[11] == chain_hash(prev, payload)
        prev = r[11]
    assert built.petition.event_head == prev and built.petition.event_seq == 2


def test_keys_drawn_before_the_insert_leave_the_sequence_to_the_workflow(run_ledger, world):
    run_ledger([row(1), row(2)])
    imported = list(Petition.objects.order_by("id").values_list("id", flat=True))
    later = petition_submit(petitioner=world.employee, draft=PetitionDraft(
        title="上线后的网上信访", content="这是一件在导入之后网上提交的信访事项。", category="wages", unit=world.mine,
    )).petition
    assert later.id > max(imported)


def test_where_keys_cannot_be_drawn_first_the_chain_heads_are_written_after(run_ledger, monkeypatch):
    import ledger.importer as importer

    monkeypatch.setattr(importer, "reserve_ids", lambda model, count: None)
    run_ledger([row(1), row(2, 办理状态="不予受理", 承办人="", 答复日期="", 满意度="")])
    for p in Petition.objects.all():
        assert p.event_seq == p.events.count() and verify_petition_chain(p) == []


def test_rows_imported_meanwhile_by_another_run_are_counted_as_imported(run_ledger, monkeypatch):
    """Two clerks import the same file at once: the second run's look-up saw nothing, its bulk
    write then meets the unique key; the batch is rolled back and written row by row."""
    import ledger.importer as importer

    run_ledger([row(1), row(2)])
    monkeypatch.setattr(importer, "known_keys", lambda source, keys: {})
    before = counts()
    run = run_ledger([row(1), row(2), row(3)])
    assert (run.job.result["created"], run.job.result["unchanged"], run.job.result["failed"]) == (1, 2, 0)
    after = counts()
    assert after["Petition"] == before["Petition"] + 1 and after["ImportedRow"] == before["ImportedRow"] + 1
    for p in Petition.objects.all():
        assert verify_petition_chain(p) == []
