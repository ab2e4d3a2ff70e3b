"""Cadre visits (变群众上访为干部下访, 第十八条第二款): monthly rotation plans, visit logs, the matters
raised becoming petitions (channel 干部下访, through the petition core's intake) or screening-ledger
entries in one step, and compliance per unit: planned against done."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from engagement.choices import MatterOutcome
from engagement.models import ScreeningEntry, VisitAssignment, VisitLog, VisitMatter, VisitPlan
from engagement.scoping import is_staff, plans_visible_to
from orgs.models import Unit, User
from petitions.choices import Category, Channel, PetitionType
from petitions.identity import Identity
from petitions.intake import IntakeResult, PetitionDraft, petition_register
from petitions.notify import notify_user
from tongxin.lib.periods import SHANGHAI, local_date


def month_start(d: date) -> date:
    return d.replace(day=1)


def rotation(cadres: list[User], units: list[Unit], month: date) -> list[tuple[User, Unit]]:
    """Each cadre to one unit, shifted by one unit every month, so cadres rotate through all the
    grassroots units over the months (轮流到基层单位)."""
    if not cadres or not units:
        return []
    shift = (month.year * 12 + month.month) % len(units)
    return [(cadre, units[(i + shift) % len(units)]) for i, cadre in enumerate(cadres)]


@transaction.atomic
def plan_create(*, unit: Unit, month: date, cadres: list[User], targets: list[Unit], acting_user: User,
                now: datetime | None = None) -> VisitPlan:
    now = now or timezone.now()
    if not is_staff(acting_user, unit):
        raise NotAllowed("not_allowed", f"您不是{unit.name}的信访或党务工作人员，不能制定下访计划")
    month = month_start(month)
    if not cadres or not targets:
        raise InvalidInput("invalid_plan", "请选择下访干部和基层单位")
    if any(not t.is_within(unit) for t in targets):
        raise InvalidInput("invalid_plan", "下访单位须是本单位的下属单位")
    if VisitPlan.objects.filter(unit=unit, month=month).exists():
        raise InvalidState("plan_exists", f"{unit.name}{month:%Y年%m月}的下访计划已存在")
    plan = VisitPlan.objects.create(unit=unit, month=month, title=f"{unit.name}{month:%Y年%m月}干部下访计划",
                                    created_by=acting_user, created_at=now)
    days = calendar.monthrange(month.year, month.month)[1]
    pairs = rotation(cadres, targets, month)
    for i, (cadre, target) in enumerate(pairs):
        # Spread the visits over the month's working weeks.
        day = min(days, 5 + (i * 7) % 21)
        VisitAssignment.objects.create(plan=plan, cadre=cadre, target=target, planned_on=month.replace(day=day))
        notify_user(cadre, None, f"下访安排：{month:%Y年%m月}{day}日到{target.name}")
    audit_record(actor=acting_user, action="engagement.visit_plan.create", target=plan,
                 data={"assignments": [(c.employee_no, t.code) for c, t in pairs]})
    return plan


@dataclass
class MatterInput:
    text: str
    category: str = Category.OTHER
    people_count: int = 1


@transaction.atomic
def visit_log(*, cadre: User, unit: Unit, visited_on: date, place: str, employees_met: int, summary: str,
              matters: list[MatterInput], acting_user: User, assignment: VisitAssignment | None = None,
              now: datetime | None = None) -> VisitLog:
    now = now or timezone.now()
    if assignment is not None:
        if VisitLog.objects.filter(assignment=assignment).exists():
            raise InvalidState("already_logged", "该下访安排已有记录")
        cadre, unit = assignment.cadre, assignment.target
    allowed = acting_user.pk == cadre.pk or is_staff(acting_user, unit) or (
        assignment is not None and is_staff(acting_user, assignment.plan.unit))
    if not allowed:
        raise NotAllowed("not_allowed", "只有下访干部本人或该单位信访工作人员可以记录")
    if visited_on > local_date(now):
        raise InvalidInput("invalid_visit", "下访日期不能晚于今天")
    if employees_met < 0 or len(summary.strip()) < 5 or not place.strip():
        raise InvalidInput("invalid_visit", "请填写地点、接待人数和情况摘要（至少5个字）")
    log = VisitLog.objects.create(assignment=assignment, cadre=cadre, unit=unit, visited_on=visited_on,
                                  place=place.strip(), employees_met=employees_met, summary=summary.strip(),
                                  recorded_by=acting_user, recorded_at=now)
    for m in matters:
        if m.text.strip():
            if m.category not in Category.values:
                raise InvalidInput("invalid_category", "问题分类无效")
            VisitMatter.objects.create(log=log, text=m.text.strip(), category=m.category,
                                       people_count=max(1, m.people_count))
    audit_record(actor=acting_user, action="engagement.visit.log", target=log,
                 data={"unit": unit.code, "employees_met": employees_met, "matters": log.matters.count()})
    return log


def _lock_matter(matter: VisitMatter) -> VisitMatter:
    m = VisitMatter.objects.select_for_update().select_related("log", "log__unit", "log__cadre").get(pk=matter.pk)
    if m.outcome != MatterOutcome.PENDING:
        raise InvalidState("invalid_state", f"该问题已处理：{m.get_outcome_display()}")
    return m


@transaction.atomic
def matter_to_petition(*, matter: VisitMatter, acting_user: User, title: str = "", now: datetime | None = None,
                       ) -> IntakeResult:
    """Register the matter as a petition received by cadre visit (渠道：干部下访) at the visited unit,
    through the petition core's registration (the registering officer must be desk staff there)."""
    now = now or timezone.now()
    m = _lock_matter(matter)
    text = m.text if len(m.text) >= 10 else f"干部下访时职工反映：{m.text}"
    draft = PetitionDraft(
        title=(title or m.text)[:60] if len((title or m.text).strip()) >= 2 else "干部下访反映问题",
        content=f"{text}\n（{m.log.visited_on:%Y年%m月%d日}{m.log.cadre.name}下访{m.log.place}时收到）",
        category=m.category, unit=m.log.unit, ptype=PetitionType.REQUEST, channel=Channel.CADRE_VISIT,
        anonymous=True, identity=Identity(), people_count=m.people_count,
        # Received on the day of the visit (the acceptance period runs from then).
        received_at=datetime.combine(m.log.visited_on, time(12), tzinfo=SHANGHAI)
        if m.log.visited_on < local_date(now) else None,
    )
    result = petition_register(officer=acting_user, draft=draft, now=now)
    m.outcome, m.petition = MatterOutcome.PETITION, result.petition
    m.save(update_fields=["outcome", "petition"])
    audit_record(actor=acting_user, action="engagement.visit_matter.to_petition", target=m.log,
                 data={"matter": m.pk, "petition": result.petition.number})
    return result


