"""REST endpoints under /api/v1/publicity/ (mounted in petitions/api/main.py, one OpenAPI schema).

Thin, like petitions/api/views.py: records come through publicity.scoping, writes go through
the services, refusals are DomainErrors (``{"code", "message"}``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from core.errors import InvalidInput, NotFound
from orgs.models import Unit
from petitions.api.auth import current_user
from petitions.api.schemas import ErrorOut
from publicity import newsroom, selectors
from publicity.choices import Decision, IncidentLevel, PieceKind
from publicity.models import Piece, Theme
from publicity.scoping import pieces_visible_to

router = Router(tags=["宣传思想工作"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip().upper(), is_active=True).first()
    if unit is None:
        raise InvalidInput("unknown_unit", f"没有代码为“{code}”的启用单位")
    return unit


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("not_found", "没有找到，或您无权查看") from None


# --- pieces ------------------------------------------------------------------------------------


class PieceOut(Schema):
    public_id: uuid.UUID
    title: str
    lead: str
    kind: str
    unit: str
    author: str
    state: str
    stage: str
    round: int
    version: int
    for_news: bool
    for_outside: bool
    embargo_until: datetime | None
    published_at: datetime | None


class PieceDetailOut(PieceOut):
    body: str
    reviews: list[dict]


class PieceListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[PieceOut]


class PieceFilters(Schema):
    state: str | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class PieceIn(Schema):
    unit: str = Field(..., max_length=32, description="单位代码")
    title: str = Field(..., min_length=1, max_length=120)
    lead: str = Field("", max_length=300)
    body: str = Field(..., max_length=20000)
    kind: PieceKind = PieceKind.NEWS
    theme: str | None = Field(None, max_length=60, description="主题名称")
    video_url: str = Field("", max_length=200)
    for_news: bool = True
    for_outside: bool = False
    embargo_until: datetime | None = None
    submit: bool = False


class ReviewIn(Schema):
    decision: Decision
    proofread: bool = False
    comment: str = Field("", max_length=2000)


class NewsFilters(Schema):
    q: str = Field("", max_length=50)
    offset: int = Field(0, ge=0, le=10_000)


class NewsOut(Schema):
    items: list[PieceOut]
    more: bool


def piece_out(p: Piece) -> dict:
    return {"public_id": p.public_id, "title": p.title, "lead": p.lead, "kind": p.kind, "unit": p.unit.code,
            "author": p.author.name, "state": p.state, "stage": p.stage, "round": p.round, "version": p.version,
            "for_news": p.for_news, "for_outside": p.for_outside, "embargo_until": p.embargo_until,
            "published_at": p.published_at}


def _piece(request, public_id: str) -> Piece:
    piece = (pieces_visible_to(current_user(request)).select_related("unit", "author")
             .filter(public_id=_uuid(public_id)).first())
    if piece is None:
        raise NotFound("not_found", "没有找到这篇稿件，或您无权查看")
    return piece


def _detail(p: Piece) -> dict:
    return {**piece_out(p), "body": p.body, "reviews": [
        {"round": r.round, "level": r.level, "reviewer": r.reviewer.name, "decision": r.decision,
         "proofread": r.proofread, "comment": r.comment, "decided_at": r.decided_at.isoformat(),
         "rule_version": r.rule_version}
        for r in p.reviews.select_related("reviewer")]}


@router.get("/pieces", response={200: PieceListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="publicity_pieces_list", summary="稿件列表（按权限范围）")
def publicity_pieces_list(request, filters: Query[PieceFilters]):
    qs = pieces_visible_to(current_user(request)).select_related("unit", "author")
    if filters.state:
        qs = qs.filter(state=filters.state)
    qs = qs.order_by("-created_at", "-id")
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset,
            "items": [piece_out(p) for p in qs[filters.offset:filters.offset + filters.limit]]}


@router.get("/pieces/{public_id}", response={200: PieceDetailOut, **READ_ERRORS},
            operation_id="publicity_pieces_get", summary="稿件详情（含三审记录）")
def publicity_pieces_get(request, public_id: str):
    return _detail(_piece(request, public_id))


@router.post("/pieces", response={201: PieceDetailOut, **ERRORS},
             operation_id="publicity_pieces_create", summary="投稿（图片请用网页上传）")
def publicity_pieces_create(request, payload: PieceIn):
    user = current_user(request)
    theme = None
    if payload.theme:
        theme = Theme.objects.filter(name=payload.theme, is_active=True).first()
        if theme is None:
            raise InvalidInput("unknown_theme", f"没有主题“{payload.theme}”")
    embargo = payload.embargo_until
    if embargo is not None and timezone.is_naive(embargo):
        embargo = timezone.make_aware(embargo)
    draft = newsroom.PieceDraft(title=payload.title, lead=payload.lead, body=payload.body, unit=_unit(payload.unit),
                                kind=payload.kind, theme=theme, video_url=payload.video_url,
                                for_news=payload.for_news, for_outside=payload.for_outside, embargo_until=embargo)
    piece = newsroom.piece_create(author=user, draft=draft, submit=payload.submit)
    return Status(201, _detail(Piece.objects.select_related("unit", "author").get(pk=piece.pk)))


@router.post("/pieces/{public_id}/submit", response={200: PieceDetailOut, **ERRORS},
             operation_id="publicity_pieces_submit", summary="送审")
def publicity_pieces_submit(request, public_id: str):
    piece = newsroom.piece_submit(piece=_piece(request, public_id), acting_user=current_user(request))
    return _detail(Piece.objects.select_related("unit", "author").get(pk=piece.pk))


@router.post("/pieces/{public_id}/review", response={200: PieceDetailOut, **ERRORS},
             operation_id="publicity_pieces_review", summary="三审：通过（须确认校对）、退回修改或不予采用")
def publicity_pieces_review(request, public_id: str, payload: ReviewIn):
    piece = newsroom.piece_review(piece=_piece(request, public_id), acting_user=current_user(request),
                                  decision=payload.decision, proofread=payload.proofread, comment=payload.comment)
    return _detail(Piece.objects.select_related("unit", "author").get(pk=piece.pk))


@router.get("/news", response={200: NewsOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="publicity_news_search", summary="本平台新闻（已签发、已过禁发时间）及搜索")
def publicity_news_search(request, filters: Query[NewsFilters]):
    rows, more = selectors.news_search(current_user(request), filters.q, offset=filters.offset)
    return {"items": [piece_out_news(p) for p in rows], "more": more}


def piece_out_news(p: Piece) -> dict:
    return {"public_id": p.public_id, "title": p.title, "lead": p.lead, "kind": p.kind, "unit": p.unit.code,
            "author": "", "state": "published", "stage": "", "round": 0, "version": 0, "for_news": True,
            "for_outside": False, "embargo_until": None, "published_at": p.published_at}



# --- placements (pub.external_ledger) -----------------------------------------------------------


class PlacementOut(Schema):
    id: int
    outlet: str
    outlet_level: str
    kind: str
    published_on: date
    title: str
    link: str
    unit: str
    theme: str | None
    piece: uuid.UUID | None
    points: float
    points_rule_version: int
    authors: list[dict]


class PlacementListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[PlacementOut]


class PlacementFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    month: int | None = Field(None, ge=1, le=12)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class BylineIn(Schema):
    employee_no: str | None = Field(None, max_length=20)
    name: str = Field("", max_length=50)
    unit: str | None = Field(None, max_length=32, description="作者单位代码（默认供稿单位）")


class PlacementIn(Schema):
    outlet: str = Field(..., min_length=1, max_length=80, description="媒体名称（已登记的）")
    kind: PieceKind
    published_on: date
    title: str = Field(..., min_length=1, max_length=200)
    unit: str = Field(..., max_length=32)
    authors: list[BylineIn] = Field(..., min_length=1, max_length=20)
    link: str = Field("", max_length=500)
    piece: str | None = Field(None, max_length=36)
    theme: str | None = Field(None, max_length=60)


def placement_out(p) -> dict:
    return {"id": p.pk, "outlet": p.outlet.name, "outlet_level": p.outlet_level, "kind": p.kind,
            "published_on": p.published_on, "title": p.title, "link": p.link, "unit": p.unit.code,
            "theme": p.theme.name if p.theme_id else None, "piece": p.piece.public_id if p.piece_id else None,
            "points": float(p.points), "points_rule_version": p.points_rule_version,
            "authors": [{"name": a.name, "unit": a.unit.code, "points": float(a.points)} for a in p.authors.all()]}


@router.get("/placements", response={200: PlacementListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="publicity_placements_list", summary="对外发稿台账（按权限范围）")
def publicity_placements_list(request, filters: Query[PlacementFilters]):
    from publicity.placements import placements_of_year, placements_visible_to

    user = current_user(request)
    qs = placements_of_year(user, filters.year, filters.month) if filters.year else placements_visible_to(user)
    qs = qs.select_related("outlet", "unit", "theme", "piece").prefetch_related("authors__unit")
    qs = qs.order_by("-published_on", "-id")
    return {"count": qs.count(), "limit": filters.limit, "offset": filters.offset,
            "items": [placement_out(p) for p in qs[filters.offset:filters.offset + filters.limit]]}


@router.post("/placements", response={201: PlacementOut, **ERRORS},
             operation_id="publicity_placements_create", summary="登记对外发稿（积分按积分表计算）")
def publicity_placements_create(request, payload: PlacementIn):
    from orgs.models import User
    from publicity.models import Outlet
    from publicity.placements import Byline, placement_record

    user = current_user(request)
    outlet = Outlet.objects.filter(name=payload.outlet.strip()).first()
    if outlet is None:
        raise InvalidInput("unknown_outlet", f"没有登记媒体“{payload.outlet}”")
    unit = _unit(payload.unit)
    bylines = []
    for a in payload.authors:
        person = None
        if a.employee_no:
            person = User.objects.filter(employee_no=a.employee_no.strip(), is_active=True).first()
            if person is None:
                raise InvalidInput("unknown_person", f"没有工号为“{a.employee_no}”的在职人员")
        bylines.append(Byline(unit=_unit(a.unit) if a.unit else unit, user=person, name=a.name))
    piece = _piece(request, payload.piece) if payload.piece else None
    theme = Theme.objects.filter(name=payload.theme).first() if payload.theme else None
    if payload.theme and theme is None:
        raise InvalidInput("unknown_theme", f"没有主题“{payload.theme}”")
    p = placement_record(acting_user=user, outlet=outlet, kind=payload.kind, published_on=payload.published_on,
                         title=payload.title, unit=unit, authors=bylines, link=payload.link, piece=piece, theme=theme)
    return Status(201, placement_out(p))


# --- lectures (talk.reach) -----------------------------------------------------------------------


class AudienceIn(Schema):
    unit: str = Field(..., max_length=32)
    attendance: int = Field(..., ge=0, le=100_000)


class LectureIn(Schema):
    topic: str = Field(..., min_length=1, max_length=120)
    lecturer: str = Field(..., max_length=20, description="宣讲人工号")
    unit: str = Field(..., max_length=32, description="组织单位代码")
    held_at: datetime
    audience: list[AudienceIn] = Field(..., min_length=1, max_length=50)
    place: str = Field("", max_length=100)
    online: bool = False
    theme: str | None = Field(None, max_length=60)


class LectureOut(Schema):
    public_id: uuid.UUID
    topic: str
    lecturer: str
    unit: str
    held_at: datetime
    attendance: int
    theme: str | None
    campaign: str | None
    audience: list[dict]


class LectureListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[LectureOut]


class ListPage(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


def lecture_out(lecture) -> dict:
    return {"public_id": lecture.public_id, "topic": lecture.topic, "lecturer": lecture.lecturer.name,
            "unit": lecture.unit.code, "held_at": lecture.held_at, "attendance": lecture.attendance,
            "theme": lecture.theme.name if lecture.theme_id else None,
            "campaign": lecture.campaign.name if lecture.campaign_id else None,
            "audience": [{"unit": a.unit.code, "attendance": a.attendance} for a in lecture.audience.all()]}


@router.get("/lectures", response={200: LectureListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="publicity_lectures_list", summary="宣讲（按权限范围）")
def publicity_lectures_list(request, page: Query[ListPage]):
    from publicity.lectures import lectures_visible_to

    qs = (lectures_visible_to(current_user(request)).select_related("lecturer", "unit", "theme", "campaign")
          .prefetch_related("audience__unit").order_by("-held_at", "-id"))
    return {"count": qs.count(), "limit": page.limit, "offset": page.offset,
            "items": [lecture_out(x) for x in qs[page.offset:page.offset + page.limit]]}


@router.post("/lectures", response={201: LectureOut, **ERRORS},
             operation_id="publicity_lectures_create", summary="登记宣讲（每个听众单位的人次只计一次）")
def publicity_lectures_create(request, payload: LectureIn):
    from orgs.models import User
    from publicity.lectures import lecture_record

    lecturer = User.objects.filter(employee_no=payload.lecturer.strip(), is_active=True).first()
    if lecturer is None:
        raise InvalidInput("unknown_person", f"没有工号为“{payload.lecturer}”的在职人员")
    theme = Theme.objects.filter(name=payload.theme).first() if payload.theme else None
    if payload.theme and theme is None:
        raise InvalidInput("unknown_theme", f"没有主题“{payload.theme}”")
    held = payload.held_at if timezone.is_aware(payload.held_at) else timezone.make_aware(payload.held_at)
    lecture = lecture_record(acting_user=current_user(request), topic=payload.topic, lecturer=lecturer,
                             unit=_unit(payload.unit), held_at=held,
                             audience=[(_unit(a.unit), a.attendance) for a in payload.audience],
                             place=payload.place, online=payload.online, theme=theme)
    return Status(201, lecture_out(lecture))


# --- study (study.first_topic, study.center_group) -----------------------------------------------


class TaskIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    owner: str = Field(..., max_length=20, description="责任人工号")
    due_on: date


class FirstTopicIn(Schema):
    unit: str = Field(..., max_length=32)
    meeting_on: date
    material: str = Field(..., min_length=1, max_length=200)
    summary: str = Field("", max_length=5000)
    led_by: str = Field(..., max_length=20)
    attendees: list[str] = Field(default_factory=list, max_length=200)
    tasks: list[TaskIn] = Field(default_factory=list, max_length=50)


class FirstTopicOut(Schema):
    id: int
    unit: str
    meeting_on: date
    material: str
    led_by: str
    attendees: int
    tasks: list[dict]


class FirstTopicListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[FirstTopicOut]


class ComplianceOut(Schema):
    plan: int
    unit: str
    year: int
    sessions: int
    full_sessions: int
    seminars: int
    longest_gap_days: int
    attendance_rate: float
    speeches: int
    flags: list[str]
    rule_version: int


def _person(no: str):
    from orgs.models import User

    user = User.objects.filter(employee_no=no.strip(), is_active=True).first()
    if user is None:
        raise InvalidInput("unknown_person", f"没有工号为“{no}”的在职人员")
    return user


def first_topic_out(t) -> dict:
    return {"id": t.pk, "unit": t.unit.code, "meeting_on": t.meeting_on, "material": t.material,
            "led_by": t.led_by.name, "attendees": t.attendees.count(),
            "tasks": [{"id": x.pk, "title": x.title, "owner": x.owner.name, "due_on": x.due_on.isoformat(),
                       "done": x.done_at is not None} for x in t.tasks.select_related("owner")]}


@router.get("/study/first-topics", response={200: FirstTopicListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="publicity_first_topics_list", summary="第一议题学习记录（按权限范围）")
def publicity_first_topics_list(request, page: Query[ListPage]):
    from publicity.study import first_topics_visible_to

    qs = first_topics_visible_to(current_user(request)).select_related("unit", "led_by").order_by("-meeting_on", "-id")
    return {"count": qs.count(), "limit": page.limit, "offset": page.offset,
            "items": [first_topic_out(t) for t in qs[page.offset:page.offset + page.limit]]}


@router.post("/study/first-topics", response={201: FirstTopicOut, **ERRORS},
             operation_id="publicity_first_topics_create", summary="登记第一议题及落实任务")
def publicity_first_topics_create(request, payload: FirstTopicIn):
    from publicity.study import TaskDraft, first_topic_record

    t = first_topic_record(acting_user=current_user(request), unit=_unit(payload.unit), meeting_on=payload.meeting_on,
                           material=payload.material, summary=payload.summary, led_by=_person(payload.led_by),
                           attendees=[_person(n) for n in payload.attendees],
                           tasks=[TaskDraft(title=x.title, owner=_person(x.owner), due_on=x.due_on)
                                  for x in payload.tasks])
    return Status(201, first_topic_out(t))


@router.get("/study/plans/{plan_id}/compliance", response={200: ComplianceOut, **READ_ERRORS},
            operation_id="publicity_center_compliance", summary="中心组学习计划的执行情况（study.center_group）")
def publicity_center_compliance(request, plan_id: int):
    from publicity.study import center_compliance, plans_visible_to

    if not 0 < plan_id < 2**62:
        raise NotFound("not_found", "没有找到这个计划，或您无权查看")
    plan = plans_visible_to(current_user(request)).select_related("unit").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("not_found", "没有找到这个计划，或您无权查看")
    c = center_compliance(plan)
    return {"plan": plan.pk, "unit": plan.unit.code, "year": c.year, "sessions": c.sessions,
            "full_sessions": c.full_sessions, "seminars": c.seminars, "longest_gap_days": c.longest_gap_days,
            "attendance_rate": c.attendance_rate, "speeches": c.speeches, "flags": c.flags,
            "rule_version": c.rule_version}


# --- incidents (ideo.incident) ----------------------------------------------------------------


class IncidentIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    summary: str = Field(..., min_length=1, max_length=5000)
    unit: str = Field(..., max_length=32)
    level: IncidentLevel
    owner: str = Field(..., max_length=20, description="响应责任人工号")
    found_at: datetime
    source: str = Field("", max_length=200)


class IncidentOut(Schema):
    public_id: uuid.UUID
    title: str
    unit: str
    level: str
    owner: str
    state: str
    found_at: datetime
    due_at: datetime
    responded_at: datetime | None
    answered_on_time: bool | None
    escalated_at: datetime | None
    rule_version: int


class IncidentListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[IncidentOut]


class StepIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000)


def incident_out(i) -> dict:
    return {"public_id": i.public_id, "title": i.title, "unit": i.unit.code, "level": i.level, "owner": i.owner.name,
            "state": i.state, "found_at": i.found_at, "due_at": i.due_at, "responded_at": i.responded_at,
            "answered_on_time": i.answered_on_time, "escalated_at": i.escalated_at, "rule_version": i.rule_version}


def _incident(request, public_id: str):
    from publicity.ideology import incidents_visible_to

    row = (incidents_visible_to(current_user(request)).select_related("unit", "owner")
           .filter(public_id=_uuid(public_id)).first())
    if row is None:
        raise NotFound("not_found", "没有找到这条舆情，或您无权查看")
    return row


@router.get("/incidents", response={200: IncidentListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="publicity_incidents_list", summary="舆情（按权限范围）")
def publicity_incidents_list(request, page: Query[ListPage]):
    from publicity.ideology import incidents_visible_to

    qs = incidents_visible_to(current_user(request)).select_related("unit", "owner").order_by("-found_at", "-id")
    return {"count": qs.count(), "limit": page.limit, "offset": page.offset,
            "items": [incident_out(i) for i in qs[page.offset:page.offset + page.limit]]}


@router.post("/incidents", response={201: IncidentOut, **ERRORS},
             operation_id="publicity_incidents_create", summary="登记舆情（首次响应时限按规则计算）")
def publicity_incidents_create(request, payload: IncidentIn):
    from publicity.ideology import incident_log

    found = payload.found_at if timezone.is_aware(payload.found_at) else timezone.make_aware(payload.found_at)
    row = incident_log(acting_user=current_user(request), title=payload.title, summary=payload.summary,
                       unit=_unit(payload.unit), level=payload.level, owner=_person(payload.owner),
                       found_at=found, source=payload.source)
    return Status(201, incident_out(row))


@router.post("/incidents/{public_id}/respond", response={200: IncidentOut, **ERRORS},
             operation_id="publicity_incidents_respond", summary="首次响应或处置措施")
def publicity_incidents_respond(request, public_id: str, payload: StepIn):
    from publicity.ideology import incident_respond

    row = incident_respond(incident=_incident(request, public_id), acting_user=current_user(request),
                           text=payload.text)
    return incident_out(row)
