"""REST endpoints under /api/v1/carbon/ (mounted in petitions/api/main.py, one OpenAPI schema).

Thin: every list goes through carbon.scoping, every write through carbon.services; DomainErrors
become ``{"code", "message"}`` with their status (petitions.api.errors)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from django.db import transaction
from ninja import Field, Query, Router, Schema, Status

from carbon import services
from carbon.choices import QUANTITIES, Tier
from carbon.models import Facility, FactorSet, InventoryResult, InventoryRun, Report
from carbon.scoping import facilities_visible_to, may_use, registrable_units, reports_visible_to
from core.errors import DomainError, InvalidInput, NotAllowed, NotFound
from petitions.api.auth import current_user
from petitions.api.schemas import ErrorOut

router = Router(tags=["低碳转型"])

NOT_FOUND = "记录不存在，或您无权查看"
READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _user(request):
    user = current_user(request)
    if not may_use(user):
        raise NotAllowed("not_allowed", "低碳转型模块供能源管理员、单位负责人、核查员和系统管理员使用")
    return user


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


# --- facilities -------------------------------------------------------------------------------


class SourceOut(Schema):
    code: str
    fuel: str
    is_active: bool


class FacilityOut(Schema):
    id: int
    unit_code: str
    name: str
    kind: str
    mining_method: str
    gas_class: str
    capacity_mtpa: Decimal | None
    status: str
    retired_on: date | None
    sources: list[SourceOut]


class FacilityListOut(Schema):
    count: int
    items: list[FacilityOut]


def _facility_out(f: Facility) -> dict:
    return {"id": f.pk, "unit_code": f.unit.code, "name": f.unit.name, "kind": f.kind, "mining_method": f.mining_method,
            "gas_class": f.gas_class, "capacity_mtpa": f.capacity_mtpa, "status": f.status, "retired_on": f.retired_on,
            "sources": [{"code": s.code, "fuel": s.fuel, "is_active": s.is_active} for s in f.sources.all()]}


@router.get("/facilities", response={200: FacilityListOut, **READ}, operation_id="carbon_facilities_list",
            summary="核算设施列表（按权限范围）")
def carbon_facilities_list(request, page: Query[Page]):
    user = _user(request)
    qs = facilities_visible_to(user).select_related("unit").prefetch_related("sources").order_by("unit__path")
    return {"count": qs.count(), "items": [_facility_out(f) for f in qs[page.offset: page.offset + page.limit]]}


@router.get("/facilities/{facility_id}", response={200: FacilityOut, **READ}, operation_id="carbon_facilities_get",
            summary="核算设施详情")
def carbon_facilities_get(request, facility_id: int):
    user = _user(request)
    f = facilities_visible_to(user).select_related("unit").prefetch_related("sources").filter(pk=facility_id).first()
    if f is None:
        raise NotFound("not_found", NOT_FOUND)
    return _facility_out(f)


class SourceIn(Schema):
    code: Literal["ghg.fuel", "ghg.flare", "ghg.ch4_underground", "ghg.co2_underground", "ghg.ch4_surface",
                  "ghg.ch4_post", "ghg.electricity", "ghg.heat"]
    fuel: str = Field("", max_length=30, description="ghg.fuel：bituminous / anthracite / washed_coal / diesel / gasoline / natural_gas")


Kind = Literal["mine", "prep_plant", "power_plant", "chemical_plant", "railway"]
Method = Literal["", "underground", "surface"]
GasClassIn = Literal["", "low", "high", "outburst"]
StatusIn = Literal["operating", "retired"]


class FacilityIn(Schema):
    unit_code: str = Field(..., max_length=32, description="本单位或下级单位中尚未登记的单位代码")
    kind: Kind
    mining_method: Method = ""
    gas_class: GasClassIn = ""
    capacity_mtpa: Decimal | None = Field(None, ge=0, le=Decimal("100000"))
    status: StatusIn = "operating"
    commissioned_on: date | None = None
    retired_on: date | None = None
    sources: list[SourceIn] = Field([], max_length=40)


class FacilityPatch(Schema):
    """Only the fields sent change; ``sources`` (when sent) becomes the facility's active sources."""

    kind: Kind | None = None
    mining_method: Method | None = None
    gas_class: GasClassIn | None = None
    capacity_mtpa: Decimal | None = Field(None, ge=0, le=Decimal("100000"))
    status: StatusIn | None = None
    commissioned_on: date | None = None
    retired_on: date | None = None
    sources: list[SourceIn] | None = Field(None, max_length=40)


