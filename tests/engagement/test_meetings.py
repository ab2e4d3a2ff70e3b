"""Stability-meeting rules: one meeting per unit, kind and period (month for 专题会, quarter for
议稳会); the briefing comes from the KPI engine and lists the risk and overdue matters the user may
see; minutes make it held; decisions have an owner and a deadline and are tracked to done;
compliance shows which units held which meetings."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from docx import Document

from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement import meetings
from engagement.choices import DecisionState, MeetingKind, MeetingState
from petitions.choices import Flag
from petitions.models import Notification
from tests.petitions.conftest import submit
from tongxin.lib.kpi import metric
from tongxin.lib.periods import SHANGHAI


def schedule(world, kind=MeetingKind.MONTHLY, period=None, when=None, unit=None, by=None):
    now = timezone.now()
    period = period or (f"{timezone.localdate():%Y-%m}" if kind == MeetingKind.MONTHLY else
                        f"{timezone.localdate().year}-Q{(timezone.localdate().month - 1) // 3 + 1}")
    return meetings.meeting_schedule(unit=unit or world.mine, kind=kind, period=period,
                                     scheduled_at=when or now - timedelta(hours=1), place="矿调度楼三楼会议室",
                                     chair=world.leader, attendees=[world.leader, world.officer, world.handler],
                                     acting_user=by or world.officer)


def test_period_kind_and_uniqueness(world):
    with pytest.raises(InvalidInput):
        schedule(world, kind=MeetingKind.MONTHLY, period="2026-Q4")
    with pytest.raises(InvalidInput):
        schedule(world, kind=MeetingKind.QUARTERLY, period="2026-11")
    with pytest.raises(NotAllowed):
        schedule(world, by=world.other_officer)
    schedule(world)
    with pytest.raises(InvalidState):
        schedule(world)
    schedule(world, kind=MeetingKind.QUARTERLY)


def text_of(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_briefing_lists_kpis_risks_and_overdue(world, django_capture_on_commit_callbacks):
    now = timezone.now()
    risky = submit(world, now=now, title="五十名职工集体反映欠薪", flags=[Flag.EXTREME]).petition
    # The first day of the month before (in Shanghai): "the month before" on any day of this one,
    # and long enough ago to be overdue (now - 40 days is two months back on the 1st–10th).
    month_before = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    late = submit(world, now=datetime.combine(month_before, time(9), tzinfo=SHANGHAI), title="去年取暖费未报销").petition
    elsewhere = submit(world, now=now, unit=world.other_mine, title="同忻矿高风险事项", flags=[Flag.EXTREME]).petition
    with django_capture_on_commit_callbacks(execute=True):
        m = schedule(world)
    assert Notification.objects.filter(user=world.handler, text__contains="会议通知").exists()
    text = text_of(meetings.briefing_docx(m, world.officer, now))
    assert "信访维稳专题会" in text and str(metric("received").label) in text and "一、信访工作主要指标" in text
    assert risky.number in text and late.number in text
    assert elsewhere.number not in text  # another mine's matter is not in this mine's briefing
    data = meetings.briefing_data(m, world.officer, now)
    kpis = {label: (value, prev) for label, value, prev in data.kpis}
    # The same figures as the KPI engine: one received this month, one the month before (now overdue).
    assert kpis[str(metric("received").label)] == ("1", "1")
    assert kpis[str(metric("overdue").label)][0] == "1" and kpis[str(metric("high_risk").label)][0] == "1"
    assert [p.number for p in data.risks] == [risky.number] and [p.number for p in data.overdue] == [late.number]
    # Someone who sees less gets less: the handler sees neither matter.
    assert risky.number not in text_of(meetings.briefing_docx(m, world.handler, now))


def test_minutes_decisions_to_done_and_compliance(world, django_capture_on_commit_callbacks):
    m = schedule(world)
    with pytest.raises(InvalidState):
        meetings.decision_add(meeting=m, acting_user=world.officer, text="逐件化解欠薪问题", owner=world.handler,
                              due_on=timezone.localdate())
    meetings.meeting_minutes(meeting=m, acting_user=world.officer, minutes="会议听取了本月信访形势汇报，研究了重点事项。",
                             absent=[world.handler])
    m.refresh_from_db()
    assert m.state == MeetingState.HELD
    assert not m.attendance.get(person=world.handler).present
    with pytest.raises(InvalidInput):
        meetings.decision_add(meeting=m, acting_user=world.officer, text="逐件化解欠薪问题", owner=world.handler,
                              due_on=timezone.localdate() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        d = meetings.decision_add(meeting=m, acting_user=world.officer, text="逐件化解欠薪问题", owner=world.handler,
                                  due_on=timezone.localdate() + timedelta(days=7))
    assert Notification.objects.filter(user=world.handler, text__contains="会议决定").exists()
    with pytest.raises(NotAllowed):
        meetings.decision_done(decision=d, acting_user=world.outsider, note="已经办完了")
    meetings.decision_done(decision=d, acting_user=world.handler, note="已补发并公示")
    d.refresh_from_db()
    assert d.state == DecisionState.DONE and d.done_at is not None
    with pytest.raises(InvalidState):
        meetings.decision_done(decision=d, acting_user=world.handler, note="再次登记")
    periods = meetings.recent_periods(MeetingKind.MONTHLY, timezone.now())
    rows = {r.unit.pk: r for r in meetings.compliance(world.company_officer, MeetingKind.MONTHLY, periods)}
    assert rows[world.mine.pk].held[periods[-1]] is True
    assert rows[world.other_mine.pk].held[periods[-1]] is False
    assert world.company.pk in rows  # companies hold them too


def test_minutes_before_the_meeting_refused(world):
    m = schedule(world, when=timezone.now() + timedelta(days=2))
    with pytest.raises(InvalidState):
        meetings.meeting_minutes(meeting=m, acting_user=world.officer, minutes="提前写好的会议纪要内容", absent=[])
