"""Demo data of the party module, built through the services on the demo coal group (orgs.demo):
a 集团党委, a 党委 per company and mine, a 党支部 per production team, a 机关联合党支部 per mine,
members drawn from the people of each team (the platform's person records), committees, a year
of organizational life in 塔山矿综采一队党支部, development files, a transfer, one month's dues.
Idempotent: a second run adds nothing."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orgs.choices import UnitKind
from orgs.models import Unit, User
from party import orgtree
from party.dates import add_months, month_key
from party.development import dev_open, step_record, window
from party.dues import dues_collect, dues_run
from party.life import meeting_hold, meeting_plan, vote_record
from party.members import member_register
from party.models import (
    DuesAssessment,
    Education,
    MeetingKind,
    Member,
    MemberStatus,
    OrgKind,
    PartyOrg,
    PostCategory,
    PostKind,
)
from party.transfers import letter_issue
from tongxin.lib.periods import local_date

ROOT_CODE = "DW-JNKG"


def _h(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _member_attrs(u: User, team: bool) -> dict:
    h = _h(u.employee_no)
    return {
        "gender": "M" if h % 7 else "F",
        "birth_date": date(1965 + h % 38, 1 + h % 12, 1 + h % 28),
        "education": Education.values[h % 5],
        "post_category": PostCategory.FRONT_LINE if team and h % 4 else PostCategory.values[h % 5],
        "joined_on": date(1990 + h % 34, 1 + (h >> 3) % 12, 1),
        "full_on": None,
        "dues_base": Decimal(2500 + h % 9000),
        "dues_base_reviewed_on": date(2026, 1, 15) if h % 5 else None,
    }


@transaction.atomic
def build_party() -> int:
    """Build the demo; returns the number of members registered (0 on a second run)."""
    if PartyOrg.objects.filter(code=ROOT_CODE).exists():
        return 0
    group = Unit.objects.filter(kind=UnitKind.GROUP).order_by("path").first()
    if group is None:
        return 0
    today = local_date(timezone.now())
    root = orgtree.org_create(code=ROOT_CODE, name="集团党委（演示）", kind=OrgKind.COMMITTEE, parent=None, units=[group],
                              established_on=date(2020, 7, 1))
    orgtree.term_record(org=root, elected_on=date(2022, 6, 1), entitled_voters=300, attending_voters=288, actor=None,
                        filed_on=date(2022, 6, 10), approved_on=date(2022, 6, 10))
    registered = 0
    branches: list[PartyOrg] = []
    for company in Unit.objects.filter(parent=group, kind=UnitKind.COMPANY).order_by("path"):
        c = orgtree.org_create(code=f"DW-{company.code}", name=f"{company.label}党委", kind=OrgKind.COMMITTEE,
                               parent=root, units=[company])
        for mine in Unit.objects.filter(parent=company, kind__in=(UnitKind.MINE, UnitKind.PLANT)).order_by("path"):
            m = orgtree.org_create(code=f"DW-{mine.code}", name=f"{mine.label}党委", kind=OrgKind.COMMITTEE,
                                   parent=c, units=[mine])
            for team in Unit.objects.filter(parent=mine, kind=UnitKind.TEAM).order_by("path"):
                branches.append(orgtree.org_create(code=f"ZB-{team.code}", name=f"{team.name}党支部",
                                                   kind=OrgKind.BRANCH, parent=m, units=[team]))
            depts = list(Unit.objects.filter(parent=mine, kind=UnitKind.DEPARTMENT).order_by("path")[:5])
            if depts:
                branches.append(orgtree.org_create(code=f"ZB-{mine.code}-JG", name=f"{mine.label}机关联合党支部",
                                                   kind=OrgKind.JOINT_BRANCH, parent=m, units=depts))
    for b in branches:
        units = list(b.units.all())
        people = list(User.objects.filter(home_unit__in=units, is_active=True).order_by("employee_no"))
        chosen = [u for u in people if _h(u.employee_no) % 5 < 2 or u.employee_no in ("H0001", "Z0001")]
        for u in chosen:
            attrs = _member_attrs(u, b.kind == OrgKind.BRANCH)
            probationary = _h(u.employee_no + "p") % 20 == 0
            if not probationary:
                attrs["full_on"] = add_months(attrs["joined_on"], 12)
            member_register(person=u, branch=b, status=MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
                            actor=None, **attrs)
            registered += 1
        if chosen:
            term = orgtree.term_record(org=b, elected_on=date(2024, 3, 1) - timedelta(days=_h(b.code) % 700),
                                       entitled_voters=len(chosen), attending_voters=len(chosen), actor=None,
                                       filed_on=date(2024, 3, 15), approved_on=date(2024, 3, 15))
            secretary = next((u for u in chosen if u.employee_no == "H0001"), chosen[0])
            orgtree.post_assign(term=term, person=secretary, post=PostKind.SECRETARY, start=term.elected_on, actor=None)
            for u in [u for u in chosen if u != secretary][:2 if len(chosen) >= 7 else 0]:
                orgtree.post_assign(term=term, person=u, post=PostKind.MEMBER, start=term.elected_on, actor=None)
    _life_and_development(today)
    month = month_key(today)
    dues_run(month=month_key(add_months(today, -1)), actor=None)
    dues_run(month=month, actor=None)
    paid = DuesAssessment.objects.filter(month=month_key(add_months(today, -1))).order_by("id")
    dues_collect(assessments=DuesAssessment.objects.filter(pk__in=list(paid.values_list("pk", flat=True))[::2]),
                 paid_on=today.replace(day=1), actor=None)
    return registered


def _life_and_development(today: date) -> None:
    branch = PartyOrg.objects.filter(code="ZB-TSK-ZC1").first()
    if branch is None:
        return
    members = list(Member.objects.filter(branch=branch).order_by("id"))
    ids = [m.pk for m in members]
    start = date(today.year, 1, 1)
    for month in range(1, today.month):
        on = date(today.year, month, 10)
        m = meeting_plan(org=branch, kind=MeetingKind.COMMITTEE, title=f"{month}月支委会", planned_on=on, actor=None)
        meeting_hold(meeting=m, held_on=on, actor=None, present_ids=set(ids[:3]), minutes="研究本月党建和安全生产工作")
        t = meeting_plan(org=branch, kind=MeetingKind.THEME_DAY, title=f"{month}月主题党日：党员先锋岗", planned_on=on + timedelta(days=5),
                         actor=None)
        meeting_hold(meeting=t, held_on=on + timedelta(days=5), actor=None, present_ids=set(ids[: max(1, len(ids) - 1)]))
        if month % 3 == 0:
            g = meeting_plan(org=branch, kind=MeetingKind.GENERAL, title=f"第{month // 3}季度党员大会",
                             planned_on=on + timedelta(days=10), actor=None)
            meeting_hold(meeting=g, held_on=on + timedelta(days=10), actor=None, present_ids=set(ids),
                         minutes="传达上级精神，讨论季度工作")
            vote_record(meeting=g, motion="通过季度党建工作计划", yes=len(ids), no=0, abstain=0, actor=None)
    applicant = User.objects.filter(employee_no="Z0001").first()
    others = User.objects.filter(home_unit__in=branch.units.all()).exclude(party_member__isnull=False).order_by(
        "employee_no").first()
    if others is not None:
        f = dev_open(person=others, branch=branch, birth_date=date(1998, 5, 1), applied_on=start - timedelta(days=500),
                     actor=None)
        day = f.steps.get().on
        intro = list(Member.objects.filter(branch=branch, status=MemberStatus.FULL).values_list(
            "person__employee_no", flat=True)[:2])
        for step in range(2, 12):
            data = {"publicity_from": str(day), "introducers": intro, "conclusion": "政治审查合格", "days": 3}
            w = window(f, step, data)
            day = max(day + timedelta(days=7), w.earliest or day)
            if day > today or len(intro) < 2:
                break
            step_record(file=f, step=step, on=day, decided_by="综采一队党支部", actor=None, data=data)
            f.refresh_from_db()
    if applicant is not None and Member.objects.filter(person=applicant).exists():
        other = PartyOrg.objects.filter(kind=OrgKind.BRANCH).exclude(pk=branch.pk).order_by("path").first()
        m = Member.objects.get(person=applicant)
        if other is not None and m.branch_id == branch.pk and not m.letters.exists():
            letter_issue(member=m, to_org=other, issued_on=today - timedelta(days=10),
                         dues_paid_to=month_key(add_months(today, -1)), reason="工作调动", actor=None)
