"""宣讲 (talk.reach): campaigns, lecturer teams, lectures with their audience units, phone
sign-in, and reach by topic, unit and period.

A session's person-times are the sum of its audience rows, and reach adds the rows — so a
lecture given to two units at once counts each person-time once, never once per unit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from audit.services import audit_record
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.models import Unit, User, subtree_q
from petitions.uploads import check_upload
from publicity import tally
from publicity.choices import CampaignKind
from publicity.models import (
    Campaign,
    Lecture,
    LectureAudience,
    LecturePhoto,
    LecturerTeam,
    LectureSignIn,
    Theme,
)
from publicity.newsroom import PHOTO_TYPES
from publicity.rules import current_rule
from publicity.scoping import is_staff_for, staff_units

SIGN_IN_BEFORE = timedelta(hours=1)  # sign-in opens an hour before the lecture
SIGN_IN_AFTER = timedelta(hours=4)  # and closes four hours after it starts


@transaction.atomic
def campaign_create(*, acting_user: User, name: str, kind: str, unit: Unit, starts_on: date, ends_on: date,
                    units: list[Unit] | None = None, theme: Theme | None = None, description: str = "") -> Campaign:
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传干事可以发起活动")
    if kind not in CampaignKind.values or not name.strip():
        raise InvalidInput("bad_campaign", "请填写活动名称并选择类别")
    if ends_on < starts_on:
        raise InvalidInput("bad_dates", "结束日期不能早于开始日期")
    row = Campaign.objects.create(name=name.strip()[:80], kind=kind, unit=unit, theme=theme, starts_on=starts_on,
                                  ends_on=ends_on, description=description, created_by=acting_user)
    if units:
        row.units.set(units)
    audit_record(actor=acting_user, action="publicity.campaign.create", target=row,
                 data={"kind": kind, "units": [u.code for u in units or []]})
    return row


@transaction.atomic
def lecturer_team_create(*, acting_user: User, name: str, unit: Unit, members: list[User]) -> LecturerTeam:
    if not is_staff_for(acting_user, unit):
        raise NotAllowed("not_publicity_staff", "只有该单位的宣传干事可以组建宣讲团")
    team = LecturerTeam.objects.create(name=name.strip()[:80], unit=unit)
    team.members.set(members)
    audit_record(actor=acting_user, action="publicity.team.create", target=team,
                 data={"members": [m.employee_no for m in members]})
    return team


@transaction.atomic
def lecture_record(*, acting_user: User, topic: str, lecturer: User, unit: Unit, held_at: datetime,
                   audience: list[tuple[Unit, int]], theme: Theme | None = None, campaign: Campaign | None = None,
                   team: LecturerTeam | None = None, place: str = "", online: bool = False,
                   photos: list | None = None) -> Lecture:
    """Record a lecture; ``audience`` is (unit, person-times) per audience unit, each unit once."""
    if not (is_staff_for(acting_user, unit) or acting_user.pk == lecturer.pk):
        raise NotAllowed("not_publicity_staff", "只有宣传干事或宣讲人本人可以登记宣讲")
    if not topic.strip():
        raise InvalidInput("topic_required", "请填写宣讲题目")
    if not 2000 <= held_at.year <= 2100:
        raise InvalidInput("bad_time", "宣讲时间无效")
    if not audience:
        raise InvalidInput("audience_required", "请至少填写一个听众单位")
    codes = [u.pk for u, _n in audience]
    if len(set(codes)) != len(codes):
        raise InvalidInput("audience_twice", "同一听众单位只能填写一次（一场宣讲的人次只计一次）")
    if any(n < 0 for _u, n in audience):
        raise InvalidInput("bad_attendance", "人次不能为负数")
    lecture = Lecture.objects.create(
        topic=topic.strip()[:120], theme=theme or (campaign.theme if campaign else None), campaign=campaign,
        lecturer=lecturer, team=team, unit=unit, held_at=held_at, place=place[:100], online=online,
        attendance=sum(n for _u, n in audience), created_by=acting_user,
    )
    LectureAudience.objects.bulk_create(LectureAudience(lecture=lecture, unit=u, attendance=n) for u, n in audience)
    tally.audience_changed(lecture, [], [(u.pk, n) for u, n in audience])
    for upload in photos or []:
        c = check_upload(upload)
        if c.content_type not in PHOTO_TYPES:
            raise InvalidInput("not_a_photo", f"“{c.name}”不是JPEG、PNG或WebP图片")
        photo = LecturePhoto(lecture=lecture, original_name=c.name, content_type=c.content_type, size=c.size,
                             sha256=c.sha256, uploaded_by=acting_user)
        photo.file.save(c.name, c.upload, save=False)
        photo.save()
    audit_record(actor=acting_user, action="publicity.lecture.record", target=lecture,
                 data={"attendance": lecture.attendance, "audience": {u.code: n for u, n in audience},
                       "rule_version": current_rule("talk.reach").version})
    return lecture


def sign_in_window(lecture: Lecture) -> tuple[datetime, datetime]:
    return lecture.held_at - SIGN_IN_BEFORE, lecture.held_at + SIGN_IN_AFTER


@transaction.atomic
def lecture_sign_in(*, lecture: Lecture, user: User, now: datetime | None = None) -> LectureSignIn:
    """签到 from a phone, inside the window [held_at − 1 h, held_at + 4 h] (both ends included)."""
    now = now or timezone.now()
    opens, closes = sign_in_window(lecture)
    if not opens <= now <= closes:
        raise InvalidState("sign_in_closed", "不在签到时间内（开讲前1小时至开讲后4小时）")
    try:
        with transaction.atomic():
            row = LectureSignIn.objects.create(lecture=lecture, user=user, signed_at=now)
    except IntegrityError:
        raise InvalidState("already_signed_in", "您已签到") from None
    audit_record(actor=user, action="publicity.lecture.sign_in", target=lecture, data={})
    return row


@transaction.atomic
def lecture_attendance_from_sign_ins(*, lecture: Lecture, acting_user: User) -> Lecture:
    """Set the audience person-times from the sign-ins: each signer counted once, under the
    audience unit their home unit lies in (else under the organizing unit)."""
    if not is_staff_for(acting_user, lecture.unit):
        raise NotAllowed("not_publicity_staff", "只有宣传干事可以按签到汇总人次")
    lecture = Lecture.objects.select_for_update().get(pk=lecture.pk)
    rows = list(lecture.audience.select_related("unit"))
    counts: dict[int, int] = defaultdict(int)
    for s in lecture.sign_ins.select_related("user__home_unit"):
        home = s.user.home_unit
        target = next((r.unit for r in sorted(rows, key=lambda r: -len(r.unit.path))
                       if home is not None and home.is_within(r.unit)), lecture.unit)
        counts[target.pk] += 1
    before = [(r.unit_id, r.attendance) for r in rows]
    LectureAudience.objects.filter(lecture=lecture).delete()
    LectureAudience.objects.bulk_create(LectureAudience(lecture=lecture, unit_id=u, attendance=n)
                                        for u, n in counts.items())
    tally.audience_changed(lecture, before, list(counts.items()))
    lecture.attendance = sum(counts.values())
    lecture.save(update_fields=["attendance"])
    audit_record(actor=acting_user, action="publicity.lecture.attendance", target=lecture,
                 data={"attendance": lecture.attendance})
    return lecture


# --- reading -----------------------------------------------------------------------------------


def lectures_visible_to(user: User) -> QuerySet[Lecture]:
    """宣传干事: lectures organized in or given to their subtree; administrators all; a lecturer
    their own; anyone else the lectures given to their home unit's tree (to sign in)."""
    if not user.is_authenticated:
        return Lecture.objects.none()
    units = staff_units(user)
    if units is None:
        return Lecture.objects.all()
    q = Q(lecturer=user)
    if units:
        q |= subtree_q(units, field="unit__") | Q(pk__in=LectureAudience.objects.filter(
            subtree_q(units, field="unit__")).values("lecture_id"))
    if user.home_unit_id:
        home = user.home_unit
        q |= Q(pk__in=LectureAudience.objects.filter(unit__in=[*home.ancestors(), home]).values("lecture_id"))
    return Lecture.objects.filter(q)


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    """Campaigns are announced to staff: every logged-in person reads them (not confidential)."""
    if not user.is_authenticated:
        return Campaign.objects.none()
    return Campaign.objects.all()


