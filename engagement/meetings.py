"""Stability meetings: the monthly 信访维稳专题会 and the quarterly 党组织书记议稳会 of a unit —
scheduled, a briefing (.docx) generated from the KPI engine, the risk list and the overdue list of
the period, minutes, attendance, decisions with an owner and a deadline tracked to done, and a
compliance view of which units held which meetings."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement.choices import DecisionState, MeetingKind, MeetingState, ScreeningStatus
from engagement.models import Attendance, Decision, Meeting
from engagement.scoping import is_staff, meetings_visible_to, screening_visible_to, staff_units
from insights.kpi import Filters
from insights.tables import kpi_table
from orgs.choices import UnitKind
from orgs.models import Unit, User, subtree_q
from petitions.choices import OPEN_STATES, RiskLevel
from petitions.notify import notify_user
from petitions.selectors import visible_to
from tongxin.lib.kpi import Window, metric, parse_window
from tongxin.lib.periods import last_day_of, local_date

BRIEFING_METRICS = ("received", "acceptance_rate", "handling_rate", "satisfaction_rate", "repeat_rate",
                    "collective", "skip_level", "overdue", "high_risk")
LIST_LIMIT = 50
# Units expected to hold the meetings: companies, mines and plants.
MEETING_KINDS = (UnitKind.COMPANY, UnitKind.MINE, UnitKind.PLANT)


def window_of(kind: str, period: str) -> Window:
    """The period of a meeting: a month (2026-11) for 专题会, a quarter (2026-Q4) for 议稳会."""
    try:
        window = parse_window(period)
    except ValueError as exc:
        raise InvalidInput("invalid_period", "期间格式应为2026-11（月）或2026-Q4（季度）") from exc
    expected = "month" if kind == MeetingKind.MONTHLY else "quarter"
    if str(window.kind) != expected:
        raise InvalidInput("invalid_period", "信访维稳专题会按月召开（如2026-11），党组织书记议稳会按季度召开（如2026-Q4）")
    return window


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


@transaction.atomic
def meeting_schedule(*, unit: Unit, kind: str, period: str, scheduled_at: datetime, place: str,
                     chair: User | None, attendees: list[User], acting_user: User) -> Meeting:
    if kind not in MeetingKind.values:
        raise InvalidInput("invalid_kind", "会议类别无效")
    window = window_of(kind, period)
    if not is_staff(acting_user, unit):
        raise NotAllowed("not_allowed", f"您不是{unit.name}的信访、党务工作人员或负责人，不能安排会议")
    if Meeting.objects.filter(unit=unit, kind=kind, period=window.spec).exists():
        raise InvalidState("meeting_exists", f"{unit.name}{window.label}的{MeetingKind(kind).label}已安排")
    if not place.strip():
        raise InvalidInput("invalid_place", "请填写会议地点")
    meeting = Meeting.objects.create(unit=unit, kind=kind, period=window.spec, scheduled_at=scheduled_at,
                                     place=place.strip(), chair=chair, created_by=acting_user)
    for person in {p.pk: p for p in attendees}.values():
        Attendance.objects.create(meeting=meeting, person=person, present=True)
        notify_user(person, None, f"会议通知：{local_date(scheduled_at):%m月%d日}{meeting.get_kind_display()}（{place}）")
    audit_record(actor=acting_user, action="engagement.meeting.schedule", target=meeting,
                 data={"unit": unit.code, "kind": kind, "period": window.spec})
    return meeting


# --------------------------------------------------------------------------- briefing


@dataclass
class Briefing:
    window: Window
    kpis: list[tuple[str, str, str]]  # label, value, previous
    risks: list
    overdue: list
    screening: list
    open_decisions: list


def briefing_data(meeting: Meeting, user: User, now: datetime) -> Briefing:
    """What the briefing says, as ``user`` sees the data (visible_to): the same KPI engine as the
    dashboards, the open high/medium-risk matters and the overdue ones of the unit's subtree."""
    window = parse_window(meeting.period)
    table = kpi_table(user, window=window, filters=Filters(root=meeting.unit),
                      metrics=[metric(k) for k in BRIEFING_METRICS], now=now)
    kpis = []
    for key in BRIEFING_METRICS:
        f = table.total.figures[key]
        prev = f.previous.other if f.previous is not None else None
        kpis.append((str(f.metric.label), f.text, "—" if prev is None else
                     (f"{prev * 100:.1f}%" if f.metric.is_rate else f"{prev:g}")))
    in_unit = visible_to(user).filter(subtree_q([meeting.unit], "unit__"), state__in=OPEN_STATES)
    risks = list(in_unit.filter(risk_level__in=[RiskLevel.HIGH, RiskLevel.MEDIUM])
                 .select_related("unit", "handler").order_by("-risk_level", "due_at")[:LIST_LIMIT])
    overdue = list(in_unit.filter(due_at__lte=now).select_related("unit", "handler").order_by("due_at")[:LIST_LIMIT])
    screening = list(screening_visible_to(user).filter(subtree_q([meeting.unit], "unit__"))
                     .exclude(status=ScreeningStatus.RESOLVED).select_related("unit", "responsible")
                     .order_by("risk_level", "-created_at")[:LIST_LIMIT])
    decisions = list(Decision.objects.filter(meeting__unit=meeting.unit, state=DecisionState.OPEN)
                     .exclude(meeting=meeting).select_related("owner", "meeting").order_by("due_on")[:LIST_LIMIT])
    return Briefing(window=window, kpis=kpis, risks=risks, overdue=overdue, screening=screening,
                    open_decisions=decisions)


