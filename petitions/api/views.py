"""API v1 endpoints. Thin: parse, find the petition through ``visible_to``, call the workflow
verb or intake service, shape the answer. Guards live in petitions.rules, not here."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from core.errors import DomainError, InvalidInput, NotFound
from orgs.models import Unit, User
from petitions import workflow
from petitions.api.auth import current_user
from petitions.api.errors import NOT_FOUND_MESSAGE
from petitions.api.schemas import (
    AssignIn,
    DecideIn,
    DeclineIn,
    ErrorOut,
    ExtendIn,
    ForwardIn,
    NoteIn,
    PetitionCreatedOut,
    PetitionCreateIn,
    PetitionDetailOut,
    PetitionFilters,
    PetitionListOut,
    PetitionSummaryOut,
    RateIn,
    ReplyIn,
    TextIn,
    TimelineOut,
    TrackIn,
    TrackOut,
    WithdrawIn,
)
from petitions.choices import OPEN_STATES, State
from petitions.identity import Identity, mask_name, unseal
from petitions.intake import (
    TRACK_LIMIT,
    TRACK_WINDOW_SECONDS,
    PetitionDraft,
    find_by_receipt,
    petition_submit,
    receipt_try_allowed,
)
from petitions.models import Petition, PetitionerIdentity, PetitionEvent, Review
from petitions.rules import Actor, allowed_actions
from petitions.selectors import visible_to
from tongxin.lib.periods import days_left

router = Router(tags=["信访事项"])  # auth: the API's (token or session)

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# What rules.allowed_actions reads: the unit and its parent (supervision, review), the accused unit.
SUMMARY_RELATED = ("unit__parent", "handling_unit", "accused_unit")
DETAIL_RELATED = (*SUMMARY_RELATED, "handler", "leader", "identity")



class RateLimited(DomainError):
    status = 429


# --- helpers -----------------------------------------------------------------------------------


def _visible(user: User, public_id: str, related=SUMMARY_RELATED) -> Petition:
    """The petition if this user may see it; otherwise 404, whether or not it exists."""
    try:
        uid = uuid.UUID(public_id)
    except ValueError:
        raise NotFound("not_found", NOT_FOUND_MESSAGE) from None
    petition = visible_to(user).select_related(*related).filter(public_id=uid).first()
    if petition is None:
        raise NotFound("not_found", NOT_FOUND_MESSAGE)
    return petition


def _prime_reviews(petitions: list[Petition]) -> None:
    """Fill Petition.review_list for a page in one query instead of one per petition."""
    by_petition: dict[int, list[Review]] = defaultdict(list)
    reviews = Review.objects.filter(petition__in=[p.pk for p in petitions]).select_related("unit")
    for review in reviews.order_by("requested_at"):
        by_petition[review.petition_id].append(review)
    for petition in petitions:
        petition.__dict__["_reviews"] = by_petition[petition.pk]  # the cache review_list reads


def _unit(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip().upper(), is_active=True).first()
    if unit is None:
        raise InvalidInput("unknown_unit", f"{field}：没有代码为“{code}”的启用单位")
    return unit


def _person(employee_no: str, field: str) -> User:
    user = User.objects.filter(employee_no=employee_no.strip(), is_active=True).first()
    if user is None:
        raise InvalidInput("unknown_person", f"{field}：没有工号为“{employee_no}”的在职人员")
    return user


def _unit_out(unit: Unit | None) -> dict | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def summary(p: Petition, user: User, now: datetime) -> dict:
    return {
        "number": p.number,
        "public_id": p.public_id,
        "title": p.title,
        "category": p.category,
        "category_label": str(p.get_category_display()),
        "ptype": p.ptype,
        "ptype_label": str(p.get_ptype_display()),
        "channel": p.channel,
        "channel_label": str(p.get_channel_display()),
        "state": p.state,
        "state_label": str(p.get_state_display()),
        "unit": _unit_out(p.unit),
        "received_at": p.received_at,
        "due_kind": p.due_kind,
        "due_at": p.due_at,
        "days_left": days_left(p.due_at, now) if p.due_at else None,
        "allowed_actions": [str(a) for a in allowed_actions(Actor(user=user), p, now)],
    }


def _masked_identity(p: Petition) -> dict | None:
    if p.is_anonymous:
        return None
    try:
        row = p.identity
    except PetitionerIdentity.DoesNotExist:
        return None
    identity: Identity = unseal(row)
    return identity.masked()


def detail(p: Petition, user: User, now: datetime) -> dict:
    staff = p.petitioner_id != user.pk  # the risk assessment is the staff's, not the petitioner's
    return {
        **summary(p, user, now),
        "content": p.content,
        "risk_level": p.risk_level if staff else None,
        "flags": list(p.flags or []) if staff else None,
        "people_count": p.people_count,
        "is_anonymous": p.is_anonymous,
        "petitioner": _masked_identity(p),
        "handling_unit": _unit_out(p.handling_unit),
        "handler": p.handler.name if p.handler_id else None,
        "leader": p.leader.name if p.leader_id else None,
        "accepted_at": p.accepted_at,
        "handling_due_at": p.handling_due_at,
        "extension_count": p.extension_count,
        "decision_reason": p.decision_reason,
        "legal_channel": p.legal_channel,
        "reply_outcome": p.reply_outcome,
        "reply_text": p.reply_text,
        "replied_at": p.replied_at,
        "rating": p.rating,
        "rating_comment": p.rating_comment,
        "rated_at": p.rated_at,
        "closed_at": p.closed_at,
        "reviews": [
            {
                "level": r.level,
                "level_label": str(r.get_level_display()),
                "unit": _unit_out(r.unit),
                "requested_at": r.requested_at,
                "due_at": r.due_at,
                "decided_at": r.decided_at,
                "outcome": r.outcome,
                "opinion": r.opinion,
            }
            for r in p.review_list
        ],
    }


def _actor_label(event: PetitionEvent, p: Petition) -> str | None:
    """Staff see who acted; the petitioner's own account only masked, and an anonymous
    submitter's account never (should a registration event of one carry it)."""
    if event.actor_id is None:
        return None
    if p.is_anonymous and p.registered_by_id is None and event.kind == PetitionEvent.Kind.REGISTERED:
        return "匿名信访人"
    if event.actor_id == p.petitioner_id:
        return mask_name(event.actor.name)
    return event.actor.name