def _fresh_facility(pk: int) -> dict:
    return _facility_out(Facility.objects.select_related("unit").prefetch_related("sources").get(pk=pk))


@router.post("/facilities", response={201: FacilityOut, **WRITE}, operation_id="carbon_facilities_create",
             summary="登记核算设施及其排放源（本单位及下级单位）")
def carbon_facilities_create(request, payload: FacilityIn):
    user = _user(request)
    unit = registrable_units(user).filter(code=payload.unit_code.strip().upper()).first()
    if unit is None:
        raise InvalidInput("unknown_unit", f"unit_code：“{payload.unit_code}”不是您可登记的单位（本单位及下级单位中尚未登记的）",
                           field="unit_code")
    fields = payload.dict(exclude={"unit_code", "sources"})
    fac = services.facility_register(unit=unit, acting_user=user, sources=[(s.code, s.fuel) for s in payload.sources],
                                     **fields)
    return Status(201, _fresh_facility(fac.pk))


@router.patch("/facilities/{facility_id}", response={200: FacilityOut, **WRITE}, operation_id="carbon_facilities_update",
              summary="修改核算设施及其排放源")
def carbon_facilities_update(request, facility_id: int, payload: FacilityPatch):
    user = _user(request)
    fac = facilities_visible_to(user).select_related("unit").filter(pk=facility_id).first()
    if fac is None:
        raise NotFound("not_found", NOT_FOUND)
    sent = payload.dict(exclude_unset=True)
    sources = sent.pop("sources", None)
    for name in ("kind", "status"):  # not nullable: an explicit null is a mistake, not a change
        if name in sent and sent[name] is None:
            raise InvalidInput("required", f"{name}：不能为空", field=name)
    for name in ("mining_method", "gas_class"):
        if name in sent and sent[name] is None:
            sent[name] = ""
    services.facility_update(facility=fac, acting_user=user, changes=sent,
                             sources=None if sources is None else [(s["code"], s["fuel"]) for s in sources])
    return _fresh_facility(fac.pk)


# --- activity data ------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    facility: str
    month: str
    quantity: str
    value: Decimal
    unit: str
    tier: str
    outlier: bool
    note: str
    has_evidence: bool
    approved: bool


class ActivityListOut(Schema):
    count: int
    items: list[ActivityOut]


class ActivityFilters(Page):
    facility: str | None = Field(None, max_length=32, description="设施单位代码")
    year: int | None = Field(None, ge=1990, le=2100)
    quantity: str | None = Field(None, max_length=30)


@router.get("/activity", response={200: ActivityListOut, **READ}, operation_id="carbon_activity_list",
            summary="月度活动水平数据")
def carbon_activity_list(request, filters: Query[ActivityFilters]):
    from carbon.scoping import activity_visible_to

    user = _user(request)
    qs = activity_visible_to(user).select_related("facility__unit")
    if filters.facility:
        qs = qs.filter(facility__unit__code=filters.facility.strip().upper())
    if filters.year:
        qs = qs.filter(month__year=filters.year)
    if filters.quantity:
        qs = qs.filter(quantity=filters.quantity)
    qs = qs.order_by("facility__unit__path", "month", "quantity")
    items = [{"id": a.pk, "facility": a.facility.unit.code, "month": f"{a.month:%Y-%m}", "quantity": a.quantity,
              "value": a.value, "unit": a.unit, "tier": a.tier, "outlier": a.outlier, "note": a.note,
              "has_evidence": bool(a.evidence), "approved": a.approved_at is not None}
             for a in qs[filters.offset: filters.offset + filters.limit]]
    return {"count": qs.count(), "items": items}


