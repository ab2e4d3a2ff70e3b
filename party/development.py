"""Member development (发展党员): 5 stages, 25 steps, each with its date, documents and who
decided. The time rules (dev.*) are versioned rule data; the next step's earliest and latest
dates are computed here (公示 on working days); a step out of order or too early is refused with
a message that names the step and the rule. Latest dates are flags: people decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_record
from core.calendar import work_calendar
from core.errors import InvalidInput, InvalidState
from orgs.models import User
from party.dates import add_months, add_years, age_on, publicity_end
from party.members import end_membership, member_register, require_manager
from party.models import (
    BRANCH_KINDS,
    DevFile,
    DevState,
    DevStep,
    Member,
    Membership,
    MemberStatus,
    PartyOrg,
)
from party.rules import rule
from tongxin.lib.periods import local_date

STAGES = [
    (1, gettext_lazy("申请入党"), (1, 2)),
    (2, gettext_lazy("入党积极分子的确定和培养教育"), (3, 4, 5, 6)),
    (3, gettext_lazy("发展对象的确定和考察"), (7, 8, 9, 10, 11)),
    (4, gettext_lazy("预备党员的接收"), (12, 13, 14, 15, 16, 17, 18)),
    (5, gettext_lazy("预备党员的教育考察和转正"), (19, 20, 21, 22, 23, 24, 25)),
]
STEPS = {
    1: gettext_lazy("递交入党申请书"), 2: gettext_lazy("党组织派人谈话"), 3: gettext_lazy("推荐和确定入党积极分子"),
    4: gettext_lazy("上级党委备案"), 5: gettext_lazy("指定培养联系人"), 6: gettext_lazy("培养教育考察"),
    7: gettext_lazy("确定发展对象"), 8: gettext_lazy("报上级党委备案"), 9: gettext_lazy("确定入党介绍人"),
    10: gettext_lazy("进行政治审查"), 11: gettext_lazy("开展集中培训"), 12: gettext_lazy("支部委员会审查"),
    13: gettext_lazy("上级党委预审"), 14: gettext_lazy("填写入党志愿书"), 15: gettext_lazy("支部大会讨论"),
    16: gettext_lazy("上级党委派人谈话"), 17: gettext_lazy("上级党委审批"), 18: gettext_lazy("再上一级党委组织部门备案"),
    19: gettext_lazy("编入党支部和党小组"), 20: gettext_lazy("入党宣誓"), 21: gettext_lazy("继续教育考察"),
    22: gettext_lazy("提出转正申请"), 23: gettext_lazy("支部大会讨论"), 24: gettext_lazy("上级党委审批"),
    25: gettext_lazy("材料归档"),
}
# Steps preceded by a 公示 of dev.publicity working days (发展对象 / 接收 / 转正).
PUBLICITY_STEPS = (7, 13, 24)


def stage_of(step: int) -> int:
    for n, _label, steps in STAGES:
        if step in steps:
            return n
    return 5


@dataclass
class Window:
    """When the next step may be recorded: earliest (refused before) and latest (flagged after)."""

    step: int
    earliest: date | None
    latest: date | None = None
    reasons: list[str] = field(default_factory=list)  # why the earliest date is what it is
    stamps: list[str] = field(default_factory=list)
    latest_rule: str = ""


def _dates(file: DevFile) -> dict[int, date]:
    return dict(file.steps.values_list("step", "on"))


def window(file: DevFile, step: int, data: dict[str, Any] | None = None) -> Window:
    """The earliest/latest date of ``step`` given the steps recorded so far (and, for a 公示 step,
    the publicity start in ``data``)."""
    dates = _dates(file)
    prev = dates.get(step - 1)
    w = Window(step, prev)
    if prev:
        w.reasons.append(_("不早于上一步（%(d)s）") % {"d": prev})

    def later(d: date, reason: str, stamp: str) -> None:
        w.stamps.append(stamp)
        if w.earliest is None or d > w.earliest:
            w.earliest = d
            w.reasons.append(reason)

    def due(d: date, stamp: str) -> None:
        w.stamps.append(stamp)
        w.latest, w.latest_rule = d, stamp

    if step == 2 and 1 in dates:
        r = rule("dev.talk", dates[1])
        due(add_months(dates[1], int(r["months"])), r.stamp)
    if step == 7 and 3 in dates:
        r = rule("dev.activist_period", dates[3])
        later(add_years(dates[3], int(r["years"])),
              _("确定为入党积极分子（%(d)s）满%(n)s年（%(code)s）") % {"d": dates[3], "n": r["years"], "code": r.code},
              r.stamp)
    if step in PUBLICITY_STEPS:
        start = (data or {}).get("publicity_from")
        r = rule("dev.publicity", prev)
        if start:
            start_d = date.fromisoformat(str(start))
            end = publicity_end(start_d, int(r["workdays"]), work_calendar())
            later(end + timedelta(days=1),
                  _("公示自%(s)s起%(n)s个工作日，至%(e)s止（%(code)s）")
                  % {"s": start_d, "n": r["workdays"], "e": end, "code": r.code}, r.stamp)
        else:
            w.stamps.append(r.stamp)
    if step == 17 and 15 in dates:
        r = rule("dev.approval", dates[15])
        due(add_months(dates[15], int(r["months"])), r.stamp)
    if step == 20 and 17 in dates:
        r = rule("dev.oath", dates[17])
        due(add_months(dates[17], int(r["months"])), r.stamp)
    if step in (22, 23) and file.probation_end:
        r = rule("dev.probation", dates.get(15))
        later(file.probation_end, _("预备期至%(d)s期满（%(code)s）") % {"d": file.probation_end, "code": r.code},
              r.stamp)
    if step == 24 and file.probation_end:
        r = rule("dev.conversion_approval", file.probation_end)
        due(add_months(file.probation_end, int(r["months"])), r.stamp)
    return w


@transaction.atomic
def dev_open(*, person: User, branch: PartyOrg, birth_date: date, applied_on: date, actor: User | None,
             leaving_on: date | None = None, document=None) -> DevFile:
    """Open a file with step 1 (the application), checking dev.age."""
    require_manager(actor, branch)
    if branch.kind not in BRANCH_KINDS:
        raise InvalidInput("party.dev.branch", _("入党申请应向党支部提出"))
    if Member.objects.filter(person=person, status__in=(MemberStatus.FULL, MemberStatus.PROBATIONARY)).exists():
        raise InvalidState("party.dev.member", _("%(n)s已是党员") % {"n": person.name})
    if DevFile.objects.filter(person=person, state__in=(DevState.ACTIVE, DevState.PROBATION)).exists():
        raise InvalidState("party.dev.open", _("%(n)s已有在办的发展档案") % {"n": person.name})
    f = DevFile.objects.create(person=person, branch=branch, birth_date=birth_date, leaving_on=leaving_on)
    step_record(file=f, step=1, on=applied_on, decided_by=person.name, actor=actor, document=document)
    f.refresh_from_db()
    return f


def _check(file: DevFile, step: int, on: date, data: dict[str, Any], today: date) -> tuple[list[str], list[str]]:
    """Refuse what the rules forbid; return (flags, stamps) for what they only signal."""
    if file.state in (DevState.DONE, DevState.CANCELLED):
        raise InvalidState("party.dev.closed", _("该档案已%(s)s") % {"s": file.get_state_display()})
    if step != file.current_step + 1:
        if step <= file.current_step:
            raise InvalidState("party.dev.done", _("第%(n)s步“%(l)s”已记录") % {"n": step, "l": STEPS[step]})
        nxt = file.current_step + 1
        raise InvalidState("party.dev.order", _("请先完成第%(n)s步“%(l)s”，再办理第%(m)s步“%(k)s”")
                           % {"n": nxt, "l": STEPS[nxt], "m": step, "k": STEPS[step]})
    if on > today:
        raise InvalidInput("party.dev.future", _("不能记录今后的日期（%(d)s）") % {"d": on})
    flags: list[str] = []
    stamps: list[str] = []
    if step == 1:
        r = rule("dev.age", on)
        stamps.append(r.stamp)
        if age_on(file.birth_date, on) < int(r["years"]):
            raise InvalidInput("dev.age", _("申请人递交申请时未满%(n)s周岁（%(b)s出生），不能受理")
                               % {"n": r["years"], "b": file.birth_date})
    if step in PUBLICITY_STEPS and not data.get("publicity_from"):
        r = rule("dev.publicity", on)
        raise InvalidInput("dev.publicity", _("第%(n)s步前须公示%(d)s个工作日：请填写公示开始日期")
                           % {"n": step, "d": r["workdays"]})
    w = window(file, step, data)
    stamps += w.stamps
    if w.earliest and on < w.earliest:
        raise InvalidInput("party.dev.too_early", _("第%(n)s步“%(l)s”最早可在%(d)s办理：%(why)s")
                           % {"n": step, "l": STEPS[step], "d": w.earliest, "why": w.reasons[-1]})
    if w.latest and on > w.latest:
        flags.append(_("晚于%(d)s（%(code)s）") % {"d": w.latest, "code": w.latest_rule})
    if step == 9:
        r = rule("dev.introducers", on)
        stamps.append(r.stamp)
        nos = [str(n).strip() for n in data.get("introducers", []) if str(n).strip()]
        ok = Member.objects.filter(person__employee_no__in=nos, status=MemberStatus.FULL).count()
        if len(set(nos)) != int(r["count"]) or ok != int(r["count"]):
            raise InvalidInput("dev.introducers", _("入党介绍人应为%(n)s名正式党员（填写工号）") % {"n": r["count"]})
    if step == 10:
        r = rule("dev.political_review", on)
        stamps.append(r.stamp)
        if not str(data.get("conclusion", "")).strip():
            raise InvalidInput("dev.political_review", _("政治审查须有结论"))
    if step == 11:
        r = rule("dev.training", on)
        stamps.append(r.stamp)
        days, hours = int(data.get("days") or 0), int(data.get("hours") or 0)
        if days < int(r["days"]) and hours < int(r["hours"]):
            raise InvalidInput("dev.training", _("集中培训不少于%(d)s天或%(h)s学时")
                               % {"d": r["days"], "h": r["hours"]})
    if step in (12, 15) and file.leaving_on:
        r = rule("dev.leaving_soon", on)
        stamps.append(r.stamp)
        if file.leaving_on <= add_months(on, int(r["months"])):
            flags.append(_("发展对象将于%(d)s离开本单位（%(code)s：一般不予接收，由党组织决定）")
                         % {"d": file.leaving_on, "code": r.code})
    if step == 17 and 15 in _dates(file):
        r = rule("dev.approval", on)
        if on > add_months(_dates(file)[15], int(r["exceptional_months"])):
            flags.append(_("审批超过%(n)s个月（%(code)s）") % {"n": r["exceptional_months"], "code": r.code})
    return flags, stamps


@transaction.atomic
def step_record(*, file: DevFile, step: int, on: date, decided_by: str, actor: User | None,
                data: dict[str, Any] | None = None, note: str = "", document=None,
                today: date | None = None) -> DevStep:
    """Record one step. Refuses a step out of order or too early (ValueError-free: DomainErrors)."""
    file = DevFile.objects.select_for_update().select_related("branch", "person").get(pk=file.pk)
    require_manager(actor, file.branch)
    if not (1 <= step <= 25):
        raise InvalidInput("party.dev.step", _("步骤应为1–25"))
    if not decided_by.strip():
        raise InvalidInput("party.dev.decided_by", _("请填写作出决定的人或组织"))
    data = dict(data or {})
    flags, stamps = _check(file, step, on, data, today or local_date(timezone.now()))
    s = DevStep(file=file, step=step, on=on, decided_by=decided_by.strip()[:100], note=note, data=data,
                flags=flags, rule_version=";".join(dict.fromkeys(stamps)), recorded_by=actor)
    if document is not None:
        from party.uploads import checked_document

        checked = checked_document(document)
        s.document_name, s.document_type = checked.name, checked.content_type
        s.document.save(checked.name, checked.upload, save=False)
    s.save()
    file.current_step = step
    if step == 15:
        r = rule("dev.probation", on)
        file.probation_end = add_years(on, int(r["years"]))
    if step == 17:
        dates = _dates(file)
        member = Member.objects.filter(person=file.person).first()
        if member is None:
            member = member_register(person=file.person, branch=file.branch, status=MemberStatus.PROBATIONARY,
                                     actor=None, since=dates[15], joined_on=dates[15], birth_date=file.birth_date,
                                     reason=_("接收为预备党员"))
        else:  # a person who once left: a new period in the same record
            member.status, member.branch, member.joined_on = MemberStatus.PROBATIONARY, file.branch, dates[15]
            member.save(update_fields=["status", "branch", "joined_on", "updated_at"])
            Membership.objects.create(member=member, branch=file.branch, start=dates[15], reason=_("接收为预备党员"))
        file.member, file.state = member, DevState.PROBATION
    if step == 24:
        member = file.member
        member.status, member.full_on = MemberStatus.FULL, file.probation_end  # 党龄 from the end of probation
        member.save(update_fields=["status", "full_on", "updated_at"])
    if step == 25:
        file.state = DevState.DONE
    file.save()
    audit_record(actor=actor, action="party.dev.step", target=file,
                 data={"step": step, "on": on, "decided_by": decided_by, "flags": flags,
                       "document": s.document_name})
    return s


@transaction.atomic
def probation_extend(*, file: DevFile, months: int, on: date, actor: User | None, reason: str) -> DevFile:
    """Extend probation (dev.extension: ≥ 6 months, ≤ 1 year in all), decided by the branch meeting."""
    file = DevFile.objects.select_for_update().get(pk=file.pk)
    require_manager(actor, file.branch)
    r = rule("dev.extension", on)
    if file.state != DevState.PROBATION or file.current_step >= 24:
        raise InvalidState("party.dev.not_probation", _("只有预备期内可以延长预备期"))
    if months < int(r["min_months"]) or file.extended_months + months > int(r["max_months"]):
        raise InvalidInput("dev.extension", _("延长预备期不少于%(a)s个月、不超过%(b)s个月")
                           % {"a": r["min_months"], "b": r["max_months"]})
    if not reason.strip():
        raise InvalidInput("party.dev.reason", _("请填写延长预备期的理由"))
    file.probation_end = add_months(file.probation_end, months)
    file.extended_months += months
    file.save(update_fields=["probation_end", "extended_months"])
    audit_record(actor=actor, action="party.dev.extend", target=file, data={"months": months, "reason": reason})
    return file


@transaction.atomic
def dev_cancel(*, file: DevFile, on: date, actor: User | None, reason: str) -> DevFile:
    """Stop a file (e.g. 取消预备党员资格, decided by the branch meeting and approved above)."""
    file = DevFile.objects.select_for_update().get(pk=file.pk)
    require_manager(actor, file.branch)
    if file.state in (DevState.DONE, DevState.CANCELLED):
        raise InvalidState("party.dev.closed", _("该档案已办结"))
    if not reason.strip():
        raise InvalidInput("party.dev.reason", _("请填写终止的理由"))
    if file.member is not None and file.member.status == MemberStatus.PROBATIONARY:
        end_membership(Member.objects.select_for_update().get(pk=file.member_id), on, MemberStatus.REMOVED)
    file.state = DevState.CANCELLED
    file.save(update_fields=["state"])
    audit_record(actor=actor, action="party.dev.cancel", target=file, data={"reason": reason, "on": on})
    return file


def next_step(file: DevFile) -> Window | None:
    if file.state in (DevState.DONE, DevState.CANCELLED) or file.current_step >= 25:
        return None
    return window(file, file.current_step + 1)


def activist_review_due(file: DevFile, today: date) -> date | None:
    """dev.activist_review: while an activist (steps 3–6 done, 7 not yet), a review each half year."""
    if not (3 <= file.current_step < 7):
        return None
    dates = _dates(file)
    r = rule("dev.activist_review", today)
    last = max(d for s, d in dates.items() if s >= 3)
    return add_months(last, int(r["months"]))