@dataclass
class Reach:
    """talk.reach for a period within a subtree: sessions and person-times, by theme, unit and month."""

    sessions: int = 0
    person_times: int = 0
    by_theme: list[tuple[str, int, int]] = field(default_factory=list)
    by_unit: list[tuple[str, int]] = field(default_factory=list)
    by_month: list[tuple[str, int]] = field(default_factory=list)
    rule_version: int = 0


def reach(user: User, start: date, end: date, within: Unit | None = None) -> Reach:
    """Person-times of the lectures held in [start, end) given to units in the user's scope
    (and within ``within``): each audience row once, so no session is counted twice."""
    lo = datetime.combine(start, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    hi = datetime.combine(end, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    lectures = lectures_visible_to(user).filter(held_at__gte=lo, held_at__lt=hi)
    rows = LectureAudience.objects.filter(lecture__in=lectures.values("pk"))
    if within is not None:
        rows = rows.filter(subtree_q([within], field="unit__"))
    out = Reach(rule_version=current_rule("talk.reach").version)
    agg = rows.aggregate(n=Count("lecture_id", distinct=True), p=Sum("attendance"))
    out.sessions, out.person_times = agg["n"] or 0, agg["p"] or 0
    out.by_theme = sorted(((r["lecture__theme__name"] or "（未标主题）", r["n"], r["p"]) for r in
                           rows.values("lecture__theme__name").annotate(n=Count("lecture_id", distinct=True),
                                                                       p=Sum("attendance"))),
                          key=lambda x: -x[2])
    out.by_unit = [(r["unit__name"], r["p"]) for r in
                   rows.values("unit__name").annotate(p=Sum("attendance")).order_by("-p", "unit__name")]
    out.by_month = [(r["m"].strftime("%Y-%m"), r["p"]) for r in
                    rows.annotate(m=TruncMonth("lecture__held_at")).values("m").annotate(p=Sum("attendance"))
                    .order_by("m")]
    return out
