"""Organizational life (三会一课 and the rest): planning, sign-in by a per-meeting code, attendance
with reasons, votes with the quorum and majority rules, the compliance calendar against the
life.* frequencies, and the §9 absence flag. The system counts and flags; the branch decides."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.models import User
from party.dates import add_months
from party.members import require_manager
from party.models import (
    ACTIVE_STATUSES,
    BRANCH_KINDS,
    Attendance,
    Meeting,
    MeetingKind,
    Member,
    OrgKind,
    PartyOrg,
)
from party.rules import rule
from tongxin.lib.periods import local_date

RULE_OF = {k.value: f"life.{k.value}" for k in MeetingKind}
GROUP_KINDS = (MeetingKind.GROUP,)


def _code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def entitled_members(org: PartyOrg, kind: str, on: date):
    """Who is expected: the group's members for a 党小组会, else the branch's active members."""
    if org.kind == OrgKind.GROUP:
        return Member.objects.filter(group=org, status__in=ACTIVE_STATUSES)
    return Member.objects.filter(branch=org, status__in=ACTIVE_STATUSES)


@transaction.atomic
def meeting_plan(*, org: PartyOrg, kind: str, title: str, planned_on: date, actor: User | None,
                 agenda: str = "", place: str = "", lecturer: User | None = None) -> Meeting:
    require_manager(actor, org)
    if kind not in MeetingKind.values:
        raise InvalidInput("party.meeting.kind", _("会议类别无效"))
    if kind == MeetingKind.GROUP and org.kind != OrgKind.GROUP:
        raise InvalidInput("party.meeting.group", _("党小组会应在党小组下记录"))
    if kind != MeetingKind.GROUP and org.kind not in BRANCH_KINDS and kind != MeetingKind.LECTURE:
        raise InvalidInput("party.meeting.org", _("该类组织生活应在党支部下记录"))
    if not title.strip():
        raise InvalidInput("party.meeting.title", _("请填写主题"))
    m = Meeting.objects.create(org=org, kind=kind, title=title.strip()[:200], planned_on=planned_on, agenda=agenda,
                               place=place, lecturer=lecturer, signin_code=_code(), created_by=actor)
    Attendance.objects.bulk_create([Attendance(meeting=m, member=mem) for mem in entitled_members(org, kind, planned_on)])
    m.entitled = m.attendance.count()
    m.save(update_fields=["entitled"])
    audit_record(actor=actor, action="party.meeting.plan", target=m, data={"kind": kind, "on": planned_on})
    return m


@transaction.atomic
def meeting_signin(*, meeting: Meeting, user: User, code: str, at: datetime | None = None) -> Attendance:
    """A member signs in from their phone with the code shown at the meeting (on its day only)."""
    at = at or timezone.now()
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    day = local_date(at)
    if day != (meeting.held_on or meeting.planned_on):
        raise InvalidState("party.signin.day", _("只能在会议当天签到"))
    if not secrets.compare_digest(code.strip(), meeting.signin_code):
        raise InvalidInput("party.signin.code", _("签到码不正确"))
    a = Attendance.objects.select_for_update().filter(meeting=meeting, member__person=user).first()
    if a is None:
        raise NotAllowed("party.signin.not_entitled", _("您不在本次会议的应到名单中"))
    if not a.present:
        a.present, a.signed_in_at, a.reason = True, at, ""
        a.save(update_fields=["present", "signed_in_at", "reason"])
        Meeting.objects.filter(pk=meeting.pk).update(present=meeting.attendance.filter(present=True).count())
    return a


@transaction.atomic
def meeting_hold(*, meeting: Meeting, held_on: date, actor: User | None, present_ids: set[int],
                 reasons: dict[int, str] | None = None, written: set[int] | None = None, minutes: str = "",
                 speakers: str = "") -> Meeting:
    """Record that the meeting took place: attendance (signed-in members stay present), absence
    reasons, written opinions submitted beforehand, minutes."""
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    require_manager(actor, meeting.org)
    today = local_date(timezone.now())
    if held_on > today:
        raise InvalidInput("party.meeting.future", _("会议尚未召开，不能登记今后的日期"))
    reasons, written = reasons or {}, written or set()
    for a in Attendance.objects.select_for_update().filter(meeting=meeting):
        a.present = a.present or a.member_id in present_ids
        a.reason = "" if a.present else reasons.get(a.member_id, a.reason)[:100]
        a.written_opinion = not a.present and a.member_id in written
        a.save(update_fields=["present", "reason", "written_opinion"])
    meeting.held_on, meeting.minutes, meeting.speakers = held_on, minutes, speakers[:300]
    meeting.present = meeting.attendance.filter(present=True).count()
    meeting.save(update_fields=["held_on", "minutes", "speakers", "present"])
    audit_record(actor=actor, action="party.meeting.hold", target=meeting,
                 data={"held_on": held_on, "present": meeting.present, "entitled": meeting.entitled})
    return meeting


@transaction.atomic
def meeting_photo_add(*, meeting: Meeting, upload, actor: User | None):
    """Attach a photo to a meeting: an image by its content, stored without EXIF/GPS."""
    from party.models import MeetingPhoto
    from party.uploads import checked_photo

    require_manager(actor, meeting.org)
    checked = checked_photo(upload)
    photo = MeetingPhoto(meeting=meeting, original_name=checked.name, content_type=checked.content_type,
                         sha256=checked.sha256, uploaded_by=actor)
    photo.image.save(checked.name, checked.upload, save=False)
    photo.save()
    audit_record(actor=actor, action="party.meeting.photo", target=meeting,
                 data={"photo": photo.pk, "name": checked.name, "sha256": checked.sha256})
    return photo


@dataclass(frozen=True)
class VoteResult:
    quorum_met: bool
    passed: bool
    stamp: str


def vote_outcome(*, entitled: int, present: int, yes: int, written_yes: int, on: date) -> VoteResult:
    """党员大会: may vote only if more than half of those entitled attend; a motion passes when the
    yes votes (with absent members' written opinions) exceed half of those entitled."""
    r = rule("life.vote", on)
    quorum = present * 2 > entitled
    return VoteResult(quorum, quorum and (yes + written_yes) * 2 > entitled, r.stamp)


@transaction.atomic
def vote_record(*, meeting: Meeting, motion: str, yes: int, no: int, abstain: int, actor: User | None,
                written_yes: int = 0):
    from party.models import Vote

    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    require_manager(actor, meeting.org)
    if meeting.kind != MeetingKind.GENERAL:
        raise InvalidState("party.vote.kind", _("表决在党员大会上进行"))
    if meeting.held_on is None:
        raise InvalidState("party.vote.not_held", _("请先登记会议召开情况和出席人员"))
    if min(yes, no, abstain, written_yes) < 0 or not motion.strip():
        raise InvalidInput("party.vote.numbers", _("请填写表决事项和票数"))
    present = meeting.present
    if yes + no + abstain > present:
        raise InvalidInput("party.vote.too_many", _("票数合计%(n)s超过实到会人数%(p)s")
                           % {"n": yes + no + abstain, "p": present})
    written_max = meeting.attendance.filter(present=False, written_opinion=True).count()
    if written_yes > written_max:
        raise InvalidInput("party.vote.written", _("书面赞成意见不能多于会前提交书面意见的缺席党员（%(n)s人）")
                           % {"n": written_max})
    res = vote_outcome(entitled=meeting.entitled, present=present, yes=yes, written_yes=written_yes,
                       on=meeting.held_on)
    v = Vote.objects.create(meeting=meeting, motion=motion.strip()[:200], yes=yes, no=no, abstain=abstain,
                            written_yes=written_yes, entitled=meeting.entitled, present=present,
                            quorum_met=res.quorum_met, passed=res.passed, rule_version=res.stamp)
    audit_record(actor=actor, action="party.meeting.vote", target=meeting,
                 data={"motion": v.motion, "yes": yes, "no": no, "abstain": abstain, "passed": res.passed})
    return v


# --- compliance calendar ----------------------------------------------------------------------

PERIODS = {"month": 12, "quarter": 4, "year": 1}


def period_bounds(kind: str, year: int, i: int) -> tuple[date, date]:
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    months = 1 if kind == "month" else 3
    start = date(year, 1 + i * months, 1)
    return start, add_months(start, months) - timedelta(days=1)


@dataclass
class Cell:
    start: date
    end: date
    count: int
    state: str  # done / due / missed / future


@dataclass
class CalendarRow:
    kind: str
    label: str
    code: str
    period: str
    minimum: int
    stamp: str
    cells: list[Cell]

    @property
    def missed(self) -> int:
        return sum(1 for c in self.cells if c.state == "missed")


def compliance_calendar(branch: PartyOrg, year: int, today: date, *, held: list[tuple[str, date, int]] | None = None,
                        groups: list[int] | None = None) -> list[CalendarRow]:
    """Per life.* rule, per period of ``year``: done / due (the current period, not yet) / missed /
    future. 党小组会 count when every group of the branch met. One query for the year's meetings."""
    if groups is None:
        groups = list(PartyOrg.objects.filter(parent=branch, kind=OrgKind.GROUP).values_list("pk", flat=True))
    if held is None:  # the (org, held_on) index: one range per organization
        held = list(Meeting.objects.filter(
            org_id__in=[branch.pk, *groups], held_on__gte=date(year, 1, 1), held_on__lte=date(year, 12, 31),
        ).values_list("kind", "held_on", "org_id"))
    by_kind: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for kind, on, org_id in held:
        by_kind[kind].append((on, org_id))
    rows = []
    for kind in MeetingKind:
        if kind == MeetingKind.GROUP and not groups:
            continue
        r = rule(RULE_OF[kind.value], date(year, 1, 1))
        period = r["period"]
        cells = []
        for i in range(PERIODS[period]):
            start, end = period_bounds(period, year, i)
            hits = [(d, o) for d, o in by_kind.get(kind.value, ()) if start <= d <= end]
            if kind == MeetingKind.GROUP:
                met = {o for _d, o in hits}
                n = min(sum(1 for _d, o in hits if o == g) for g in groups)
                count = n if met >= set(groups) else 0
            else:
                count = len(hits)
            if count >= int(r["min"]):
                state = "done"
            elif end < today:
                state = "missed"
            elif start <= today:
                state = "due"
            else:
                state = "future"
            cells.append(Cell(start, end, count, state))
        rows.append(CalendarRow(kind.value, str(kind.label), r.code, period, int(r["min"]), r.stamp, cells))
    return rows


def reminders(branch: PartyOrg, today: date, within_days: int = 10) -> list[tuple[CalendarRow, Cell]]:
    """The current periods still due that end within ``within_days``: whom to remind this month."""
    out = []
    for row in compliance_calendar(branch, today.year, today):
        for cell in row.cells:
            if cell.state == "due" and (cell.end - today).days <= within_days:
                out.append((row, cell))
    return out


def secretary_lectures(org: PartyOrg, year: int) -> tuple[int, int]:
    """(lectures the organization's secretary gave in ``year``, the life.party_lecture minimum)."""
    from party.models import CommitteePost, PostKind

    r = rule("life.party_lecture", date(year, 1, 1))
    sec = CommitteePost.objects.filter(org=org, post=PostKind.SECRETARY, end__isnull=True).values("person_id")
    n = Meeting.objects.filter(kind=MeetingKind.LECTURE, held_on__year=year, lecturer__in=sec).count()
    return n, int(r["secretary_per_year"])


def absence_flags(members, today: date) -> list[tuple[Member, date | None]]:
    """党章 §9 risk: members in the branch for ≥ life.absence months who attended no organizational
    life in that time although meetings were held. The branch investigates and decides."""
    r = rule("life.absence", today)
    since = add_months(today, -int(r["months"]))
    members = list(members.filter(status__in=ACTIVE_STATUSES).annotate(
        last_present=Max("attendance__meeting__held_on", filter=Q(attendance__present=True)),
        first_in=Max("memberships__start", filter=Q(memberships__end__isnull=True)),
    ))
    held = dict(Attendance.objects.filter(member__in=members, meeting__held_on__gte=since, meeting__held_on__lte=today)
                .values_list("member_id").annotate(n=Max("meeting__held_on")))
    out = []
    for m in members:
        if m.first_in and m.first_in > since:
            continue  # not long enough in this branch
        if m.pk in held and (m.last_present is None or m.last_present < since):
            out.append((m, m.last_present))
    return out
