"""The statutory workflow of a petition (《信访工作条例》2022): one function per verb.

Every verb runs in one transaction: it locks the petition row, checks state, role, scope
and window through petitions.rules, writes the new state and deadlines, appends its event
(and notice), and queues notifications on commit. A refused action changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from core.calendar import work_calendar
from core.errors import InvalidInput, NotAllowed
from orgs.choices import Role
from orgs.models import Unit, User
from petitions.choices import (
    AccountabilityGround,
    AccountabilityStatus,
    DeclineReason,
    DueKind,
    LegalChannel,
    NoticeKind,
    Rating,
    ReplyOutcome,
    ReviewLevel,
    ReviewOutcome,
    State,
    SupervisionStatus,
)
from petitions.events import Kind, append_event
from petitions.models import AccountabilityRecord, Notice, Petition, PetitionEvent, Review, SupervisionOrder
from petitions.notify import notify_petitioner, notify_user
from petitions.policy import policy_for
from petitions.rules import TRANSITIONS, Action, Actor, conflict_of_interest, ensure, review_unit_for
from tongxin.lib.periods import Period, due_at, extend_due_at, last_day_of

NOTICE_CODES = {
    NoticeKind.ACCEPTANCE: "受",
    NoticeKind.NON_ACCEPTANCE: "不受",
    NoticeKind.FORWARD: "转",
    NoticeKind.EXTENSION: "延",
    NoticeKind.REPLY: "处",
    NoticeKind.REVIEW: "复查",
    NoticeKind.REREVIEW: "复核",
    NoticeKind.SUPERVISION: "督",
}


# --- helpers -----------------------------------------------------------------------------


def _lock(petition: Petition) -> Petition:
    return (
        Petition.objects.select_for_update(of=("self",))
        .select_related("unit", "handling_unit", "accused_unit")
        .get(pk=petition.pk)
    )


def _move(
    petition: Petition,
    action: Action,
    actor: Actor,
    kind: str,
    *,
    now: datetime,
    to_state: State | None = None,
    note: str = "",
    data: dict | None = None,
    public: bool = True,
) -> PetitionEvent:
    """Set the state the transition table prescribes and append the event."""
    from_state = petition.state
    target = to_state or TRANSITIONS[action][1] or from_state
    petition.state = target
    petition.version += 1
    return append_event(
        petition,
        kind,
        at=now,
        actor=actor.user,
        from_state=from_state,
        to_state=target,
        note=note,
        data=data,
        public=public,
    )


def _set_due(petition: Petition, kind: DueKind | str, at: datetime | None) -> None:
    petition.due_kind = kind if at is not None else ""
    petition.due_at = at


def issue_notice(
    petition: Petition, kind: NoticeKind, *, actor: Actor, unit: Unit, now: datetime, context: dict
) -> Notice:
    """Record an official notice and its event; the .docx is rendered from ``context`` on download."""
    count = Notice.objects.filter(petition=petition, kind=kind).count() + 1
    doc_number = f"{petition.number}-{NOTICE_CODES[kind]}{count}"
    notice = Notice.objects.create(
        petition=petition,
        kind=kind,
        doc_number=doc_number,
        issued_at=now,
        issued_by=actor.user,
        unit=unit,
        context=json.loads(json.dumps(context, cls=DjangoJSONEncoder)),  # lazy labels → text
    )
    append_event(
        petition,
        Kind.NOTICE_ISSUED,
        at=now,
        actor=actor.user,
        note=f"出具{NoticeKind(kind).label}（{doc_number}）",
        data={"notice_id": notice.pk, "notice_kind": kind, "doc_number": doc_number},
        public=kind != NoticeKind.SUPERVISION,  # a 督办单 is internal, like the supervision event itself
    )
    return notice


def open_accountability(
    petition: Petition,
    *,
    ground: AccountabilityGround,
    cause: PetitionEvent | None,
    unit: Unit,
    responsible: User | None,
    leader: User | None,
    now: datetime,
    key: str,
) -> AccountabilityRecord | None:
    """Create the record once per trigger (a re-run of the sweep adds nothing)."""
    if AccountabilityRecord.objects.filter(trigger_key=key).exists():
        return None
    record = AccountabilityRecord.objects.create(
        petition=petition,
        cause_event=cause,
        ground=ground,
        unit=unit,
        responsible=responsible,
        leader=leader,
        opened_at=now,
        trigger_key=key,
    )
    append_event(
        petition,
        Kind.ACCOUNTABILITY_OPENED,
        at=now,
        note=f"启动追责：{AccountabilityGround(ground).label}",
        data={"record_id": record.pk, "ground": ground, "cause_seq": cause.seq if cause else None},
        public=False,
    )
    return record


def _fmt_day(at: datetime | None) -> str:
    return last_day_of(at).isoformat() if at else ""


def _base_context(petition: Petition, now: datetime) -> dict:
    return {
        "number": petition.number,
        "title": petition.title,
        "received_on": timezone.localtime(petition.received_at).date().isoformat(),
        "issued_on": timezone.localtime(now).date().isoformat(),
        "unit_name": petition.unit.name,
    }


def matter_fingerprint(petition: Petition) -> str:
    """Who raised which category of matter: recognises a repeat after 复核 (第三十六条第三款)."""
    who = str(petition.petitioner_id or petition.number)
    return hashlib.sha256(f"{who}|{petition.category}".encode()).hexdigest()


# --- acceptance (第二十三条) ----------------------------------------------------------------


@transaction.atomic
def petition_accept(*, petition: Petition, actor: Actor, note: str = "", now: datetime | None = None) -> Petition:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.ACCEPT, actor, p, now)
    policy = policy_for(p.unit)
    cal = work_calendar()
    p.accepted_at = now
    p.handling_due_at = due_at(now, policy.handling, cal)
    _set_due(p, DueKind.HANDLING, p.handling_due_at)
    event = _move(p, Action.ACCEPT, actor, Kind.ACCEPTED, now=now, note=note,
                  data={"handling_due_at": p.handling_due_at.isoformat(), "period": str(policy.handling)})
    issue_notice(p, NoticeKind.ACCEPTANCE, actor=actor, unit=p.unit, now=now, context={
        **_base_context(p, now), "handling_last_day": _fmt_day(p.handling_due_at), "period": str(policy.handling),
    })
    if p.acceptance_due_at and now >= p.acceptance_due_at:
        open_accountability(p, ground=AccountabilityGround.LATE_ACCEPTANCE_NOTICE, cause=event, unit=p.unit,
                            responsible=actor.user, leader=None, now=now, key=f"{p.pk}:late_acceptance:{p.acceptance_due_at:%Y%m%d}")
    p.save()
    notify_petitioner(p, f"您的信访事项{p.number}已受理，办理期限至{_fmt_day(p.handling_due_at)}。")
    return p


@transaction.atomic
def petition_decline(
    *,
    petition: Petition,
    actor: Actor,
    reason: str,
    legal_channel: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Petition:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.DECLINE, actor, p, now)
    if reason not in DeclineReason.values:
        raise InvalidInput("invalid_reason", "请选择不予受理的理由")
    if reason == DeclineReason.LEGAL_PROCEDURE and legal_channel not in LegalChannel.values:
        raise InvalidInput("legal_channel_required", "应通过法定途径解决的，须写明引导的途径（第三十一条）")
    if not note.strip():
        raise InvalidInput("note_required", "请写明不予受理的具体理由")
    p.decision_reason = reason
    p.legal_channel = legal_channel
    p.closed_at = now
    _set_due(p, "", None)
    event = _move(p, Action.DECLINE, actor, Kind.DECLINED, now=now, note=note,
                  data={"reason": reason, "legal_channel": legal_channel})
    issue_notice(p, NoticeKind.NON_ACCEPTANCE, actor=actor, unit=p.unit, now=now, context={
        **_base_context(p, now), "reason": DeclineReason(reason).label, "detail": note,
        "legal_channel": LegalChannel(legal_channel).label if legal_channel else "",
    })
    if p.acceptance_due_at and now >= p.acceptance_due_at:
        open_accountability(p, ground=AccountabilityGround.LATE_ACCEPTANCE_NOTICE, cause=event, unit=p.unit,
                            responsible=actor.user, leader=None, now=now, key=f"{p.pk}:late_acceptance:{p.acceptance_due_at:%Y%m%d}")
    p.save()
    notify_petitioner(p, f"您的信访事项{p.number}不予受理：{DeclineReason(reason).label}。")
    return p


@transaction.atomic
def petition_forward(
    *, petition: Petition, actor: Actor, to_unit: Unit, note: str = "", now: datetime | None = None
) -> Petition:
    """转送/交办 to the competent unit, which then has its own 15 days from receipt."""
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.FORWARD, actor, p, now)
    if to_unit.pk == p.unit_id:
        raise InvalidInput("same_unit", "不能转送给本单位")
    if not to_unit.is_active:
        raise InvalidInput("inactive_unit", "该单位已停用")
    from_unit = p.unit
    # The forwarding unit's own acceptance period: forwarding is its acceptance decision, timely
    # iff before this instant (the KPI 及时受理率 reads it from the event; docs/kpi.md).
    leaving_due = p.acceptance_due_at
    p.unit = to_unit
    p.acceptance_due_at = due_at(now, policy_for(to_unit).acceptance, work_calendar())
    _set_due(p, DueKind.ACCEPTANCE, p.acceptance_due_at)
    _move(p, Action.FORWARD, actor, Kind.FORWARDED, now=now, note=note,
          data={"from_unit": from_unit.code, "to_unit": to_unit.code,
                "due_at": leaving_due.isoformat() if leaving_due else None,
                "on_time": leaving_due is not None and now < leaving_due,
                "acceptance_due_at": p.acceptance_due_at.isoformat()})
    issue_notice(p, NoticeKind.FORWARD, actor=actor, unit=from_unit, now=now, context={
        **_base_context(p, now), "unit_name": from_unit.name, "to_unit": to_unit.name, "detail": note,
    })
    p.save()
    notify_petitioner(p, f"您的信访事项{p.number}已转送{to_unit.name}办理。")
    return p


# --- assignment (交办): one handler, one accountable leader ------------------------------------


def _check_assignees(p: Petition, handling_unit: Unit, handler: User, leader: User) -> None:
    if not handling_unit.is_within(p.unit):
        raise InvalidInput("handling_unit_outside", "承办单位须为受理单位或其下级单位")
    handler.forget_roles()
    leader.forget_roles()
    if not (handler.has_role(Role.HANDLER, handling_unit) or
            (handler.home_unit_id and handler.home_unit.is_within(handling_unit) and handler.has_role(Role.HANDLER))):
        raise InvalidInput("handler_not_in_unit", f"{handler.name}不是{handling_unit.name}的承办人")
    if not leader.has_role(Role.UNIT_LEADER, handling_unit):
        raise InvalidInput("leader_not_in_unit", f"{leader.name}不是{handling_unit.name}的负责人")
    for person, label in ((handler, "承办人"), (leader, "责任领导")):
        conflict = conflict_of_interest(person, p)
        if conflict:
            raise NotAllowed("conflict_of_interest", f"{label}{person.name}须回避：{conflict.removeprefix('您')}")


@transaction.atomic
def petition_assign(
    *,
    petition: Petition,
    actor: Actor,
    handling_unit: Unit,
    handler: User,
    leader: User,
    note: str = "",
    now: datetime | None = None,
) -> Petition:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.ASSIGN, actor, p, now)
    _check_assignees(p, handling_unit, handler, leader)
    p.handling_unit, p.handler, p.leader = handling_unit, handler, leader
    _move(p, Action.ASSIGN, actor, Kind.ASSIGNED, now=now, note=note, data={
        "handling_unit": handling_unit.code, "handler": handler.pk, "leader": leader.pk,
        "handler_name": handler.name, "leader_name": leader.name,
    })
    p.save()
    notify_user(handler, p, f"信访事项{p.number}已交您承办，办理期限至{_fmt_day(p.handling_due_at)}。")
    notify_user(leader, p, f"信访事项{p.number}由您担任责任领导（承办人：{handler.name}）。")
    return p


@transaction.atomic
def petition_reassign(
    *, petition: Petition, actor: Actor, handler: User, leader: User | None = None, note: str = "",
    now: datetime | None = None,
) -> Petition:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.REASSIGN, actor, p, now)
    if not note.strip():
        raise InvalidInput("note_required", "请说明重新交办的原因")
    leader = leader or p.leader
    _check_assignees(p, p.handling_unit, handler, leader)
    previous = p.handler
    p.handler, p.leader = handler, leader
    _move(p, Action.REASSIGN, actor, Kind.REASSIGNED, now=now, note=note, public=False, data={
        "from_handler": previous.pk if previous else None, "handler": handler.pk, "leader": leader.pk,
        "handler_name": handler.name,
    })
    p.save()
    notify_user(handler, p, f"信访事项{p.number}改由您承办，办理期限至{_fmt_day(p.handling_due_at)}。")
    return p


@transaction.atomic
def petition_transfer(
    *, petition: Petition, actor: Actor, to_unit: Unit, note: str, now: datetime | None = None
) -> Petition:
    """Move an accepted matter to another unit; the handling period keeps running."""
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.TRANSFER, actor, p, now)
    if to_unit.pk == p.unit_id:
        raise InvalidInput("same_unit", "不能移交给本单位")
    if not note.strip():
        raise InvalidInput("note_required", "请说明移交原因")
    from_unit = p.unit
    p.unit, p.handling_unit, p.handler, p.leader = to_unit, None, None, None
    _move(p, Action.TRANSFER, actor, Kind.TRANSFERRED, now=now, note=note,
          data={"from_unit": from_unit.code, "to_unit": to_unit.code})
    p.save()
    return p


# --- handling (第三十二条–第三十四条) -----------------------------------------------------------


@transaction.atomic
def petition_extend(
    *, petition: Petition, actor: Actor, days: int, reason: str, now: datetime | None = None
) -> Petition:
    """One extension of at most 30 days, approved by the unit head; the petitioner is told why."""
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.EXTEND, actor, p, now)
    policy = policy_for(p.handling_unit)
    if not isinstance(days, int) or days < 1 or days > policy.extension_max.days:
        raise InvalidInput("invalid_extension", f"延长期限须为1至{policy.extension_max.days}日")
    if not reason.strip():
        raise InvalidInput("reason_required", "请写明延期理由（第三十四条）")
    if now >= p.handling_due_at:
        raise InvalidInput("already_overdue", "办理期限已届满，不能再延期")
    before = p.handling_due_at
    p.handling_due_at = extend_due_at(before, Period(days), work_calendar())
    p.extension_count += 1
    _set_due(p, DueKind.HANDLING, p.handling_due_at)
    _move(p, Action.EXTEND, actor, Kind.EXTENDED, now=now, note=reason, data={
        "days": days, "from": before.isoformat(), "to": p.handling_due_at.isoformat(),
    })
    issue_notice(p, NoticeKind.EXTENSION, actor=actor, unit=p.unit, now=now, context={
        **_base_context(p, now), "days": days, "reason": reason,
        "old_last_day": _fmt_day(before), "new_last_day": _fmt_day(p.handling_due_at),
    })
    p.save()
    notify_petitioner(p, f"您的信访事项{p.number}办理期限延长至{_fmt_day(p.handling_due_at)}，理由：{reason}")
    return p


@transaction.atomic
def petition_reply(
    *, petition: Petition, actor: Actor, outcome: str, text: str, now: datetime | None = None
) -> Petition:
    """The written reply (信访处理意见书): support, explain or not support (第三十二条)."""
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.REPLY, actor, p, now)
    if outcome not in ReplyOutcome.values:
        raise InvalidInput("invalid_outcome", "请选择处理结论：予以支持、解释说明或不予支持")
    if len(text.strip()) < 10:
        raise InvalidInput("text_too_short", "处理意见须写明事实、理由和依据（至少10个字）")
    policy = policy_for(p.handling_unit)
    cal = work_calendar()
    late = now >= p.handling_due_at
    p.reply_outcome, p.reply_text, p.replied_at = outcome, text.strip(), now
    p.review_request_due_at = due_at(now, policy.review_request, cal)
    _set_due(p, DueKind.REVIEW_REQUEST, p.review_request_due_at)
    event = _move(p, Action.REPLY, actor, Kind.REPLIED, now=now, note=text.strip(),
                  data={"outcome": outcome, "on_time": not late})
    issue_notice(p, NoticeKind.REPLY, actor=actor, unit=p.unit, now=now, context={
        **_base_context(p, now), "handling_unit": p.handling_unit.name, "content": p.content[:2000],
        "outcome": ReplyOutcome(outcome).label, "text": p.reply_text,
        "review_unit": review_unit_for(p).name, "review_last_day": _fmt_day(p.review_request_due_at),
    })
    if late:
        open_accountability(p, ground=AccountabilityGround.LATE_REPLY, cause=event, unit=p.handling_unit,
                            responsible=p.handler, leader=p.leader, now=now,
                            key=f"{p.pk}:late_reply:{p.handling_due_at:%Y%m%d}")
    p.save()
    notify_petitioner(p, f"您的信访事项{p.number}已出具处理意见，请登录查看并评价。")
    return p


# --- the petitioner's steps -----------------------------------------------------------------


@transaction.atomic
def petition_rate(
    *, petition: Petition, actor: Actor, rating: str, comment: str = "", now: datetime | None = None
) -> Petition:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.RATE, actor, p, now)
    if rating not in Rating.values:
        raise InvalidInput("invalid_rating", "请选择满意、基本满意或不满意")
    p.rating, p.rating_comment, p.rated_at = rating, comment.strip()[:500], now
    p.closed_at = now
    due_kind = DueKind.REREVIEW_REQUEST if p.state == State.REVIEWED else DueKind.REVIEW_REQUEST
    # The request window stays open after rating; the petition is closed for handling.
    window = p.rereview_request_due_at if due_kind == DueKind.REREVIEW_REQUEST else p.review_request_due_at
    _move(p, Action.RATE, actor, Kind.RATED, now=now, note=comment.strip()[:500],
          data={"rating": rating, "window_until": window.isoformat() if window else None})
    _set_due(p, "", None)
    p.save()
    for person in (p.handler, p.leader):
        notify_user(person, p, f"信访人对{p.number}的评价：{Rating(rating).label}")
    return p


def _open_review(
    p: Petition, *, level: ReviewLevel, unit: Unit, actor: Actor, text: str, now: datetime
) -> Review:
    """One step for 复查 and 复核 requests (the caller has checked the rule): the review record, its
    answer deadline, the event, the petitioner's notice."""
    review_level = level == ReviewLevel.REVIEW
    action = Action.REQUEST_REVIEW if review_level else Action.REQUEST_REREVIEW
    word = "复查" if review_level else "复核"
    if len(text.strip()) < 5:
        raise InvalidInput("text_required", f"请写明申请{word}的事实和理由")
    period = policy_for(unit).review_answer if review_level else policy_for(unit).rereview_answer
    review = Review.objects.create(
        petition=p, level=level, unit=unit, requested_at=now, request_text=text.strip(),
        due_at=due_at(now, period, work_calendar()),
    )
    p.forget_reviews()
    p.closed_at = None
    _set_due(p, DueKind.REVIEW if review_level else DueKind.REREVIEW, review.due_at)
    _move(p, action, actor, Kind.REVIEW_REQUESTED if review_level else Kind.REREVIEW_REQUESTED, now=now,
          note=text.strip(), data={"review_id": review.pk, "unit": unit.code, "due_at": review.due_at.isoformat()})
    p.save()
    notify_petitioner(p, f"您对{p.number}的{word}申请已提交{unit.name}，将于{_fmt_day(review.due_at)}前答复。")
    return review