def events(p: Petition, *, public_only: bool) -> list[dict]:
    qs = p.events.select_related("actor").order_by("seq")
    if public_only:
        qs = qs.filter(public=True)
    return [
        {
            "seq": e.seq,
            "kind": e.kind,
            "kind_label": str(e.get_kind_display()),
            "at": e.at,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "note": e.note,
            "actor": None if public_only else _actor_label(e, p),
        }
        for e in qs
    ]


def _act(request: HttpRequest, public_id: str, verb, **kwargs) -> dict:
    """Run one workflow verb on a visible petition as the calling user; answer its new summary."""
    user = current_user(request)
    petition = _visible(user, public_id)
    verb(petition=petition, actor=Actor(user=user), **kwargs)
    fresh = Petition.objects.select_related(*SUMMARY_RELATED).get(pk=petition.pk)
    return summary(fresh, user, timezone.now())


def _count_track_attempt(request: HttpRequest) -> None:
    if not receipt_try_allowed(request):
        raise RateLimited(
            "rate_limited",
            f"查询过于频繁：每个网络地址{TRACK_WINDOW_SECONDS // 60}分钟内最多查询{TRACK_LIMIT}次，请稍后再试",
            retry_after=TRACK_WINDOW_SECONDS,
        )


# --- reading ------------------------------------------------------------------------------------