@transaction.atomic
def matter_to_screening(*, matter: VisitMatter, acting_user: User, responsible: User, risk_level: str,
                        now: datetime | None = None) -> ScreeningEntry:
    from engagement.screening import entry_create

    now = now or timezone.now()
    m = _lock_matter(matter)
    entry = entry_create(unit=m.log.unit, dispute=m.text[:200], source=m.category,
                         source_note=f"{m.log.visited_on:%Y-%m-%d}干部下访", people="", people_count=m.people_count,
                         risk_level=risk_level, measures="", responsible=responsible, acting_user=acting_user, now=now)
    m.outcome, m.screening = MatterOutcome.SCREENING, entry
    m.save(update_fields=["outcome", "screening"])
    audit_record(actor=acting_user, action="engagement.visit_matter.to_screening", target=m.log,
                 data={"matter": m.pk, "entry": entry.pk})
    return entry


@transaction.atomic
def matter_answered(*, matter: VisitMatter, acting_user: User) -> VisitMatter:
    m = _lock_matter(matter)
    if not (acting_user.pk == m.log.cadre_id or is_staff(acting_user, m.log.unit)):
        raise NotAllowed("not_allowed", "只有下访干部本人或该单位信访工作人员可以处理")
    m.outcome = MatterOutcome.ANSWERED
    m.save(update_fields=["outcome"])
    audit_record(actor=acting_user, action="engagement.visit_matter.answered", target=m.log, data={"matter": m.pk})
    return m


@dataclass
class ComplianceRow:
    unit: Unit
    planned: int
    done: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.planned) if self.planned else None


def compliance(user: User, month: date) -> list[ComplianceRow]:
    """Per visited unit, in the plans the user sees for ``month``: visits planned against logged."""
    rows = (VisitAssignment.objects.filter(plan__in=plans_visible_to(user), plan__month=month_start(month))
            .values("target").annotate(planned=Count("pk"), done=Count("pk", filter=Q(log__isnull=False))))
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[r["target"] for r in rows])}
    out = [ComplianceRow(unit=units[r["target"]], planned=r["planned"], done=r["done"]) for r in rows]
    return sorted(out, key=lambda r: r.unit.path)
