"""study.branch: the branches' study meetings (三会一课, 主题党日) held on a 第一议题 or a 中心组
topic, read from the party module's records (party.models.Meeting), never copied.

A branch study meeting is "on" a topic when it is a party meeting of a study kind, held (not only
planned), by a party organization covering a unit in the topic's unit subtree (or below one that
does), within ``branch_follow_days`` of the topic's date (rule study.first_topic, default 60), and
its title or agenda contains the topic's key (the 第一议题's 支部学习关键词, else its study
material; the 中心组 session's topic). Who sees them: the people who keep the study records of
those units (宣传/党务干事, unit leaders) and administrators — the same scope as the topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from orgs.models import Unit, User
from party.models import Meeting, MeetingKind, PartyOrg, org_subtree_q
from publicity.models import CenterGroupSession, FirstTopic
from publicity.rules import current_rule
from publicity.study import study_units

# 三会一课 and 主题党日 where branches study: 党员大会, 党小组会, 党课, 主题党日 (支委会 and the yearly
# meetings are business, not study).
STUDY_KINDS = (MeetingKind.GENERAL, MeetingKind.GROUP, MeetingKind.LECTURE, MeetingKind.THEME_DAY)


def _orgs_covering(units: list[Unit]) -> list[PartyOrg]:
    from orgs.models import subtree_q

    return list(PartyOrg.objects.filter(subtree_q(units, field="units__")).distinct().only("pk", "path"))


def branch_meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """Party study meetings this user may see from the publicity module (scoping function)."""
    if not user.is_authenticated:
        return Meeting.objects.none()
    units = study_units(user)
    qs = Meeting.objects.filter(kind__in=STUDY_KINDS, held_on__isnull=False)
    if units is None:
        return qs
    orgs = _orgs_covering(units) if units else []
    return qs.filter(org_subtree_q(orgs, field="org__")) if orgs else qs.none()


@dataclass(frozen=True)
class TopicRef:
    """What the branches studied: the unit whose branches count, from when, and the key."""

    unit: Unit
    start: date
    key: str

    def end(self) -> date:
        days = int(current_rule("study.first_topic").params.get("branch_follow_days", 60))
        return self.start + timedelta(days=days)


def ref_of_first_topic(topic: FirstTopic) -> TopicRef:
    return TopicRef(unit=topic.unit, start=topic.meeting_on, key=(topic.branch_key or topic.material).strip())


def ref_of_session(session: CenterGroupSession) -> TopicRef:
    return TopicRef(unit=session.plan.unit, start=session.held_on, key=session.topic.strip())


def meetings_on(user: User, ref: TopicRef, *, _orgs: dict | None = None) -> QuerySet[Meeting]:
    """The branch study meetings held on ``ref`` that ``user`` may see, newest first."""
    cache = _orgs if _orgs is not None else {}
    if ref.unit.pk not in cache:
        cache[ref.unit.pk] = _orgs_covering([ref.unit])
    orgs = cache[ref.unit.pk]
    if not orgs or not ref.key:
        return Meeting.objects.none()
    return (branch_meetings_visible_to(user).filter(org_subtree_q(orgs, field="org__"))
            .filter(held_on__gte=ref.start, held_on__lte=ref.end())
            .filter(Q(title__contains=ref.key) | Q(agenda__contains=ref.key))
            .select_related("org").order_by("-held_on", "-id"))


@dataclass
class BranchStudy:
    meetings: int
    branches: int
    present: int


def summary(user: User, refs: list[TopicRef]) -> list[BranchStudy]:
    """Per topic: meetings, distinct organizations and attendance (实到人数) — one query each."""
    from django.db.models import Count, Sum

    cache: dict = {}
    out = []
    for ref in refs:
        agg = meetings_on(user, ref, _orgs=cache).order_by().aggregate(
            n=Count("id"), b=Count("org", distinct=True), p=Sum("present"))
        out.append(BranchStudy(meetings=agg["n"], branches=agg["b"], present=agg["p"] or 0))
    return out
