"""理论武装: 第一议题 with its follow-up tasks and reminders (study.first_topic), and the
党委理论学习中心组's plan, sessions, attendance and speeches checked against study.center_group.

The branches' study (study.branch: 三会一课, 主题党日) belongs to the party module and is not
copied here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.choices import Role
from orgs.models import Unit, User, subtree_q
from petitions.notify import notify_user
from publicity.models import CenterGroupPlan, CenterGroupSession, FirstTopic, FollowUpTask, SessionAttendance
from publicity.rules import current_rule
from publicity.scoping import is_staff_for, staff_units

STUDY_ROLES = (Role.PUBLICITY_OFFICER, Role.PARTY_OFFICER, Role.UNIT_LEADER)


def may_keep_study(user: User, unit: Unit) -> bool:
    """宣传干事 or 党务干事 of the unit (or above) keep its study records."""
    return is_staff_for(user, unit) or user.has_role(Role.PARTY_OFFICER, unit)


def study_units(user: User) -> list[Unit] | None:
    units = staff_units(user)
    if units is None:
        return None
    return [*units, *user.units_with(Role.PARTY_OFFICER, Role.UNIT_LEADER)]


def first_topics_visible_to(user: User) -> QuerySet[FirstTopic]:
    if not user.is_authenticated:
        return FirstTopic.objects.none()
    units = study_units(user)
    if units is None:
        return FirstTopic.objects.all()
    q = Q(led_by=user) | Q(pk__in=FollowUpTask.objects.filter(owner=user).values("first_topic_id"))
    if units:
        q |= subtree_q(units, field="unit__")
    return FirstTopic.objects.filter(q)


def plans_visible_to(user: User) -> QuerySet[CenterGroupPlan]:
    if not user.is_authenticated:
        return CenterGroupPlan.objects.none()
    units = study_units(user)
    if units is None:
        return CenterGroupPlan.objects.all()
    q = Q(members=user)
    if units:
        q |= subtree_q(units, field="unit__")
    return CenterGroupPlan.objects.filter(q).distinct()


# --- 第一议题 -------------------------------------------------------------------------------------


@dataclass
class TaskDraft:
    title: str
    owner: User
    due_on: date


@transaction.atomic
def first_topic_record(*, acting_user: User, unit: Unit, meeting_on: date, material: str, led_by: User,
                       attendees: list[User], summary: str = "", tasks: list[TaskDraft] | None = None,
                       branch_key: str = "") -> FirstTopic:
    if not may_keep_study(acting_user, unit):
        raise NotAllowed("not_study_keeper", "只有本单位的宣传或党务干事可以登记第一议题")
    if not material.strip():
        raise InvalidInput("material_required", "请填写学习内容")
    row = FirstTopic.objects.create(unit=unit, meeting_on=meeting_on, material=material.strip()[:200],
                                    summary=summary, led_by=led_by, created_by=acting_user,
                                    branch_key=branch_key.strip()[:60])
    row.attendees.set(attendees)
    for t in tasks or []:
        follow_up_add(acting_user=acting_user, first_topic=row, draft=t)
    audit_record(actor=acting_user, action="publicity.first_topic.record", target=row,
                 data={"unit": unit.code, "attendees": len(attendees)})
    return row


@transaction.atomic
def follow_up_add(*, acting_user: User, first_topic: FirstTopic, draft: TaskDraft) -> FollowUpTask:
    if not may_keep_study(acting_user, first_topic.unit):
        raise NotAllowed("not_study_keeper", "只有本单位的宣传或党务干事可以布置落实任务")
    if not draft.title.strip():
        raise InvalidInput("title_required", "请填写任务")
    if draft.due_on < first_topic.meeting_on:
        raise InvalidInput("due_before_meeting", "完成时限不能早于党委会日期")
    task = FollowUpTask.objects.create(first_topic=first_topic, title=draft.title.strip()[:200], owner=draft.owner,
                                       due_on=draft.due_on, rule_version=current_rule("study.first_topic").version)
    audit_record(actor=acting_user, action="publicity.task.add", target=task,
                 data={"owner": draft.owner.employee_no, "due_on": draft.due_on.isoformat()})
    notify_user(draft.owner, None, f"第一议题落实任务：{task.title[:60]}，请于{draft.due_on:%Y-%m-%d}前完成")
    return task


@transaction.atomic
def follow_up_done(*, acting_user: User, task: FollowUpTask, note: str, now: datetime | None = None) -> FollowUpTask:
    task = FollowUpTask.objects.select_for_update().select_related("first_topic__unit").get(pk=task.pk)
    if task.owner_id != acting_user.pk and not may_keep_study(acting_user, task.first_topic.unit):
        raise NotAllowed("not_owner", "只有责任人或本单位干事可以报告完成")
    if task.done_at is not None:
        raise InvalidState("already_done", "任务已完成")
    if not note.strip():
        raise InvalidInput("note_required", "请填写落实情况")
    task.done_at, task.done_note = now or timezone.now(), note.strip()
    task.save(update_fields=["done_at", "done_note"])
    audit_record(actor=acting_user, action="publicity.task.done", target=task, data={})
    return task


def task_is_overdue(task: FollowUpTask, today: date) -> bool:
    """Overdue from the day after the due date (the due date itself is still on time)."""
    return task.done_at is None and today > task.due_on


def remind_follow_ups(*, now: datetime | None = None) -> int:
    """Remind each open task's owner once when its due date is within the rule's days (or past).
    Idempotent: compare-and-set on reminded_at, so a second run sends nothing."""
    now = now or timezone.now()
    rule = current_rule("study.first_topic")
    horizon = timezone.localdate(now) + timedelta(days=int(rule.params["remind_days_before"]))
    sent = 0
    for task in FollowUpTask.objects.filter(done_at__isnull=True, reminded_at__isnull=True, due_on__lte=horizon) \
            .select_related("owner"):
        with transaction.atomic():
            if FollowUpTask.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            notify_user(task.owner, None, f"第一议题落实任务“{task.title[:60]}”将于{task.due_on:%Y-%m-%d}到期")
            audit_record(actor=None, action="publicity.task.remind", target=task,
                         data={"rule_version": rule.version, "due_on": task.due_on.isoformat()})
            sent += 1
    return sent


# --- 中心组 ---------------------------------------------------------------------------------------


@transaction.atomic
def center_plan_create(*, acting_user: User, unit: Unit, year: int, topics: str, members: list[User]) -> CenterGroupPlan:
    if not may_keep_study(acting_user, unit):
        raise NotAllowed("not_study_keeper", "只有本单位的宣传或党务干事可以制定中心组学习计划")
    if CenterGroupPlan.objects.filter(unit=unit, year=year).exists():
        raise InvalidState("plan_exists", f"{unit.name}{year}年的中心组学习计划已存在")
    plan = CenterGroupPlan.objects.create(unit=unit, year=year, topics=topics, created_by=acting_user)
    plan.members.set(members)
    audit_record(actor=acting_user, action="publicity.center_plan.create", target=plan, data={"year": year})
    return plan


@transaction.atomic
def center_session_record(*, acting_user: User, plan: CenterGroupPlan, held_on: date, hours: Decimal, topic: str,
                          seminar: bool, present: list[User], speeches: dict[int, str] | None = None
                          ) -> CenterGroupSession:
    if not may_keep_study(acting_user, plan.unit):
        raise NotAllowed("not_study_keeper", "只有本单位的宣传或党务干事可以登记中心组学习")
    if held_on.year != plan.year:
        raise InvalidInput("wrong_year", "学习日期不在计划年度内")
    if hours <= 0:
        raise InvalidInput("bad_hours", "时长须大于0")
    session = CenterGroupSession.objects.create(plan=plan, held_on=held_on, hours=hours, topic=topic[:200],
                                                seminar=seminar, created_by=acting_user)
    present_ids = {u.pk for u in present}
    speeches = speeches or {}
    SessionAttendance.objects.bulk_create(
        SessionAttendance(session=session, user=m, present=m.pk in present_ids, speech=speeches.get(m.pk, ""))
        for m in plan.members.all()
    )
    audit_record(actor=acting_user, action="publicity.center_session.record", target=session,
                 data={"hours": str(hours), "seminar": seminar, "present": len(present_ids)})
    return session


@dataclass
class Compliance:
    """study.center_group for one plan: the figures, the flags, and the rule version used."""

    year: int
    sessions: int = 0
    full_sessions: int = 0  # those of at least the minimum hours
    seminars: int = 0
    longest_gap_days: int = 0
    attendance_rate: float = 0.0
    speeches: int = 0
    flags: list[str] = field(default_factory=list)
    rule_version: int = 0

    @property
    def ok(self) -> bool:
        return not self.flags


def center_compliance(plan: CenterGroupPlan, *, today: date | None = None) -> Compliance:
    """Count the plan's sessions against the rule; the gap between sessions counts from 1 January
    (and up to today, or 31 December for a past year). Two months ≈ 62 days."""
    rule = current_rule("study.center_group")
    p = rule.params
    today = today or timezone.localdate()
    sessions = list(plan.sessions.prefetch_related("attendance"))
    min_hours = Decimal(str(p["min_hours"]))
    out = Compliance(year=plan.year, rule_version=rule.version, sessions=len(sessions))
    out.full_sessions = sum(1 for s in sessions if s.hours >= min_hours)
    out.seminars = sum(1 for s in sessions if s.seminar and s.hours >= min_hours)
    end = min(today, date(plan.year, 12, 31))
    marks = [date(plan.year, 1, 1), *sorted(s.held_on for s in sessions), end]
    out.longest_gap_days = max((b - a).days for a, b in zip(marks, marks[1:], strict=False)) if end >= marks[0] else 0
    rows = [a for s in sessions for a in s.attendance.all()]
    out.attendance_rate = round(sum(a.present for a in rows) / len(rows), 3) if rows else 0.0
    out.speeches = sum(1 for a in rows if a.speech.strip())
    year_over = today > date(plan.year, 12, 31)
    if year_over and out.full_sessions < p["min_sessions"]:
        out.flags.append(f"全年集体学习{out.full_sessions}次（不少于半天的），少于{p['min_sessions']}次")
    if year_over and out.seminars < p["min_seminars"]:
        out.flags.append(f"研讨式学习{out.seminars}次，少于{p['min_seminars']}次")
    if out.sessions - out.full_sessions:
        out.flags.append(f"{out.sessions - out.full_sessions}次学习不足{p['min_hours']}小时")
    if out.longest_gap_days > 62:
        out.flags.append(f"两次学习最长间隔{out.longest_gap_days}天，超过两个月")
    return out