@transaction.atomic
def petition_request_review(
    *, petition: Petition, actor: Actor, text: str, now: datetime | None = None
) -> Review:
    """复查: within 30 days of the reply, decided by the next-higher unit within 30 days (第三十五条)."""
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.REQUEST_REVIEW, actor, p, now)  # before review_unit_for: a refusal names the rule
    return _open_review(p, level=ReviewLevel.REVIEW, unit=review_unit_for(p), actor=actor, text=text, now=now)


@transaction.atomic
def petition_request_rereview(
    *, petition: Petition, actor: Actor, text: str, now: datetime | None = None
) -> Review:
    """复核: within 30 days of the review opinion, by the unit above the reviewer (第三十六条)."""
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.REQUEST_REREVIEW, actor, p, now)
    reviewer = next(r for r in p.review_list if r.level == ReviewLevel.REVIEW).unit
    # Inside the group the unit above the reviewer re-reviews; at the top the group itself
    # does (whether it must go outside the group is a policy question, see docs/petitions.md).
    return _open_review(p, level=ReviewLevel.REREVIEW, unit=reviewer.parent or reviewer, actor=actor, text=text,
                        now=now)


def _decide(p: Petition, action: Action, actor: Actor, outcome: str, opinion: str, now: datetime) -> Review:
    if outcome not in ReviewOutcome.values:
        raise InvalidInput("invalid_outcome", "请选择维持、变更或撤销")
    if len(opinion.strip()) < 10:
        raise InvalidInput("text_too_short", "请写明意见及其依据（至少10个字）")
    review = p.open_review
    late = now >= review.due_at
    review.decided_at, review.decided_by, review.outcome, review.opinion = now, actor.user, outcome, opinion.strip()
    review.save()
    level = ReviewLevel(review.level)
    kind = Kind.REVIEW_DECIDED if level == ReviewLevel.REVIEW else Kind.REREVIEW_DECIDED
    event = _move(p, action, actor, kind, now=now, note=opinion.strip(),
                  data={"review_id": review.pk, "outcome": outcome, "on_time": not late})
    notice_kind = NoticeKind.REVIEW if level == ReviewLevel.REVIEW else NoticeKind.REREVIEW
    # The 复查意见书 tells the petitioner where and until when to request 复核 (第三十六条第一款).
    rereview = {} if level != ReviewLevel.REVIEW else {
        "rereview_unit": (review.unit.parent or review.unit).name,
        "rereview_last_day": _fmt_day(due_at(now, policy_for(review.unit).rereview_request, work_calendar())),
    }
    issue_notice(p, notice_kind, actor=actor, unit=review.unit, now=now, context={
        **_base_context(p, now), "unit_name": review.unit.name, "request_text": review.request_text,
        "outcome": ReviewOutcome(outcome).label, "opinion": review.opinion,
        "original_outcome": ReplyOutcome(p.reply_outcome).label if p.reply_outcome else "", **rereview,
    })
    if outcome != ReviewOutcome.UPHOLD:
        open_accountability(p, ground=AccountabilityGround.REPLY_OVERTURNED, cause=event, unit=p.handling_unit,
                            responsible=p.handler, leader=p.leader, now=now, key=f"{p.pk}:overturned:{review.pk}")
    if late:
        open_accountability(p, ground=AccountabilityGround.LATE_REVIEW, cause=event, unit=review.unit,
                            responsible=actor.user, leader=None, now=now, key=f"{p.pk}:late_review:{review.pk}")
    return review