def _para(doc, text: str, *, size: float = 12, bold: bool = False, center: bool = False) -> None:
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.font.size, run.bold = Pt(size), bold
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    if not rows:
        _para(doc, "无。")
        return
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)


def _day(at) -> str:
    return f"{local_date(at):%Y-%m-%d}" if at else "—"


def briefing_docx(meeting: Meeting, user: User, now: datetime | None = None) -> bytes:
    now = now or timezone.now()
    b = briefing_data(meeting, user, now)
    doc = Document()
    _para(doc, f"{meeting.unit.name}{b.window.label}{meeting.get_kind_display()}材料", size=18, bold=True, center=True)
    _para(doc, f"会议时间：{timezone.localtime(meeting.scheduled_at):%Y年%m月%d日 %H:%M}　地点：{meeting.place}"
               f"　材料生成：{timezone.localtime(now):%Y-%m-%d %H:%M}", size=10)
    _para(doc, "一、信访工作主要指标", size=14, bold=True)
    _table(doc, ["指标", "本期", "上期"], [list(k) for k in b.kpis])
    _para(doc, "二、风险事项（在办，中高风险）", size=14, bold=True)
    _table(doc, ["信访编号", "标题", "单位", "风险", "承办人", "期限"],
           [[p.number, p.title, p.unit.name, p.get_risk_level_display(), p.handler.name if p.handler else "—",
             f"{last_day_of(p.due_at):%Y-%m-%d}" if p.due_at else "—"] for p in b.risks])
    _para(doc, "三、超期事项", size=14, bold=True)
    _table(doc, ["信访编号", "标题", "单位", "当前期限", "已超期（天）"],
           [[p.number, p.title, p.unit.name, p.get_due_kind_display(),
             str((local_date(now) - last_day_of(p.due_at)).days)] for p in b.overdue])
    _para(doc, "四、不稳定因素排查（未化解）", size=14, bold=True)
    _table(doc, ["单位", "矛盾纠纷或不稳定因素", "风险", "责任人", "状态"],
           [[e.unit.name, e.dispute, e.get_risk_level_display(), e.responsible.name, e.get_status_display()]
            for e in b.screening])
    _para(doc, "五、以往会议决定落实情况（未完成）", size=14, bold=True)
    _table(doc, ["会议", "决定事项", "责任人", "完成期限"],
           [[str(d.meeting), d.text, d.owner.name, f"{d.due_on:%Y-%m-%d}"] for d in b.open_decisions])
    _para(doc, "本材料供内部会议研究使用，涉及信访人个人信息和检举控告内容的，依照《信访工作条例》第三十条第三款严格保密。",
          size=9)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def briefing_generated(*, meeting: Meeting, acting_user: User, now: datetime | None = None) -> None:
    """Record that the briefing was generated (who, when): it shows staff data."""
    now = now or timezone.now()
    Meeting.objects.filter(pk=meeting.pk).update(briefing_at=now)
    audit_record(actor=acting_user, action="engagement.meeting.briefing", target=meeting, data={})


