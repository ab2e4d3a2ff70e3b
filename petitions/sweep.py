"""The deadline sweep: reminders, supervision, accountability, closing expired windows.

Selects by the indexed ``due_at`` and changes rows with compare-and-set, so running it
twice, or on two nodes at once, has the effect of running it once (healthchecks' sendalerts).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from orgs.choices import Role
from orgs.models import User
from petitions.choices import AccountabilityGround, DueKind, State, SupervisionStatus
from petitions.events import Kind, append_event
from petitions.models import Petition, ReminderSent, SupervisionOrder
from petitions.notify import notify_user
from petitions.policy import policy_for
from petitions.rules import Actor
from petitions.workflow import open_accountability, petition_supervise
from tongxin.lib.periods import days_left, last_day_of

OBLIGATIONS = {DueKind.ACCEPTANCE, DueKind.HANDLING, DueKind.REVIEW, DueKind.REREVIEW}
WINDOWS = {DueKind.REVIEW_REQUEST, DueKind.REREVIEW_REQUEST}
GROUNDS = {
    DueKind.ACCEPTANCE: AccountabilityGround.LATE_ACCEPTANCE_NOTICE,
    DueKind.HANDLING: AccountabilityGround.LATE_REPLY,
    DueKind.REVIEW: AccountabilityGround.LATE_REVIEW,
    DueKind.REREVIEW: AccountabilityGround.LATE_REVIEW,
}
SYSTEM = Actor(user=None)


def _responsible(p: Petition):
    return p.handler if p.due_kind == DueKind.HANDLING else None


def _reminder_recipients(p: Petition) -> list:
    """Who must act before the deadline: the handler and leader once assigned, otherwise
    the petition officers of the unit that must decide (acceptance, 复查/复核)."""
    people = {x for x in (p.handler, p.leader) if x is not None} if p.due_kind == DueKind.HANDLING else set()
    if not people:
        unit = p.open_review.unit if p.due_kind in (DueKind.REVIEW, DueKind.REREVIEW) and p.open_review else p.unit
        people = set(User.objects.filter(roles__role=Role.PETITION_OFFICER, roles__unit=unit).distinct()[:10])
    return sorted((x for x in people if x.pk != p.accused_user_id), key=lambda u: u.pk)


def send_reminders(now: datetime) -> int:
    sent = 0
    horizon = now + timedelta(days=8)
    rows = Petition.objects.filter(
        state__in=[State.REGISTERED, State.ACCEPTED, State.HANDLING, State.REVIEWING, State.REREVIEWING],
        due_at__gt=now, due_at__lte=horizon,
    ).select_related("unit", "handling_unit", "handler", "leader")
    for p in rows.iterator(chunk_size=500):
        left = days_left(p.due_at, now)
        policy = policy_for(p.handling_unit or p.unit)
        # Nearest lead time first: with 1 day left the 1-day reminder is due, even though the
        # 3-day one was sent before (descending order stopped at the 3-day key and never sent it).
        for lead in sorted(policy.reminder_days_before):
            if left > lead:
                continue
            key = f"{p.pk}:{p.due_kind}:{p.due_at:%Y%m%d}:{lead}"
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(petition=p, key=key, sent_at=now)
                    text = f"信访事项{p.number}的{DueKind(p.due_kind).label}将于{last_day_of(p.due_at)}届满（剩{left}天）。"
                    for person in _reminder_recipients(p):
                        notify_user(person, p, text)
                    locked = Petition.objects.select_for_update().get(pk=p.pk)
                    append_event(locked, Kind.REMINDED, at=now, note=text, public=False,
                                 data={"due_kind": p.due_kind, "days_before": lead})
                    locked.save(update_fields=["event_seq", "event_head"])
                sent += 1
            except IntegrityError:
                pass  # already reminded for this lead time: nothing to do
            break  # only the nearest lead time per run
    return sent


def _record_key(p: Petition, review) -> str:
    """The key the workflow uses when the late act finally happens (petition_accept/decline,
    petition_reply, a late review decision): sweep and late act open one record per period."""
    if review is not None:
        return f"{p.pk}:late_review:{review.pk}"
    name = "late_acceptance" if p.due_kind == DueKind.ACCEPTANCE else "late_reply"
    return f"{p.pk}:{name}:{p.due_at:%Y%m%d}"


def escalate_overdue(now: datetime) -> int:
    """Overdue obligations: a 督办单 to the unit and an accountability record, once per period."""
    escalated = 0
    rows = Petition.objects.filter(
        state__in=[State.REGISTERED, State.ACCEPTED, State.HANDLING, State.REVIEWING, State.REREVIEWING],
        due_at__lte=now, due_kind__in=[str(k) for k in OBLIGATIONS],
    ).select_related("unit", "handling_unit", "handler", "leader")
    for p in rows.iterator(chunk_size=500):
        key = f"{p.pk}:{p.due_kind}:{p.due_at:%Y%m%d}"
        if SupervisionOrder.objects.filter(trigger_key=f"{key}:overdue").exists():
            continue
        with transaction.atomic():
            label = DueKind(p.due_kind).label
            # An overdue 复查/复核 is the reviewing unit's delay: supervise that unit, not the mine.
            review = p.open_review if p.due_kind in (DueKind.REVIEW, DueKind.REREVIEW) else None
            order = petition_supervise(
                petition=p, actor=SYSTEM, system=True, now=now, key=f"{key}:overdue",
                reason=f"{label}已于{last_day_of(p.due_at)}届满，请立即办理并书面回复。",
                to_unit=review.unit if review else None,
            )
            if order is None:
                continue
            locked = Petition.objects.select_for_update(of=("self",)).select_related("unit", "handling_unit").get(pk=p.pk)
            unit = locked.handling_unit if p.due_kind == DueKind.HANDLING else locked.unit
            if p.due_kind in (DueKind.REVIEW, DueKind.REREVIEW) and locked.open_review:
                unit = locked.open_review.unit
            open_accountability(
                locked, ground=GROUNDS[DueKind(p.due_kind)], cause=None, unit=unit,
                responsible=locked.handler if p.due_kind == DueKind.HANDLING else None,
                leader=locked.leader if p.due_kind == DueKind.HANDLING else None, now=now,
                key=_record_key(p, review),
            )
            locked.save(update_fields=["event_seq", "event_head"])
            escalated += 1
    return escalated


def close_expired_windows(now: datetime) -> int:
    """Replied or reviewed matters nobody contested within the window are closed."""
    closed = 0
    rows = Petition.objects.filter(
        state__in=[State.REPLIED, State.REVIEWED], due_at__lte=now, due_kind__in=[str(k) for k in WINDOWS]
    ).values_list("pk", "state", "version")
    for pk, state, version in rows:
        with transaction.atomic():
            changed = Petition.objects.filter(pk=pk, state=state, version=version).update(
                state=State.CLOSED, closed_at=now, due_kind="", due_at=None, version=version + 1
            )
            if changed != 1:
                continue  # someone acted meanwhile
            p = Petition.objects.select_for_update().get(pk=pk)
            append_event(p, Kind.CLOSED, at=now, from_state=state, to_state=State.CLOSED,
                         note="申请期限届满，未申请复查/复核，事项办结")
            p.save(update_fields=["event_seq", "event_head"])
            closed += 1
    return closed


def supervision_overdue(now: datetime) -> int:
    count = 0
    for order in SupervisionOrder.objects.filter(status=SupervisionStatus.OPEN, due_at__lte=now).select_related(
        "petition", "to_unit"
    ):
        with transaction.atomic():
            p = Petition.objects.select_for_update().get(pk=order.petition_id)
            # The handler and leader answer for orders to their unit, not for a reviewing unit's.
            ours = order.to_unit_id == p.unit_id
            if open_accountability(p, ground=AccountabilityGround.SUPERVISION_IGNORED, cause=None, unit=order.to_unit,
                                   responsible=p.handler if ours else None, leader=p.leader if ours else None, now=now,
                                   key=f"supervision:{order.pk}:ignored"):
                p.save(update_fields=["event_seq", "event_head"])
                count += 1
    return count


def run_sweep(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "reminders": send_reminders(now),
        "escalated": escalate_overdue(now),
        "closed": close_expired_windows(now),
        "supervision_ignored": supervision_overdue(now),
    }