@transaction.atomic
def petition_decide_review(
    *, petition: Petition, actor: Actor, outcome: str, opinion: str, now: datetime | None = None
) -> Review:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.DECIDE_REVIEW, actor, p, now)
    if p.open_review.level != ReviewLevel.REVIEW:
        raise InvalidInput("not_review", "待决定的是复核申请")
    review = _decide(p, Action.DECIDE_REVIEW, actor, outcome, opinion, now)
    p.rereview_request_due_at = due_at(now, policy_for(review.unit).rereview_request, work_calendar())
    _set_due(p, DueKind.REREVIEW_REQUEST, p.rereview_request_due_at)
    p.save()
    notify_petitioner(p, f"您对{p.number}的复查申请已有结论：{ReviewOutcome(outcome).label}。")
    return review


@transaction.atomic
def petition_decide_rereview(
    *, petition: Petition, actor: Actor, outcome: str, opinion: str, now: datetime | None = None
) -> Review:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.DECIDE_REREVIEW, actor, p, now)
    review = _decide(p, Action.DECIDE_REREVIEW, actor, outcome, opinion, now)
    p.closed_at = now
    p.final_fingerprint = matter_fingerprint(p)
    _set_due(p, "", None)
    p.save()
    notify_petitioner(p, f"您对{p.number}的复核申请已有结论：{ReviewOutcome(outcome).label}。本事项已终结。")
    return review