class ActivityIn(Schema):
    facility: str = Field(..., max_length=32, description="设施单位代码")
    month: str = Field(..., max_length=10, description="月份，如 2025-03")
    quantity: str = Field(..., max_length=30, description="项目代码，见 carbon.choices.QUANTITIES")
    value: Decimal = Field(..., ge=0, le=Decimal("1e12"))
    tier: Literal["measured", "calculated", "default"] = "measured"
    note: str = Field("", max_length=200)


class BulkIn(Schema):
    items: list[ActivityIn] = Field(..., min_length=1, max_length=5000)


class RowErrorOut(Schema):
    index: int
    message: str


class BulkOut(Schema):
    saved: int
    outliers: list[str]


class BulkErrorOut(ErrorOut):
    rows: list[RowErrorOut] = []


@router.post("/activity/bulk", response={200: BulkOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: BulkErrorOut},
             operation_id="carbon_activity_bulk", summary="批量提交月度数据（全部成功或全部不保存）")
def carbon_activity_bulk(request, payload: BulkIn):
    user = _user(request)
    grouped: dict[tuple[int, date], dict[str, services.Entry]] = {}
    facilities: dict[int, Facility] = {}
    index_of: dict[tuple[int, date], int] = {}
    errors: list[dict] = []
    visible = facilities_visible_to(user).select_related("unit")
    for i, item in enumerate(payload.items):
        try:
            fac = visible.filter(unit__code=item.facility.strip().upper()).first()
            if fac is None:
                raise InvalidInput("unknown_facility", f"facility：没有代码为“{item.facility}”的核算设施（或无权查看）")
            month = services.parse_month(item.month)
            if item.quantity not in QUANTITIES:
                raise InvalidInput("unknown_quantity", f"quantity：“{item.quantity}”不是活动水平数据项目")
        except DomainError as exc:
            errors.append({"index": i, "message": exc.message})
            continue
        key = (fac.pk, month)
        facilities[fac.pk] = fac
        index_of.setdefault(key, i)
        bucket = grouped.setdefault(key, {})
        if item.quantity in bucket:
            errors.append({"index": i, "message": "与前面的项目重复"})
            continue
        bucket[item.quantity] = services.Entry(item.value, Tier(item.tier), note=item.note)
    outliers: list[str] = []
    saved = 0
    if not errors:
        try:
            with transaction.atomic():
                for key, entries in grouped.items():
                    try:
                        out = services.activity_save_month(facility=facilities[key[0]], month=key[1], entries=entries,
                                                           acting_user=user)
                    except DomainError as exc:
                        errors.append({"index": index_of[key], "message": exc.message})
                        continue
                    saved += len(entries)
                    outliers += [f"{facilities[key[0]].unit.code} {key[1]:%Y-%m} {q}" for q in out.outliers]
                if errors:
                    raise _Rollback
        except _Rollback:
            saved = 0
    if errors:
        return Status(422, {"code": "validation_error", "message": f"有 {len(errors)} 项错误，未保存任何数据", "rows": errors})
    return {"saved": saved, "outliers": outliers}


class _Rollback(Exception):
    pass


# --- factor sets ------------------------------------------------------------------------------


class FactorOut(Schema):
    code: str
    value: Decimal
    unit: str
    source: str
    to_verify: bool


class FactorSetOut(Schema):
    version: str
    name: str
    source: str
    effective_from: date
    effective_to: date | None
    is_demo: bool
    factors: list[FactorOut]


@router.get("/factor-sets", response={200: list[FactorSetOut], **READ}, operation_id="carbon_factor_sets_list",
            summary="因子集（各版本及其因子）")
