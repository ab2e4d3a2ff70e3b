"""REST endpoints under /api/v1/party/ (mounted in petitions/api/main.py, one OpenAPI schema).

Thin: every list goes through party.scoping, every write through the services; DomainErrors
become ``{"code", "message"}`` with their status (petitions.api.errors)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from core.errors import NotFound
from party import orgtree, scoping
from party.models import Member, PartyOrg
from petitions.api.auth import current_user
from petitions.api.schemas import ErrorOut
from tongxin.lib.periods import local_date

router = Router(tags=["党组织建设"])

NOT_FOUND = "记录不存在，或您无权查看"
READ = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _today() -> date:
    return local_date(timezone.now())


class Page(Schema):
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000_000)


# --- organizations ----------------------------------------------------------------------------


class FindingOut(Schema):
    code: str
    level: str
    message: str
    rule_version: str


class OrgOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    parent_id: int | None
    units: list[str]


class OrgDetailOut(OrgOut):
    findings: list[FindingOut] = Field(..., description="组织设置检查（org.*），仅管理者可见")
    term_end: date | None


class OrgListOut(Schema):
    count: int
    items: list[OrgOut]


class OrgFilters(Page):
    kind: str | None = Field(None, max_length=20)


def _org(o: PartyOrg) -> dict:
    return {"id": o.pk, "code": o.code, "name": o.name, "kind": o.kind, "kind_label": str(o.get_kind_display()),
            "parent_id": o.parent_id, "units": [u.code for u in o.units.all()]}


@router.get("/orgs", response={200: OrgListOut, 401: ErrorOut, 422: ErrorOut}, operation_id="party_orgs_list",
            summary="党组织列表（按权限范围）")
def party_orgs_list(request, filters: Query[OrgFilters]):
    qs = scoping.orgs_visible_to(current_user(request)).prefetch_related("units").order_by("path")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return {"count": qs.count(), "items": [_org(o) for o in qs[filters.offset: filters.offset + filters.limit]]}


@router.get("/orgs/{org_id}", response={200: OrgDetailOut, **READ}, operation_id="party_orgs_get",
            summary="党组织详情及组织设置检查")
def party_orgs_get(request, org_id: int):
    user = current_user(request)
    org = scoping.orgs_visible_to(user).filter(pk=org_id).first()
    if org is None:
        raise NotFound("not_found", NOT_FOUND)
    term = orgtree.current_term(org)
    findings = orgtree.org_checks(org, _today(), term=term) if scoping.manages(user, org) else []
    return {**_org(org), "term_end": orgtree.term_end(term) if term else None,
            "findings": [{"code": f.code, "level": f.level, "message": f.message, "rule_version": f.stamp}
                         for f in findings]}


# --- members ----------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    employee_no: str
    name: str
    branch_id: int
    branch: str
    status: str
    status_label: str
    joined_on: date | None
    full_on: date | None
    is_flowing: bool
    post_category: str
    dues_kind: str
    dues_base: Decimal | None


class MemberListOut(Schema):
    count: int
    items: list[MemberOut]


class MemberFilters(Page):
    branch_id: int | None = Field(None, ge=1, le=2**31 - 1)
    status: str | None = Field(None, max_length=20)
    q: str | None = Field(None, max_length=50)


def _member(m: Member) -> dict:
    return {"id": m.pk, "employee_no": m.person.employee_no, "name": m.person.name, "branch_id": m.branch_id,
            "branch": m.branch.name, "status": m.status, "status_label": str(m.get_status_display()),
            "joined_on": m.joined_on, "full_on": m.full_on, "is_flowing": m.is_flowing,
            "post_category": m.post_category, "dues_kind": m.dues_kind, "dues_base": m.dues_base}


@router.get("/members", response={200: MemberListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="party_members_list", summary="党员名册（按权限范围）")
def party_members_list(request, filters: Query[MemberFilters]):
    qs = scoping.members_visible_to(current_user(request)).select_related("person", "branch")
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.q and filters.q.strip():
        qs = qs.filter(Q(person__name__contains=filters.q.strip()) | Q(person__employee_no=filters.q.strip()))
    qs = qs.order_by("branch__path", "person__employee_no")
    return {"count": qs.count(), "items": [_member(m) for m in qs[filters.offset: filters.offset + filters.limit]]}


@router.get("/members/{member_id}", response={200: MemberOut, **READ}, operation_id="party_members_get",
            summary="党员详情")
def party_members_get(request, member_id: int):
    m = scoping.members_visible_to(current_user(request)).select_related("person", "branch").filter(pk=member_id).first()
    if m is None:
        raise NotFound("not_found", NOT_FOUND)
    return _member(m)


# --- transfers --------------------------------------------------------------------------------


class LetterIn(Schema):
    member_id: int = Field(..., ge=1, le=2**31 - 1)
    to_org_id: int | None = Field(None, ge=1, le=2**31 - 1)
    to_name: str = Field("", max_length=100)
    issued_on: date
    dues_paid_to: str = Field(..., max_length=7, description="党费交至年月 YYYY-MM")
    reason: str = Field("", max_length=100)


class LetterActionIn(Schema):
    on: date
    late_certificate: str = Field("", max_length=200)


class LetterOut(Schema):
    id: int
    number: str
    member_id: int
    from_org_id: int | None
    to_org_id: int | None
    to_name: str
    issued_on: date
    valid_until: date
    dues_paid_to: str
    state: str
    reported_on: date | None
    receipt_on: date | None


def _letter(letter) -> dict:
    return {f: getattr(letter, f) for f in LetterOut.model_fields}


@router.post("/transfers", response={201: LetterOut, **WRITE}, operation_id="party_transfers_issue",
             summary="开具组织关系介绍信")
def party_transfers_issue(request, payload: LetterIn):
    from party.transfers import letter_issue

    user = current_user(request)
    member = scoping.members_visible_to(user).filter(pk=payload.member_id).first()
    if member is None:
        raise NotFound("not_found", NOT_FOUND)
    to_org = None
    if payload.to_org_id:
        to_org = PartyOrg.objects.filter(pk=payload.to_org_id).first()
        if to_org is None:
            raise NotFound("not_found", NOT_FOUND)
    letter = letter_issue(member=member, to_org=to_org, to_name=payload.to_name, issued_on=payload.issued_on,
                          dues_paid_to=payload.dues_paid_to, reason=payload.reason, actor=user)
    return Status(201, _letter(letter))


@router.post("/transfers/{letter_id}/report", response={200: LetterOut, **WRITE},
             operation_id="party_transfers_report", summary="登记报到（转入党支部）")
def party_transfers_report(request, letter_id: int, payload: LetterActionIn):
    from party.transfers import letter_report

    user = current_user(request)
    letter = scoping.letters_visible_to(user).filter(pk=letter_id).first()
    if letter is None:
        raise NotFound("not_found", NOT_FOUND)
    return _letter(letter_report(letter=letter, on=payload.on, actor=user, late_certificate=payload.late_certificate))


# --- member development ----------------------------------------------------------------------


class DevFileOut(Schema):
    id: int
    employee_no: str
    name: str
    branch_id: int
    state: str
    current_step: int
    next_step: int | None
    next_earliest: date | None
    next_latest: date | None
    probation_end: date | None


class DevListOut(Schema):
    count: int
    items: list[DevFileOut]


class DevStepIn(Schema):
    step: int = Field(..., ge=1, le=25)
    on: date
    decided_by: str = Field(..., min_length=1, max_length=100)
    note: str = Field("", max_length=500)
    publicity_from: date | None = None
    introducers: list[str] = Field(default_factory=list, max_length=5)
    conclusion: str = Field("", max_length=200)
    days: int = Field(0, ge=0, le=365)
    hours: int = Field(0, ge=0, le=2000)


def _dev(f) -> dict:
    from party.development import next_step

    w = next_step(f)
    return {"id": f.pk, "employee_no": f.person.employee_no, "name": f.person.name, "branch_id": f.branch_id,
            "state": f.state, "current_step": f.current_step, "next_step": w.step if w else None,
            "next_earliest": w.earliest if w else None, "next_latest": w.latest if w else None,
            "probation_end": f.probation_end}


@router.get("/development", response={200: DevListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="party_dev_list", summary="发展党员档案（下一步骤及期限）")
def party_dev_list(request, filters: Query[Page]):
    qs = scoping.dev_files_visible_to(current_user(request)).select_related("person").order_by("id")
    return {"count": qs.count(), "items": [_dev(f) for f in qs[filters.offset: filters.offset + filters.limit]]}


@router.post("/development/{file_id}/steps", response={200: DevFileOut, **WRITE},
             operation_id="party_dev_step_record", summary="记录发展党员的一个步骤（顺序和最早日期由规则检查）")
def party_dev_step_record(request, file_id: int, payload: DevStepIn):
    from party.development import step_record

    user = current_user(request)
    f = scoping.dev_files_visible_to(user).select_related("person").filter(pk=file_id).first()
    if f is None:
        raise NotFound("not_found", NOT_FOUND)
    data = {"introducers": payload.introducers, "conclusion": payload.conclusion, "days": payload.days,
            "hours": payload.hours}
    if payload.publicity_from:
        data["publicity_from"] = payload.publicity_from.isoformat()
    step_record(file=f, step=payload.step, on=payload.on, decided_by=payload.decided_by, actor=user, data=data,
                note=payload.note)
    f.refresh_from_db()
    return _dev(f)


# --- organizational life ----------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    org_id: int
    kind: str
    kind_label: str
    title: str
    planned_on: date
    held_on: date | None
    entitled: int
    present: int


class MeetingListOut(Schema):
    count: int
    items: list[MeetingOut]


class MeetingFilters(Page):
    org_id: int | None = Field(None, ge=1, le=2**31 - 1)
    kind: str | None = Field(None, max_length=20)


class SigninIn(Schema):
    code: str = Field(..., min_length=6, max_length=6, pattern=r"^\d{6}$")


def _meeting(m) -> dict:
    return {"id": m.pk, "org_id": m.org_id, "kind": m.kind, "kind_label": str(m.get_kind_display()), "title": m.title,
            "planned_on": m.planned_on, "held_on": m.held_on, "entitled": m.entitled, "present": m.present}


@router.get("/meetings", response={200: MeetingListOut, 401: ErrorOut, 422: ErrorOut},
            operation_id="party_meetings_list", summary="组织生活记录（按权限范围）")
def party_meetings_list(request, filters: Query[MeetingFilters]):
    qs = scoping.meetings_visible_to(current_user(request)).order_by("-planned_on", "-id")
    if filters.org_id:
        qs = qs.filter(org_id=filters.org_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return {"count": qs.count(), "items": [_meeting(m) for m in qs[filters.offset: filters.offset + filters.limit]]}


@router.post("/meetings/{meeting_id}/signin", response={200: MeetingOut, **WRITE},
             operation_id="party_meetings_signin", summary="手机签到（会议当天，输入会场公布的签到码）")
def party_meetings_signin(request, meeting_id: int, payload: SigninIn):
    from party.life import meeting_signin

    user = current_user(request)
    m = scoping.meetings_visible_to(user).filter(pk=meeting_id).first()
    if m is None:
        raise NotFound("not_found", NOT_FOUND)
    meeting_signin(meeting=m, user=user, code=payload.code)
    m.refresh_from_db()
    return _meeting(m)


# --- dues -------------------------------------------------------------------------------------


class DuesOut(Schema):
    id: int
    member_id: int
    branch_id: int
    month: str
    kind: str
    base: Decimal | None
    rate: Decimal | None
    amount: Decimal
    due: Decimal
    paid: Decimal | None
    paid_on: date | None
    back_payment: bool
    rule_version: str


class DuesListOut(Schema):
    count: int
    items: list[DuesOut]


class DuesFilters(Page):
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    branch_id: int | None = Field(None, ge=1, le=2**31 - 1)
    unpaid: bool = False


class DuesRunIn(Schema):
    month: str = Field(..., pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    org_id: int | None = Field(None, ge=1, le=2**31 - 1, description="只计算该党组织及其下级；不填为全集团")


class DuesRunOut(Schema):
    month: str
    created: int
    updated: int
    kept: int


class DuesPayIn(Schema):
    paid_on: date
    amount: Decimal | None = Field(None, ge=0, le=1_000_000, decimal_places=2)


def _dues(a) -> dict:
    return {f: getattr(a, f) for f in DuesOut.model_fields}


@router.get("/dues", response={200: DuesListOut, 401: ErrorOut, 422: ErrorOut}, operation_id="party_dues_list",
            summary="党费应交与交纳记录（按权限范围）")
def party_dues_list(request, filters: Query[DuesFilters]):
    qs = scoping.dues_visible_to(current_user(request)).order_by("-month", "id")
    if filters.month:
        qs = qs.filter(month=filters.month)
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.unpaid:
        qs = qs.filter(paid_on__isnull=True)
    return {"count": qs.count(), "items": [_dues(a) for a in qs[filters.offset: filters.offset + filters.limit]]}


@router.post("/dues/run", response={200: DuesRunOut, **WRITE}, operation_id="party_dues_run",
             summary="计算某月党费（全集团或某党组织）")
def party_dues_run(request, payload: DuesRunIn):
    from party.dues import dues_run

    user = current_user(request)
    root = None
    if payload.org_id:
        root = scoping.managed_orgs(user).filter(pk=payload.org_id).first()
        if root is None:
            raise NotFound("not_found", NOT_FOUND)
    return dues_run(month=payload.month, actor=user, root=root)


@router.post("/dues/{dues_id}/pay", response={200: DuesOut, **WRITE}, operation_id="party_dues_pay",
             summary="登记交纳党费")
def party_dues_pay(request, dues_id: int, payload: DuesPayIn):
    from party.dues import dues_collect

    user = current_user(request)
    qs = scoping.dues_visible_to(user).filter(pk=dues_id)
    if not qs.exists():
        raise NotFound("not_found", NOT_FOUND)
    amounts = {dues_id: payload.amount} if payload.amount is not None else None
    dues_collect(assessments=qs, paid_on=payload.paid_on, actor=user, amounts=amounts)
    return _dues(qs.get())