@transaction.atomic
def petition_withdraw(*, petition: Petition, actor: Actor, reason: str = "", now: datetime | None = None) -> Petition:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.WITHDRAW, actor, p, now)
    p.closed_at = now
    _set_due(p, "", None)
    _move(p, Action.WITHDRAW, actor, Kind.WITHDRAWN, now=now, note=reason.strip()[:500])
    p.save()
    for person in (p.handler, p.leader):
        notify_user(person, p, f"信访人已撤回信访事项{p.number}。")
    return p


@transaction.atomic
def petition_merge(
    *, petition: Petition, actor: Actor, into: Petition, note: str = "", now: datetime | None = None
) -> Petition:
    """Fold a duplicate into its original; both timelines record it."""
    now = now or timezone.now()
    if petition.pk == into.pk:
        raise InvalidInput("merge_self", "不能与自身合并")
    # Lock both rows in id order so two opposite merges cannot deadlock.
    first, second = sorted([petition.pk, into.pk])
    locked = {x.pk: x for x in Petition.objects.select_for_update(of=("self",)).select_related("unit", "accused_unit").filter(pk__in=[first, second])}
    p, original = locked[petition.pk], locked[into.pk]
    ensure(Action.MERGE, actor, p, now)
    if original.state == State.MERGED:
        raise InvalidInput("merge_into_merged", f"{original.number}本身已被合并，请合并到原件")
    p.merged_into = original
    p.closed_at = now
    _set_due(p, "", None)
    _move(p, Action.MERGE, actor, Kind.MERGED, now=now, note=note, data={"into": original.number})
    append_event(original, Kind.MERGED, at=now, actor=actor.user, note=f"合并重复件{p.number}",
                 data={"duplicate": p.number})
    p.save()
    original.save()
    notify_petitioner(p, f"您的信访事项{p.number}与{original.number}为同一事项，已合并办理。")
    return p