def carbon_factor_sets_list(request):
    _user(request)
    return [{"version": s.version, "name": s.name, "source": s.source, "effective_from": s.effective_from,
             "effective_to": s.effective_to, "is_demo": s.is_demo,
             "factors": [{"code": f.code, "value": f.value, "unit": f.unit, "source": f.source, "to_verify": f.to_verify}
                         for f in s.factors.all()]}
            for s in FactorSet.objects.prefetch_related("factors")]


# --- runs and results -------------------------------------------------------------------------


class RunOut(Schema):
    id: int
    year: int
    version: int
    gwp_set: str
    count_unburnt_ch4: bool
    ccus_method: str
    locked: bool
    factor_versions: list[str]
    totals: dict
    reason: str
    created_at: str


def _run_out(r: InventoryRun) -> dict:
    return {"id": r.pk, "year": r.year, "version": r.version, "gwp_set": r.gwp_set, "locked": r.locked,
            "count_unburnt_ch4": r.count_unburnt_ch4, "ccus_method": r.ccus_method,
            "factor_versions": r.factor_versions, "totals": {k: v for k, v in r.totals.items() if k != "facilities"}, "reason": r.reason, "created_at": r.created_at.isoformat()}


@router.get("/runs", response={200: list[RunOut], **READ}, operation_id="carbon_runs_list", summary="核算版本")
def carbon_runs_list(request, year: int = Query(..., ge=1990, le=2100)):
    _user(request)
    return [_run_out(r) for r in InventoryRun.objects.filter(year=year).order_by("-version")]


class RecomputeIn(Schema):
    year: int = Field(..., ge=1990, le=2100)
    gwp_set: Literal["SAR", "AR4", "AR5", "AR6"] = "SAR"
    reason: str = Field("", max_length=200)
    count_unburnt_ch4: bool = Field(False, description="方法学选择：火炬未燃尽的CH4计入排放")
    ccus_method: Literal["memo", "stored", "stored_utilized"] = Field(
        "memo", description="方法学选择：CCUS作为备忘项（缺省），或扣减封存量 / 封存量与利用量")


class JobOut(Schema):
    job: uuid.UUID
    status: str
    progress_url: str
    run: RunOut | None = None


def _job_out(job) -> dict:
    from django.urls import reverse

    job.refresh_from_db()
    run = None
    if job.status == "done" and (job.result or {}).get("run"):
        found = InventoryRun.objects.filter(pk=job.result["run"]).first()
        run = _run_out(found) if found else None
    return {"job": job.public_id, "status": job.status, "progress_url": reverse("job_status", args=[job.public_id]),
            "run": run}


@router.post("/runs", response={202: JobOut, **WRITE}, operation_id="carbon_runs_recompute",
             summary="重新核算（后台任务，生成新版本；已锁定的版本不变）")
def carbon_runs_recompute(request, payload: RecomputeIn):
    user = _user(request)
    job = services.inventory_recompute_start(year=payload.year, acting_user=user, gwp_set=payload.gwp_set,
                                             reason=payload.reason, count_unburnt_ch4=payload.count_unburnt_ch4,
                                             ccus_method=payload.ccus_method)
    return Status(202, _job_out(job))


@router.get("/runs/jobs/{job_id}", response={200: JobOut, **READ}, operation_id="carbon_runs_job_get",
            summary="重新核算任务的进度与结果")
def carbon_runs_job_get(request, job_id: uuid.UUID):
    from core.models import BackgroundJob

    user = _user(request)
    job = BackgroundJob.objects.filter(public_id=job_id, owner=user, kind=services.RECOMPUTE_JOB).first()
    if job is None:
        raise NotFound("not_found", NOT_FOUND)
    return _job_out(job)


class ResultOut(Schema):
    facility: str
    month: str
    code: str
    gas: str
    scope: int
    tonnes: Decimal
    co2e: Decimal
    explanation: dict


class ResultListOut(Schema):
    run: RunOut | None
    count: int
    items: list[ResultOut]


class ResultFilters(Page):
    year: int = Field(..., ge=1990, le=2100)
    version: int | None = Field(None, ge=1, le=1_000_000)
    facility: str | None = Field(None, max_length=32)
    code: str | None = Field(None, max_length=30)


