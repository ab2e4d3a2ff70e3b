"""Reminders before a period of organizational life ends, sent as platform notifications.

Daily (beat: party.tasks.send_life_reminders): for every life.* kind whose current period ends
within ``life.reminder`` days, every active branch that has not yet held the minimum gets one
notification per recipient (its secretary; without one, its other managing posts). What counts
is exactly what the branch's compliance calendar counts (party.life.compliance_calendar): the
kind's meetings held by the branch or its groups in the period; 党小组会 by every group.

Idempotent: one ``LifeReminder`` row per branch × kind × period × recipient, created in the same
transaction as the notification (through petitions.notify, hence the ops outbox when a broker is
configured). A second run, or a second node at the same moment, hits the unique key and sends
nothing; a rolled-back row promises nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from party.life import PERIODS, RULE_OF, period_bounds
from party.models import (
    BRANCH_KINDS,
    MANAGING_POSTS,
    CommitteePost,
    LifeReminder,
    Meeting,
    MeetingKind,
    OrgKind,
    PartyOrg,
    PostKind,
)
from party.rules import rule
from petitions.notify import notify_user

PERIOD_LABELS = {"month": gettext_lazy("本月"), "quarter": gettext_lazy("本季度"), "year": gettext_lazy("本年度")}


@dataclass(frozen=True)
class DueItem:
    branch_id: int
    kind: str
    start: date
    end: date
    held: int
    minimum: int
    stamp: str


def current_period(period: str, today: date) -> tuple[date, date]:
    index = {"month": today.month - 1, "quarter": (today.month - 1) // 3, "year": 0}[period]
    return period_bounds(period, today.year, min(index, PERIODS[period] - 1))


def due_items(today: date, within_days: int | None = None) -> list[DueItem]:
    """Every (branch, kind) whose current period ends within ``within_days`` (default the
    life.reminder rule) and is not yet complied with. A few grouped queries for the whole group."""
    if within_days is None:
        within_days = int(rule("life.reminder", today)["days_before"])
    branches = list(PartyOrg.objects.filter(kind__in=BRANCH_KINDS, is_active=True).values_list("pk", flat=True))
    groups: dict[int, list[int]] = defaultdict(list)
    branch_of: dict[int, int] = {b: b for b in branches}
    for gid, parent in PartyOrg.objects.filter(kind=OrgKind.GROUP, parent_id__in=branches,
                                               is_active=True).values_list("pk", "parent_id"):
        groups[parent].append(gid)
        branch_of[gid] = parent
    out: list[DueItem] = []
    for kind in MeetingKind:
        r = rule(RULE_OF[kind.value], date(today.year, 1, 1))  # the calendar's rule of the year
        start, end = current_period(r["period"], today)
        if (end - today).days > within_days:
            continue
        minimum = int(r["min"])
        counts = dict(Meeting.objects.filter(kind=kind.value, held_on__gte=start, held_on__lte=end)
                      .values_list("org_id").annotate(n=Count("id")))
        for b in branches:
            if kind == MeetingKind.GROUP:
                if not groups.get(b):
                    continue
                n = min(counts.get(g, 0) for g in groups[b])
            else:
                n = counts.get(b, 0) + sum(counts.get(g, 0) for g in groups.get(b, ()))
            if n < minimum:
                out.append(DueItem(b, kind.value, start, end, n, minimum, r.stamp))
    return out


def recipients(branch_ids: list[int]) -> dict[int, list[int]]:
    """Per branch: its secretaries in office; without one, its deputies, 组织委员 and 组织员."""
    posts: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for org_id, person_id, post in CommitteePost.objects.filter(
            org_id__in=branch_ids, end__isnull=True, post__in=MANAGING_POSTS,
            person__is_active=True).values_list("org_id", "person_id", "post"):
        posts[org_id][post].add(person_id)
    out = {}
    for b, by_post in posts.items():
        people = by_post.get(PostKind.SECRETARY) or set().union(*by_post.values())
        out[b] = sorted(people)
    return out


def reminder_text(branch_name: str, item: DueItem) -> str:
    period = rule(RULE_OF[item.kind], item.start)["period"]
    return _("组织生活提醒：%(branch)s%(period)s%(kind)s已召开%(held)s次，应至少%(min)s次，%(end)s截止（%(code)s）。") % {
        "branch": branch_name, "period": PERIOD_LABELS.get(period, period), "kind": MeetingKind(item.kind).label,
        "held": item.held, "min": item.minimum, "end": f"{item.end:%Y-%m-%d}", "code": RULE_OF[item.kind]}


def send_one(item: DueItem, recipient_id: int, text: str) -> bool:
    """The row and the notification commit together, or neither (False: already sent)."""
    from orgs.models import User

    try:
        with transaction.atomic():
            LifeReminder.objects.create(branch_id=item.branch_id, kind=item.kind, period_start=item.start,
                                        period_end=item.end, recipient_id=recipient_id, held=item.held,
                                        minimum=item.minimum, rule_version=item.stamp)
            notify_user(User.objects.get(pk=recipient_id), None, text)
    except IntegrityError:
        return False  # another run or node sent it first
    return True


def send_period_reminders(today: date, within_days: int | None = None) -> dict[str, int]:
    """Send what is due today; returns counts (sent, already sent before, branches without a recipient)."""
    items = due_items(today, within_days)
    branch_ids = sorted({i.branch_id for i in items})
    to = recipients(branch_ids)
    names = dict(PartyOrg.objects.filter(pk__in=branch_ids).values_list("pk", "name"))
    sent_before = set(LifeReminder.objects.filter(
        branch_id__in=branch_ids, period_start__in={i.start for i in items},
    ).values_list("branch_id", "kind", "period_start", "recipient_id"))
    stats = {"due": len(items), "sent": 0, "already": 0, "no_recipient": 0}
    for item in items:
        people = to.get(item.branch_id, [])
        if not people:
            stats["no_recipient"] += 1
            continue
        text = reminder_text(names[item.branch_id], item)
        for pid in people:
            if (item.branch_id, item.kind, item.start, pid) in sent_before or not send_one(item, pid, text):
                stats["already"] += 1
            else:
                stats["sent"] += 1
    return stats