@transaction.atomic
def petition_add_material(
    *, petition: Petition, actor: Actor, text: str, attachment_ids: list[int] | None = None,
    now: datetime | None = None,
) -> PetitionEvent:
    now = now or timezone.now()
    p = _lock(petition)
    ensure(Action.ADD_MATERIAL, actor, p, now)
    if not text.strip() and not attachment_ids:
        raise InvalidInput("empty_material", "请填写补充内容或上传附件")
    event = append_event(p, Kind.MATERIAL_ADDED, at=now, actor=actor.user, note=text.strip(),
                         data={"attachments": attachment_ids or []})
    p.save()
    for person in (p.handler,):
        notify_user(person, p, f"信访人为{p.number}补充了材料。")
    return event


# --- supervision and accountability ---------------------------------------------------------


@transaction.atomic
def petition_supervise(
    *, petition: Petition, actor: Actor, reason: str, now: datetime | None = None, key: str | None = None,
    system: bool = False, to_unit: Unit | None = None,
) -> SupervisionOrder | None:
    """督办单 to the handling unit with its own reply period (第四十条). ``system`` is the sweep,
    which passes ``to_unit`` when another unit is late (the reviewing unit of an overdue 复查)."""
    now = now or timezone.now()
    p = _lock(petition)
    if not system:
        ensure(Action.SUPERVISE, actor, p, now)
    key = key or f"{p.pk}:manual:{now:%Y%m%d%H%M%S%f}"
    if SupervisionOrder.objects.filter(trigger_key=key).exists():
        return None
    to_unit = to_unit or p.unit
    by_unit = to_unit.parent or to_unit
    order = SupervisionOrder.objects.create(
        petition=p, issued_by_unit=by_unit, to_unit=to_unit, reason=reason, issued_at=now,
        due_at=due_at(now, policy_for(to_unit).supervision_reply, work_calendar()), trigger_key=key,
    )
    append_event(p, Kind.SUPERVISED, at=now, actor=actor.user, note=reason, public=False,
                 data={"order_id": order.pk, "by_unit": by_unit.code, "to_unit": to_unit.code,
                       "due_at": order.due_at.isoformat()})
    issue_notice(p, NoticeKind.SUPERVISION, actor=actor, unit=by_unit, now=now, context={
        **_base_context(p, now), "unit_name": by_unit.name, "to_unit": to_unit.name, "reason": reason,
        "reply_last_day": _fmt_day(order.due_at),
    })
    p.save()
    for person in (p.handler, p.leader):
        notify_user(person, p, f"信访事项{p.number}被{by_unit.name}督办：{reason}")
    return order


