"""意识形态工作责任制: positions (ideo.positions), 党委 agenda items and the yearly report
(ideo.committee_review), online-opinion incidents with response deadlines and escalation
(ideo.incident). The system records, counts, reminds and escalates; people decide the response."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.choices import Role
from orgs.models import Unit, User, subtree_q
from petitions.notify import notify_user
from publicity.choices import AgendaKind, IncidentLevel, IncidentState, PositionKind
from publicity.models import AgendaItem, Incident, IncidentStep, Position
from publicity.rules import current_rule
from publicity.scoping import is_staff_for, staff_units


def _in_scope(model, user: User, *, extra: Q | None = None) -> QuerySet:
    if not user.is_authenticated:
        return model.objects.none()
    units = staff_units(user)
    if units is None:
        return model.objects.all()
    q = extra if extra is not None else Q(pk__in=[])
    if units:
        q |= subtree_q(units, field="unit__")
    return model.objects.filter(q)


def positions_visible_to(user: User) -> QuerySet[Position]:
    return _in_scope(Position, user, extra=Q(responsible=user) if user.is_authenticated else None)


def agenda_visible_to(user: User) -> QuerySet[AgendaItem]:
    return _in_scope(AgendaItem, user)


def incidents_visible_to(user: User) -> QuerySet[Incident]:
    """宣传干事 of the subtree, administrators, and the incident's response owner."""
    return _in_scope(Incident, user, extra=Q(owner=user) if user.is_authenticated else None)


# --- positions and agenda -----------------------------------------------------------------------


@transaction.atomic
def position_register(*, acting_user: User, name: str, kind: str, unit: Unit, responsible: User,
                      address: str = "") -> Position:
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传干事可以登记阵地")
    if kind not in PositionKind.values or not name.strip():
        raise InvalidInput("bad_position", "请填写阵地名称并选择类别")
    row = Position.objects.create(name=name.strip()[:100], kind=kind, unit=unit, responsible=responsible,
                                  address=address[:200], created_by=acting_user)
    audit_record(actor=acting_user, action="publicity.position.register", target=row,
                 data={"unit": unit.code, "responsible": responsible.employee_no})
    return row


@transaction.atomic
def agenda_record(*, acting_user: User, unit: Unit, meeting_on: date, kind: str, title: str,
                  summary: str = "") -> AgendaItem:
    if not (is_staff_for(acting_user, unit) or acting_user.has_role(Role.PARTY_OFFICER, unit)):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传或党务干事可以登记议题")
    if kind not in AgendaKind.values or not title.strip():
        raise InvalidInput("bad_agenda", "请填写议题并选择类别")
    row = AgendaItem.objects.create(unit=unit, meeting_on=meeting_on, kind=kind, title=title.strip()[:200],
                                    summary=summary, created_by=acting_user)
    audit_record(actor=acting_user, action="publicity.agenda.record", target=row, data={"kind": kind})
    return row


@dataclass
class CommitteeReview:
    unit: str
    year: int
    studies: int
    reported: bool
    flags: list[str] = field(default_factory=list)
    rule_version: int = 0


def committee_review(unit: Unit, year: int, *, today: date | None = None) -> CommitteeReview:
    """ideo.committee_review for one 党委 and year: ≥ N study items and the yearly report.
    Flags are raised once the year is over (during the year the count is shown, not judged)."""
    rule = current_rule("ideo.committee_review")
    today = today or timezone.localdate()
    items = AgendaItem.objects.filter(unit=unit, meeting_on__year=year)
    studies = items.filter(kind=AgendaKind.STUDY).count()
    # The yearly report on a year is often given early the next year: count it up to 31 March.
    reported = AgendaItem.objects.filter(unit=unit, kind=AgendaKind.REPORT, meeting_on__gte=date(year, 1, 1),
                                         meeting_on__lte=date(year + 1, 3, 31)).exists()
    out = CommitteeReview(unit=unit.name, year=year, studies=studies, reported=reported, rule_version=rule.version)
    if today > date(year, 12, 31) and studies < rule.params["min_agenda_items"]:
        out.flags.append(f"{year}年党委会专题研究意识形态工作{studies}次，少于{rule.params['min_agenda_items']}次")
    if rule.params.get("yearly_report") and today > date(year + 1, 3, 31) and not reported:
        out.flags.append(f"{year}年度意识形态工作报告未登记")
    return out


# --- incidents ----------------------------------------------------------------------------------


def response_due(level: str, found_at: datetime) -> tuple[datetime, int]:
    """The first response's deadline by the rule in force, and the rule's version."""
    rule = current_rule("ideo.incident")
    hours = rule.params["response_hours"].get(level)
    if hours is None:
        raise InvalidInput("bad_level", "舆情级别无效")
    return found_at + timedelta(hours=float(hours)), rule.version