@router.get("/petitions", response={200: PetitionListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="petitions_list", summary="信访事项列表（按权限范围）")
def petitions_list(request, filters: Query[PetitionFilters]):
    user = current_user(request)
    now = timezone.now()
    qs = visible_to(user).select_related(*SUMMARY_RELATED)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.due == "overdue":
        qs = qs.filter(state__in=OPEN_STATES, due_at__lte=now)
    elif filters.due == "soon":
        qs = qs.filter(state__in=OPEN_STATES, due_at__gt=now, due_at__lte=now + timedelta(days=3))
    if filters.q and filters.q.strip():
        term = filters.q.strip()
        qs = qs.filter(Q(number__icontains=term) | Q(title__icontains=term))
    qs = qs.order_by("-received_at", "-id")
    page = list(qs[filters.offset: filters.offset + filters.limit])
    _prime_reviews(page)
    return {
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [summary(p, user, now) for p in page],
    }


@router.get("/petitions/{public_id}", response={200: PetitionDetailOut, **READ_ERRORS},
            operation_id="petitions_get", summary="信访事项详情")
def petitions_get(request, public_id: str):
    user = current_user(request)
    petition = _visible(user, public_id, related=DETAIL_RELATED)
    return detail(petition, user, timezone.now())


@router.get("/petitions/{public_id}/timeline", response={200: TimelineOut, **READ_ERRORS},
            operation_id="petitions_timeline", summary="办理过程（信访人只看公开的步骤）")
def petitions_timeline(request, public_id: str):
    user = current_user(request)
    petition = _visible(user, public_id)
    public_only = petition.petitioner_id is not None and petition.petitioner_id == user.pk
    return {
        "number": petition.number,
        "public_id": petition.public_id,
        "state": petition.state,
        "state_label": str(petition.get_state_display()),
        "events": events(petition, public_only=public_only),
    }


# --- intake -------------------------------------------------------------------------------------


@router.post("/petitions", response={201: PetitionCreatedOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
             operation_id="petitions_create", summary="网上提交信访事项（实名或匿名）")
def petitions_create(request, payload: PetitionCreateIn):
    user = current_user(request)
    draft = PetitionDraft(
        title=payload.title,
        content=payload.content,
        category=str(payload.category.value),
        ptype=str(payload.ptype.value),
        unit=_unit(payload.unit, "unit"),
        anonymous=payload.anonymous,
        identity=Identity(address=payload.address.strip(), id_number=payload.id_number.strip()),
        accused_unit=_unit(payload.accused_unit, "accused_unit") if payload.accused_unit else None,
        accused_user=_person(payload.accused_employee_no, "accused_employee_no")
        if payload.accused_employee_no
        else None,
    )
    result = petition_submit(petitioner=user, draft=draft)
    p = result.petition
    return Status(201, {
        "number": p.number,
        "public_id": p.public_id,
        "state": p.state,
        "state_label": str(State(p.state).label),
        "receipt_code": result.receipt_code,
    })


@router.post("/track", auth=None, response={200: TrackOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
             operation_id="petitions_track_anonymous", summary="匿名信访人凭查询码查询办理过程",
             tags=["匿名查询"])
def petitions_track_anonymous(request, payload: TrackIn):
    _count_track_attempt(request)
    petition = find_by_receipt(payload.receipt_code)
    if petition is None:
        raise NotFound("not_found", "查询码不正确，请核对16位查询码")
    return {
        "number": petition.number,
        "title": petition.title,
        "state": petition.state,
        "state_label": str(petition.get_state_display()),
        "unit": _unit_out(petition.unit),
        "received_at": petition.received_at,
        "due_kind": petition.due_kind,
        "due_at": petition.due_at,
        "events": events(petition, public_only=True),
    }


# --- workflow verbs -----------------------------------------------------------------------------


def _verb(verb: str, summary_text: str):
    return router.post(
        f"/petitions/{{public_id}}/{verb}",
        response={200: PetitionSummaryOut, **ERRORS},
        operation_id=f"petitions_{verb}",
        summary=summary_text,
    )


@_verb("accept", "受理（出具受理告知书）")
def petitions_accept(request, public_id: str, payload: NoteIn | None = None):
    note = payload.note if payload else ""
    return _act(request, public_id, workflow.petition_accept, note=note)


@_verb("decline", "不予受理（写明理由，必要时引导法定途径）")
def petitions_decline(request, public_id: str, payload: DeclineIn):
    return _act(request, public_id, workflow.petition_decline, reason=str(payload.reason.value),
                legal_channel=str(payload.legal_channel.value) if payload.legal_channel else "",
                note=payload.note)


@_verb("forward", "转送有权处理的单位")
def petitions_forward(request, public_id: str, payload: ForwardIn):
    return _act(request, public_id, workflow.petition_forward, to_unit=_unit(payload.to_unit, "to_unit"),
                note=payload.note)


@_verb("assign", "交办：承办单位、承办人、责任领导")
def petitions_assign(request, public_id: str, payload: AssignIn):
    return _act(request, public_id, workflow.petition_assign,
                handling_unit=_unit(payload.handling_unit, "handling_unit"),
                handler=_person(payload.handler, "handler"), leader=_person(payload.leader, "leader"),
                note=payload.note)


@_verb("extend", "延长办理期限（一次，不超过30日，单位负责人批准）")
def petitions_extend(request, public_id: str, payload: ExtendIn):
    return _act(request, public_id, workflow.petition_extend, days=payload.days, reason=payload.reason)


@_verb("reply", "出具处理意见书")
def petitions_reply(request, public_id: str, payload: ReplyIn):
    return _act(request, public_id, workflow.petition_reply, outcome=str(payload.outcome.value),
                text=payload.text)


@_verb("rate", "信访人评价")
def petitions_rate(request, public_id: str, payload: RateIn):
    return _act(request, public_id, workflow.petition_rate, rating=str(payload.rating.value),
                comment=payload.comment)


@_verb("request_review", "申请复查")
def petitions_request_review(request, public_id: str, payload: TextIn):
    return _act(request, public_id, workflow.petition_request_review, text=payload.text)


@_verb("decide_review", "作出复查意见")
def petitions_decide_review(request, public_id: str, payload: DecideIn):
    return _act(request, public_id, workflow.petition_decide_review, outcome=str(payload.outcome.value),
                opinion=payload.opinion)


@_verb("request_rereview", "申请复核")
def petitions_request_rereview(request, public_id: str, payload: TextIn):
    return _act(request, public_id, workflow.petition_request_rereview, text=payload.text)


@_verb("decide_rereview", "作出复核意见（事项终结）")
def petitions_decide_rereview(request, public_id: str, payload: DecideIn):
    return _act(request, public_id, workflow.petition_decide_rereview, outcome=str(payload.outcome.value),
                opinion=payload.opinion)


@_verb("withdraw", "信访人撤回")
def petitions_withdraw(request, public_id: str, payload: WithdrawIn | None = None):
    reason = payload.reason if payload else ""
    return _act(request, public_id, workflow.petition_withdraw, reason=reason)