@transaction.atomic
def supervision_answer(*, order: SupervisionOrder, actor: Actor, answer: str, now: datetime | None = None) -> SupervisionOrder:
    now = now or timezone.now()
    p = _lock(order.petition)
    order = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
    user = actor.user
    if order.status != SupervisionStatus.OPEN:
        raise InvalidInput("already_answered", "该督办单已回复")
    if user is None or not (user.is_superuser or user.has_role(Role.UNIT_LEADER, order.to_unit)
                            or user.has_role(Role.PETITION_OFFICER, order.to_unit) or user.pk == p.handler_id):
        raise NotAllowed("not_allowed", "只有被督办单位可以回复督办单")
    if len(answer.strip()) < 5:
        raise InvalidInput("text_required", "请写明督办回复内容")
    order.status, order.answer, order.answered_at = SupervisionStatus.ANSWERED, answer.strip(), now
    order.save()
    append_event(p, Kind.SUPERVISION_ANSWERED, at=now, actor=user, note=answer.strip(), public=False,
                 data={"order_id": order.pk, "on_time": now < order.due_at})
    p.save()
    return order


@transaction.atomic
def accountability_decide(
    *, record: AccountabilityRecord, actor: Actor, status: str, outcome: str, now: datetime | None = None
) -> AccountabilityRecord:
    """Discipline inspectors decide the outcome of an accountability record."""
    now = now or timezone.now()
    p = _lock(record.petition)
    record = AccountabilityRecord.objects.select_for_update(of=("self",)).select_related("unit").get(pk=record.pk)
    user = actor.user
    if user is None or not (user.is_superuser or user.has_role(Role.DISCIPLINE_INSPECTOR, record.unit)):
        raise NotAllowed("not_allowed", "追责处理由纪检人员决定")
    if user.pk in (record.responsible_id, record.leader_id):
        raise NotAllowed("conflict_of_interest", "责任人不能处理本人的追责记录")
    if record.status != AccountabilityStatus.OPEN:
        raise InvalidInput("already_decided", "该追责记录已处理")
    if status not in (AccountabilityStatus.DECIDED, AccountabilityStatus.DISMISSED):
        raise InvalidInput("invalid_status", "请选择处理或不予追责")
    if len(outcome.strip()) < 4:
        raise InvalidInput("text_required", "请写明处理结果或不予追责的理由")
    record.status, record.outcome, record.decided_by, record.decided_at = status, outcome.strip(), user, now
    record.save()
    append_event(p, Kind.ACCOUNTABILITY_DECIDED, at=now, actor=user, note=outcome.strip(), public=False,
                 data={"record_id": record.pk, "status": status})
    p.save()
    return record
