"""Screening ledger (不稳定因素排查台账): entries per unit and month, the monthly screening of every
unit tracked for completeness, and the export in the usual ledger layout (.xlsx)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement.models import ScreeningEntry, ScreeningRound
from engagement.scoping import is_staff, rounds_visible_to, staff_units
from orgs.choices import UnitKind
from orgs.models import Unit, User
from petitions.choices import Category, RiskLevel
from petitions.models import Petition
from petitions.notify import notify_user
from petitions.selectors import visible_to
from tongxin.lib.periods import local_date

# The units that screen every month: the grassroots units that hold people (mines, plants, teams, offices).
SCREENING_KINDS = (UnitKind.MINE, UnitKind.PLANT)


def month_of(now: datetime) -> date:
    return local_date(now).replace(day=1)


def round_for(unit: Unit, month: date) -> ScreeningRound:
    obj, _created = ScreeningRound.objects.get_or_create(unit=unit, month=month.replace(day=1))
    return obj


@transaction.atomic
def entry_create(*, unit: Unit, dispute: str, source: str, source_note: str, people: str, people_count: int,
                 risk_level: str, measures: str, responsible: User, acting_user: User,
                 petitions: list[Petition] | None = None, now: datetime | None = None) -> ScreeningEntry:
    now = now or timezone.now()
    if not is_staff(acting_user, unit):
        raise NotAllowed("not_allowed", f"您不是{unit.name}的信访或党务工作人员，不能登记排查台账")
    errors = []
    if len(dispute.strip()) < 4:
        errors.append("矛盾纠纷或不稳定因素至少4个字")
    if source not in Category.values:
        errors.append("请选择来源")
    if risk_level not in RiskLevel.values:
        errors.append("请选择风险等级")
    if people_count < 1:
        errors.append("涉及人数至少为1")
    if errors:
        raise InvalidInput("invalid_entry", "；".join(errors), errors=errors)
    entry = ScreeningEntry.objects.create(
        round=round_for(unit, month_of(now)), unit=unit, dispute=dispute.strip(), source=source,
        source_note=source_note.strip(), people=people.strip(), people_count=people_count, risk_level=risk_level,
        measures=measures.strip(), responsible=responsible, created_by=acting_user, created_at=now, updated_at=now,
    )
    if petitions:
        _link(entry, petitions, acting_user)
    audit_record(actor=acting_user, action="engagement.screening.create", target=entry,
                 data={"unit": unit.code, "risk": risk_level})
    if responsible.pk != acting_user.pk:
        notify_user(responsible, None, f"排查台账：您是“{entry.dispute}”的稳控化解责任人")
    return entry


def _link(entry: ScreeningEntry, petitions: list[Petition], acting_user: User) -> None:
    allowed = set(visible_to(acting_user).filter(pk__in=[p.pk for p in petitions]).values_list("pk", flat=True))
    if len(allowed) != len({p.pk for p in petitions}):
        raise NotAllowed("not_allowed", "只能关联您有权查看的信访事项")
    entry.petitions.add(*allowed)


@transaction.atomic
def entry_update(*, entry: ScreeningEntry, acting_user: User, status: str, measures: str,
                 petitions: list[Petition] | None = None, now: datetime | None = None) -> ScreeningEntry:
    from engagement.choices import ScreeningStatus

    now = now or timezone.now()
    e = ScreeningEntry.objects.select_for_update().get(pk=entry.pk)
    if not (is_staff(acting_user, e.unit) or acting_user.pk == e.responsible_id):
        raise NotAllowed("not_allowed", "只有本单位信访工作人员或责任人可以更新")
    if status not in ScreeningStatus.values:
        raise InvalidInput("invalid_status", "状态无效")
    before = e.status
    e.status, e.measures, e.updated_at = status, measures.strip(), now
    e.save()
    if petitions:
        _link(e, petitions, acting_user)
    audit_record(actor=acting_user, action="engagement.screening.update", target=e,
                 data={"from": before, "to": status})
    return e


@transaction.atomic
def round_complete(*, unit: Unit, month: date, acting_user: User, note: str = "",
                   now: datetime | None = None) -> ScreeningRound:
    """The unit declares its monthly screening done (also when nothing was found)."""
    now = now or timezone.now()
    if not is_staff(acting_user, unit):
        raise NotAllowed("not_allowed", f"您不是{unit.name}的信访或党务工作人员")
    if month > month_of(now):
        raise InvalidInput("invalid_month", "不能提前完成以后月份的排查")
    r = ScreeningRound.objects.select_for_update().get(pk=round_for(unit, month).pk)
    if r.completed_at is not None:
        raise InvalidState("already_completed", f"{unit.name}{month:%Y年%m月}的排查已完成")
    r.completed_at, r.completed_by, r.note = now, acting_user, note.strip()[:300]
    r.save()
    audit_record(actor=acting_user, action="engagement.screening.round_complete", target=r,
                 data={"unit": unit.code, "month": f"{month:%Y-%m}", "entries": r.entries.count()})
    return r


@dataclass
class CompletenessRow:
    unit: Unit
    entries: int
    completed_at: datetime | None


def completeness(user: User, month: date) -> list[CompletenessRow]:
    """Every screening unit the user manages, and whether its screening of ``month`` is done."""
    units = list(staff_units(user).filter(kind__in=SCREENING_KINDS, is_active=True).order_by("path"))
    rounds = {r.unit_id: r for r in rounds_visible_to(user).filter(month=month.replace(day=1), unit__in=units)}
    out = []
    for unit in units:
        r = rounds.get(unit.pk)
        out.append(CompletenessRow(unit=unit, entries=r.entries.count() if r else 0,
                                   completed_at=r.completed_at if r else None))
    return out


LEDGER_COLUMNS = ["序号", "单位", "排查时间", "矛盾纠纷或不稳定因素", "来源", "涉及人员", "涉及人数", "风险等级",
                  "稳控化解措施", "责任人", "状态", "关联信访事项"]


def export_xlsx(entries: QuerySet[ScreeningEntry], title: str) -> bytes:
    """The ledger in its usual paper layout: a title row, a header row, one row per entry."""
    wb = Workbook()
    ws = wb.active
    ws.title = "排查台账"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LEDGER_COLUMNS))
    ws["A1"].font = Font(size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(LEDGER_COLUMNS)
    thin = Side(style="thin")
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rows = entries.select_related("unit", "responsible").prefetch_related("petitions").order_by("unit__path", "created_at")
    for i, e in enumerate(rows, start=1):
        ws.append([
            i, e.unit.name, f"{local_date(e.created_at):%Y-%m-%d}", e.dispute,
            e.get_source_display() + (f"（{e.source_note}）" if e.source_note else ""), e.people, e.people_count,
            e.get_risk_level_display(), e.measures, e.responsible.name, e.get_status_display(),
            "、".join(p.number for p in e.petitions.all()),
        ])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for col, width in zip("ABCDEFGHIJKL", (6, 16, 12, 36, 16, 16, 8, 8, 36, 10, 8, 20), strict=True):
        ws.column_dimensions[col].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