@transaction.atomic
def incident_log(*, acting_user: User, title: str, summary: str, unit: Unit, level: str, owner: User,
                 found_at: datetime, source: str = "", now: datetime | None = None) -> Incident:
    now = now or timezone.now()
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传干事可以登记舆情")
    if level not in IncidentLevel.values:
        raise InvalidInput("bad_level", "舆情级别无效")
    if not title.strip() or not summary.strip():
        raise InvalidInput("text_required", "请填写舆情标题和情况")
    if found_at.year < 2000:
        raise InvalidInput("bad_time", "发现时间无效")
    if found_at > now + timedelta(minutes=5):
        raise InvalidInput("found_in_future", "发现时间不能晚于现在")
    due, version = response_due(level, found_at)
    row = Incident.objects.create(title=title.strip()[:200], summary=summary.strip(), source=source[:200], unit=unit,
                                  level=level, owner=owner, found_at=found_at, due_at=due, rule_version=version,
                                  created_by=acting_user)
    IncidentStep.objects.create(incident=row, kind=IncidentStep.Kind.FOUND, at=now, actor=acting_user,
                                text=summary.strip()[:2000])
    audit_record(actor=acting_user, action="publicity.incident.log", target=row,
                 data={"level": level, "due_at": due.isoformat(), "rule_version": version})
    notify_user(owner, None, f"舆情“{row.title[:40]}”请于{timezone.localtime(due):%m-%d %H:%M}前首次响应")
    return row


@transaction.atomic
def incident_respond(*, incident: Incident, acting_user: User, text: str, now: datetime | None = None) -> Incident:
    """The first response (or a later step): answered at the deadline exactly is on time."""
    now = now or timezone.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.owner_id != acting_user.pk and not is_staff_for(acting_user, incident.unit):
        raise NotAllowed("not_owner", "只有响应责任人或宣传干事可以记录处置")
    if incident.state == IncidentState.CLOSED:
        raise InvalidState("closed", "舆情已处置完毕")
    if not text.strip():
        raise InvalidInput("text_required", "请填写处置内容")
    first = incident.responded_at is None
    if first:
        incident.responded_at, incident.state = now, IncidentState.RESPONDED
        incident.save(update_fields=["responded_at", "state"])
    IncidentStep.objects.create(incident=incident, kind=IncidentStep.Kind.RESPONSE if first else IncidentStep.Kind.STEP,
                                at=now, actor=acting_user, text=text.strip()[:2000])
    audit_record(actor=acting_user, action="publicity.incident.respond", target=incident,
                 data={"first": first, "on_time": incident.answered_on_time})
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, acting_user: User, text: str, now: datetime | None = None) -> Incident:
    now = now or timezone.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not is_staff_for(acting_user, incident.unit):
        raise NotAllowed("not_publicity_staff", "只有宣传干事可以确认处置完毕")
    if incident.state != IncidentState.RESPONDED:
        raise InvalidState("not_responded", "尚未首次响应的舆情不能直接关闭")
    incident.state, incident.closed_at = IncidentState.CLOSED, now
    incident.save(update_fields=["state", "closed_at"])
    IncidentStep.objects.create(incident=incident, kind=IncidentStep.Kind.CLOSE, at=now, actor=acting_user,
                                text=text.strip()[:2000])
    audit_record(actor=acting_user, action="publicity.incident.close", target=incident, data={})
    return incident


def escalation_targets(incident: Incident) -> list[User]:
    """The 宣传干事 of the unit above the incident's unit (or of the unit itself at the top)."""
    from orgs.models import RoleAssignment

    unit = incident.unit.parent or incident.unit
    units = [unit, *unit.ancestors()]
    people = {ra.user for ra in RoleAssignment.objects.filter(role=Role.PUBLICITY_OFFICER, unit__in=units)
              .select_related("user")}
    return sorted(people, key=lambda u: u.pk)


def escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate every open incident whose first response is overdue (now strictly after the
    deadline), once: compare-and-set on escalated_at, so a second run changes nothing."""
    now = now or timezone.now()
    done = 0
    for incident in Incident.objects.filter(state=IncidentState.OPEN, escalated_at__isnull=True, due_at__lt=now) \
            .select_related("unit", "owner"):
        with transaction.atomic():
            if Incident.objects.filter(pk=incident.pk, state=IncidentState.OPEN,
                                       escalated_at__isnull=True).update(escalated_at=now) != 1:
                continue
            targets = escalation_targets(incident)
            IncidentStep.objects.create(incident=incident, kind=IncidentStep.Kind.ESCALATION, at=now,
                                        text="、".join(u.name for u in targets) or "")
            audit_record(actor=None, action="publicity.incident.escalate", target=incident,
                         data={"due_at": incident.due_at.isoformat(), "to": [u.employee_no for u in targets]})
            for user in [incident.owner, *targets]:
                notify_user(user, None, f"舆情“{incident.title[:40]}”超过首次响应时限未响应，已升级")
            done += 1
    return done