@transaction.atomic
def meeting_minutes(*, meeting: Meeting, acting_user: User, minutes: str, absent: list[User],
                    now: datetime | None = None) -> Meeting:
    """Minutes and attendance: the meeting counts as held from then on."""
    now = now or timezone.now()
    m = _lock(meeting)
    if not is_staff(acting_user, m.unit):
        raise NotAllowed("not_allowed", "只有本单位信访、党务工作人员或负责人可以记录纪要")
    if now < m.scheduled_at:
        raise InvalidState("not_yet", "会议尚未召开")
    if len(minutes.strip()) < 10:
        raise InvalidInput("invalid_minutes", "会议纪要至少10个字")
    absent_ids = {p.pk for p in absent}
    for row in m.attendance.all():
        present = row.person_id not in absent_ids
        if row.present != present:
            row.present = present
            row.save(update_fields=["present"])
    m.minutes, m.held_at, m.state = minutes.strip(), now, MeetingState.HELD
    m.save()
    audit_record(actor=acting_user, action="engagement.meeting.minutes", target=m,
                 data={"absent": sorted(absent_ids), "present": m.attendance.filter(present=True).count()})
    return m


@transaction.atomic
def decision_add(*, meeting: Meeting, acting_user: User, text: str, owner: User, due_on: date,
                 now: datetime | None = None) -> Decision:
    now = now or timezone.now()
    m = _lock(meeting)
    if not is_staff(acting_user, m.unit):
        raise NotAllowed("not_allowed", "只有本单位信访、党务工作人员或负责人可以登记会议决定")
    if m.state != MeetingState.HELD:
        raise InvalidState("not_held", "请先记录会议纪要")
    if len(text.strip()) < 4:
        raise InvalidInput("invalid_decision", "决定事项至少4个字")
    if due_on < local_date(now):
        raise InvalidInput("invalid_due", "完成期限不能早于今天")
    d = Decision.objects.create(meeting=m, text=text.strip(), owner=owner, due_on=due_on)
    audit_record(actor=acting_user, action="engagement.decision.add", target=d,
                 data={"owner": owner.employee_no, "due_on": due_on.isoformat()})
    notify_user(owner, None, f"会议决定由您落实（{due_on:%m月%d日}前）：{d.text[:60]}")
    return d


def may_close_decision(user: User, decision: Decision) -> bool:
    return user.pk == decision.owner_id or is_staff(user, decision.meeting.unit)


@transaction.atomic
def decision_done(*, decision: Decision, acting_user: User, note: str, now: datetime | None = None) -> Decision:
    now = now or timezone.now()
    d = Decision.objects.select_for_update().select_related("meeting", "meeting__unit").get(pk=decision.pk)
    if d.state == DecisionState.DONE:
        raise InvalidState("already_done", "该决定已落实")
    if not may_close_decision(acting_user, d):
        raise NotAllowed("not_allowed", "只有责任人或本单位信访工作人员可以登记落实情况")
    if len(note.strip()) < 4:
        raise InvalidInput("invalid_note", "请写明落实情况（至少4个字）")
    d.state, d.done_at, d.done_note = DecisionState.DONE, now, note.strip()
    d.save()
    audit_record(actor=acting_user, action="engagement.decision.done", target=d,
                 data={"late": local_date(now) > d.due_on})
    return d


@dataclass
class ComplianceRow:
    unit: Unit
    held: dict[str, bool]  # period spec → held


def compliance(user: User, kind: str, periods: list[str]) -> list[ComplianceRow]:
    """Which units the user manages held the meeting of each period."""
    units = list(staff_units(user).filter(kind__in=MEETING_KINDS, is_active=True).order_by("path")[:200])
    held = set(meetings_visible_to(user).filter(kind=kind, period__in=periods, state=MeetingState.HELD,
                                                unit__in=units).values_list("unit_id", "period"))
    return [ComplianceRow(unit=u, held={p: (u.pk, p) in held for p in periods}) for u in units]


def recent_periods(kind: str, now: datetime, count: int = 6) -> list[str]:
    d = local_date(now)
    out = []
    if kind == MeetingKind.MONTHLY:
        y, m = d.year, d.month
        for _i in range(count):
            out.append(f"{y}-{m:02d}")
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    else:
        y, q = d.year, (d.month - 1) // 3 + 1
        for _i in range(count):
            out.append(f"{y}-Q{q}")
            y, q = (y - 1, 4) if q == 1 else (y, q - 1)
    return list(reversed(out))