@router.get("/results", response={200: ResultListOut, **READ}, operation_id="carbon_results_list",
            summary="核算结果（含公式、输入、因子及版本、对应活动数据行）")
def carbon_results_list(request, filters: Query[ResultFilters]):
    user = _user(request)
    runs = InventoryRun.objects.filter(year=filters.year)
    run = runs.filter(version=filters.version).first() if filters.version else runs.order_by("-version").first()
    if run is None:
        return {"run": None, "count": 0, "items": []}
    qs = InventoryResult.objects.filter(run=run, facility__in=facilities_visible_to(user)).select_related("facility__unit")
    if filters.facility:
        qs = qs.filter(facility__unit__code=filters.facility.strip().upper())
    if filters.code:
        qs = qs.filter(code=filters.code)
    qs = qs.order_by("facility__unit__path", "month", "code")
    items = [{"facility": r.facility.unit.code, "month": f"{r.month:%Y-%m}", "code": r.code, "gas": r.gas, "scope": r.scope,
              "tonnes": r.tonnes, "co2e": r.co2e, "explanation": r.explanation}
             for r in qs[filters.offset: filters.offset + filters.limit]]
    return {"run": _run_out(run), "count": qs.count(), "items": items}


# --- reports --------------------------------------------------------------------------------------


class ReportOut(Schema):
    public_id: uuid.UUID
    entity: str
    year: int
    version: int
    state: str
    run_version: int
    findings: list[dict]


def _report_out(r: Report) -> dict:
    return {"public_id": r.public_id, "entity": r.entity.code, "year": r.year, "version": r.version, "state": r.state,
            "run_version": r.run.version,
            "findings": [{"id": f.pk, "text": f.text, "response": f.response, "resolved": f.resolved_at is not None}
                         for f in r.findings.all()]}


@router.get("/reports", response={200: list[ReportOut], **READ}, operation_id="carbon_reports_list", summary="年度排放报告")
def carbon_reports_list(request, page: Query[Page]):
    user = _user(request)
    qs = reports_visible_to(user).select_related("entity", "run").prefetch_related("findings")
    return [_report_out(r) for r in qs[page.offset: page.offset + page.limit]]


def _report(user, public_id: str) -> Report:
    try:
        uid = uuid.UUID(public_id)
    except ValueError:
        raise NotFound("not_found", NOT_FOUND) from None
    r = reports_visible_to(user).select_related("entity", "run").filter(public_id=uid).first()
    if r is None:
        raise NotFound("not_found", NOT_FOUND)
    return r


@router.get("/reports/{public_id}", response={200: ReportOut, **READ}, operation_id="carbon_reports_get", summary="报告详情")
def carbon_reports_get(request, public_id: str):
    # the lookup first: a named report answers 404 to anyone outside its scope, carbon role or not
    return _report_out(_report(current_user(request), public_id))


class ReportActionIn(Schema):
    action: Literal["submit", "finding", "correct", "verify"]
    text: str = Field("", max_length=4000, description="finding：核查发现；correct：对每项未整改发现的统一说明")


@router.post("/reports/{public_id}/actions", response={200: ReportOut, **WRITE}, operation_id="carbon_reports_act",
             summary="报告流转：提交、核查发现、整改、核查通过")
def carbon_reports_act(request, public_id: str, payload: ReportActionIn):
    user = current_user(request)
    rep = _report(user, public_id)
    if payload.action == "submit":
        services.report_submit(report=rep, acting_user=user)
    elif payload.action == "finding":
        services.report_add_finding(report=rep, text=payload.text, acting_user=user)
    elif payload.action == "correct":
        services.report_correct(report=rep, responses={f.pk: payload.text for f in rep.findings.all()}, acting_user=user)
    else:
        services.report_verify(report=rep, acting_user=user)
    return _report_out(Report.objects.select_related("entity", "run").get(pk=rep.pk))
