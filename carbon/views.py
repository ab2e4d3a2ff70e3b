"""Pages of the carbon module. Thin: scope through carbon.scoping, act through carbon.services,
read through carbon.selectors; domain errors become messages on the page, never a 500."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbon import exports, selectors, services
from carbon.choices import (
    FUEL_QUANTITIES,
    GWP_CHOICES,
    QUANTITIES,
    CcusMethod,
    FacilityKind,
    FacilityStatus,
    GasClass,
    Indicator,
    MiningMethod,
    ReportState,
    SourceCode,
    Tier,
)
from carbon.imports import import_form_xlsx, import_gas_csv
from carbon.inventory import FORMULAS, READS
from carbon.models import (
    ActivityRecord,
    CcusMonth,
    CcusProject,
    FactorSet,
    InventoryResult,
    InventoryRun,
    Report,
)
from carbon.scenarios import ScenarioParams, run_scenario
from carbon.scoping import (
    activity_visible_to,
    can_approve,
    can_enter,
    can_manage,
    can_prepare_report,
    can_register,
    can_verify,
    facilities_visible_to,
    may_use,
    reading_units,
    registrable_units,
    reports_visible_to,
    scenarios_visible_to,
)
from core.errors import DomainError, InvalidInput
from orgs.models import Unit

MAX_UPLOAD = 20 * 1024 * 1024


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/forbidden.html",
                  {"message": _("低碳转型模块供能源管理员、单位负责人、核查员和系统管理员使用。")}, status=403)


def _gate(view):
    """Logged in and holding a carbon role or verifier post."""
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_use(request.user):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _year(request: HttpRequest) -> int:
    try:
        y = int(request.GET.get("year", ""))
    except ValueError:
        y = 0
    this = timezone.localdate().year
    return y if 2000 <= y <= this + 1 else (this - 1 if timezone.localdate().month < 3 else this)


def _root(request: HttpRequest) -> Unit | None:
    """The unit a page shows: ?unit=CODE within the user's scope, else the user's widest unit."""
    units = Unit.objects.filter(parent__isnull=True) if request.user.is_superuser else reading_units(request.user)
    units = sorted(units, key=lambda u: u.depth)
    code = (request.GET.get("unit") or "").strip().upper()
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit and any(unit.is_within(u) for u in units):
            return unit
    return units[0] if units else None


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


def _upload(request: HttpRequest, name: str) -> UploadedFile | None:
    f = request.FILES.get(name)
    if f is not None and f.size > MAX_UPLOAD:
        raise InvalidInput("too_large", _("文件过大（最大20MB）"))
    return f


# --- dashboard ------------------------------------------------------------------------------------


@_gate
def home(request: HttpRequest) -> HttpResponse:
    """The group dashboard: headline, charts, targets, GB 29444, what is missing."""
    unit = _root(request)
    year = _year(request)
    if request.method == "POST" and unit is not None:
        try:
            target_year = int(request.POST.get("target_year") or 0)
            if not 2000 <= target_year <= 2100:
                raise InvalidInput("invalid_year", _("年度无效"))
            indicator = request.POST.get("indicator", "")
            if indicator not in Indicator.values:
                raise InvalidInput("invalid_indicator", _("指标无效"))
            services.target_set(unit=unit, year=target_year, indicator=indicator, acting_user=request.user,
                                value=services.parse_decimal(request.POST.get("value", ""), _("目标值")))
            messages.success(request, _("目标已设定"))
            return redirect(f"{reverse('carbon:home')}?year={year}&unit={unit.code}")
        except DomainError as exc:
            _error(request, exc)
    facilities = facilities_visible_to(request.user)
    run = selectors.latest_run(year)
    if unit is None:
        raise Http404
    ind = selectors.unit_indicators(facilities, unit, year, run)
    data = selectors.dashboard_data(facilities, unit, year, run)
    traj = selectors.trajectory(unit, facilities, Indicator.INTENSITY)
    data["trajectory"] = {"years": traj["years"], "actual": [None if v is None else float(v) for v in traj["actual"]],
                          "path": [None if v is None else float(v) for v in traj["path"]],
                          "targets": [None if v is None else float(v) for v in traj["targets"]],
                          "name": _("排放强度（t CO2e/t）")}
    data["drill"] = reverse("carbon:drill")
    scoped = selectors.in_subtree(facilities, unit).select_related("unit")
    limits = selectors.gb29444(scoped, year, run)
    # a group of hundreds of mines: the page lists those over the limit and counts the rest
    over = sorted((r for r in limits if r["ok"] is False), key=lambda r: r["limit"] - r["value"])
    counts = {"ok": sum(1 for r in limits if r["ok"]), "over": len(over), "none": sum(1 for r in limits if r["ok"] is None)}
    few = scoped.count() <= 40
    columns = selectors.INDICATOR_COLUMNS
    table = None
    if few:  # per facility, then the unit's own row (a group of hundreds: on each facility's page)
        per = selectors.facility_indicators(scoped, year, run)
        table = [{"fac": f, "values": [per[f.pk].values.get(c) for c, _l, _p in columns]} for f in scoped]
    return render(request, "carbon/home.html", {
        "indicator_columns": columns, "indicator_table": table,
        "unit_indicator_values": [ind.values.get(c) for c, _l, _p in columns],
        "can_register": registrable_units(request.user).exists(),
        "unit": unit, "year": year, "run": run, "ind": ind, "data": data,
        "targets": selectors.target_rows(unit, year, ind),
        "limits": limits if few else over, "limit_counts": counts,
        "facilities": scoped if few else None, "facility_choices": None if few else scoped.values_list("pk", "unit__name"),
        "years": range(timezone.localdate().year, 2014, -1), "can_manage": can_manage(request.user),
        "indicators": Indicator.choices,
    })


@_gate
def facility_jump(request: HttpRequest) -> HttpResponse:
    """The facility picker of a large group's dashboard."""
    pk = request.GET.get("f") or ""
    if not pk.isdigit():
        raise Http404
    fac = _facility(request, int(pk))
    return redirect(f"{reverse('carbon:facility', args=[fac.pk])}?year={_year(request)}")


# --- facility registration and editing ----------------------------------------------------------


def _date_field(request: HttpRequest, name: str, label: str) -> date | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("invalid_date", _("%(f)s：“%(v)s”不是有效的日期（如 2020-06-30）") % {"f": label, "v": raw[:20]},
                           field=name) from None


def _facility_posted(request: HttpRequest) -> tuple[dict, list[tuple[str, str]]]:
    """The form's fields as service arguments; an unparsable value is an error naming its field."""
    p = request.POST
    raw_cap = (p.get("capacity_mtpa") or "").strip()
    fields = {
        "kind": p.get("kind", ""), "mining_method": p.get("mining_method", ""), "gas_class": p.get("gas_class", ""),
        "status": p.get("status") or FacilityStatus.OPERATING,
        "capacity_mtpa": services.parse_decimal(raw_cap, _("核定产能（Mt/a）")) if raw_cap else None,
        "commissioned_on": _date_field(request, "commissioned_on", _("投产日期")),
        "retired_on": _date_field(request, "retired_on", _("关闭日期")),
    }
    sources = [tuple(v.split(":", 1)) if ":" in v else (v, "") for v in p.getlist("sources")]
    return fields, sources  # type: ignore[return-value]


def _facility_form(request: HttpRequest, fac, posted_fields: dict | None, posted_sources, status: int = 200) -> HttpResponse:
    active = {(s.code, s.fuel) for s in fac.sources.filter(is_active=True)} if fac else set()
    if posted_sources is not None:
        active = set(posted_sources)
    values = posted_fields or ({f: getattr(fac, f) for f in services.FACILITY_FIELDS} if fac else {"status": FacilityStatus.OPERATING})
    source_options = []
    for code, label in SourceCode.choices:
        if code == SourceCode.FUEL:
            for fuel in FUEL_QUANTITIES:
                name = fuel.split(".", 1)[1]
                source_options.append({"value": f"{code}:{name}", "label": f"{label} · {QUANTITIES[fuel].label}",
                                       "checked": (code, name) in active})
        else:
            source_options.append({"value": code, "label": label, "checked": (code, "") in active})
    return render(request, "carbon/facility_form.html", {
        "fac": fac, "v": values, "source_options": source_options,
        "units": None if fac else registrable_units(request.user).order_by("path")[:500],
        "kinds": FacilityKind.choices, "methods": MiningMethod.choices, "gas_classes": GasClass.choices,
        "statuses": FacilityStatus.choices, "chosen_unit": request.POST.get("unit", ""),
    }, status=status)


@_gate
def facility_new(request: HttpRequest) -> HttpResponse:
    """Register a facility (an energy officer: units of their own subtree), phone-first."""
    if not registrable_units(request.user).exists() and request.method != "POST":
        return _forbidden(request)
    if request.method == "POST":
        fields: dict | None = None
        sources = None
        try:
            fields, sources = _facility_posted(request)
            unit = registrable_units(request.user).filter(code=(request.POST.get("unit") or "").strip().upper()).first()
            if unit is None:
                raise InvalidInput("unknown_unit", _("单位：请选择本单位或下级单位中尚未登记的单位"), field="unit")
            fac = services.facility_register(unit=unit, acting_user=request.user, sources=sources, **fields)
        except DomainError as exc:
            _error(request, exc)
            return _facility_form(request, None, fields or dict(request.POST.items()), sources, status=422)
        messages.success(request, _("已登记设施：%(n)s") % {"n": fac.unit.name})
        return redirect("carbon:facility", pk=fac.pk)
    return _facility_form(request, None, None, None)


@_gate
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    fac = _facility(request, pk)
    if not can_register(request.user, fac.unit):
        return _forbidden(request)
    if request.method == "POST":
        fields: dict | None = None
        sources = None
        try:
            fields, sources = _facility_posted(request)
            services.facility_update(facility=fac, acting_user=request.user, changes=fields, sources=sources)
        except DomainError as exc:
            _error(request, exc)
            return _facility_form(request, fac, fields or dict(request.POST.items()), sources, status=422)
        messages.success(request, _("已保存"))
        return redirect("carbon:facility", pk=fac.pk)
    return _facility_form(request, fac, None, None)


# --- facility and monthly entry ------------------------------------------------------------------


def _facility(request: HttpRequest, pk: int):
    return get_object_or_404(facilities_visible_to(request.user).select_related("unit"), pk=pk)


@_gate
def facility(request: HttpRequest, pk: int) -> HttpResponse:
    fac = _facility(request, pk)
    year = _year(request)
    rows = ActivityRecord.objects.filter(facility=fac, month__year=year)
    status: dict[int, dict] = {m: {"n": 0, "approved": 0, "outliers": 0} for m in range(1, 13)}
    for r in rows:
        s = status[r.month.month]
        s["n"] += 1
        s["approved"] += r.approved_at is not None
        s["outliers"] += r.outlier
    gaps = services.missing_months(fac, year)
    months = [{"month": date(year, m, 1), **status[m], "missing": gaps.get(date(year, m, 1), [])} for m in range(1, 13)]
    run = services.current_run(year)
    results = []
    if run:
        from django.db.models import Sum

        results = list(InventoryResult.objects.filter(run=run, facility=fac).values("code")
                       .annotate(t=Sum("tonnes"), e=Sum("co2e")).order_by("code"))
    ind = selectors.facility_indicators(facilities_visible_to(request.user).filter(pk=fac.pk), year, run)[fac.pk]
    indicators = [{"code": code, "label": label, "value": ind.values.get(code), "percent": pct}
                  for code, label, pct in selectors.INDICATOR_COLUMNS]
    return render(request, "carbon/facility.html", {
        "fac": fac, "year": year, "months": months, "results": results, "run": run, "indicators": indicators,
        "can_register": can_register(request.user, fac.unit),
        "can_enter": can_enter(request.user, fac), "projects": CcusProject.objects.filter(facility=fac),
        "measured": fac.measured_factors.order_by("-month_from"),
    })


@_gate
def entry(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    """The officer's monthly entry (phone-first): what is missing, what is out of range."""
    fac = _facility(request, pk)
    try:
        m = services.parse_month(month)
    except DomainError:
        raise Http404 from None
    outliers: dict[str, tuple[Decimal, Decimal]] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        if "approve" in request.POST:
            try:
                n = services.activity_approve_month(facility=fac, month=m, acting_user=request.user)
                messages.success(request, _("已审核 %(n)s 项数据") % {"n": n})
            except DomainError as exc:
                _error(request, exc)
            return redirect("carbon:entry", pk=fac.pk, month=f"{m:%Y-%m}")
        entries: dict[str, services.Entry] = {}
        try:
            for code, q in QUANTITIES.items():
                raw = (request.POST.get(code) or "").strip()
                posted[code] = raw
                if raw == "":
                    continue
                tier = request.POST.get(f"{code}__tier") or Tier.MEASURED
                entries[code] = services.Entry(services.parse_decimal(raw, str(q.label)), tier,
                                               _upload(request, f"{code}__evidence"),
                                               (request.POST.get(f"{code}__note") or "").strip()[:200])
            outcome = services.activity_save_month(facility=fac, month=m, entries=entries, acting_user=request.user)
        except DomainError as exc:
            _error(request, exc)
            status = 422
        else:
            outliers = outcome.outliers
            if outliers:
                messages.warning(request, _("有 %(n)s 项数据超出本设施近12个月的范围，请核对或填写说明") % {"n": len(outliers)})
            else:
                messages.success(request, _("已保存"))
                return redirect("carbon:entry", pk=fac.pk, month=f"{m:%Y-%m}")
            status = 200
    else:
        status = 200
    records = {r.quantity: r for r in ActivityRecord.objects.filter(facility=fac, month=m).select_related("entered_by", "approved_by")}
    history = services._history(fac, QUANTITIES, m)
    for code, r in records.items():
        rng = services.out_of_range(r.value, history.get(code, []))
        if rng and code not in outliers:
            outliers[code] = rng
    expected = services.expected_quantities(fac)
    groups: dict[str, list] = {}
    for code, q in QUANTITIES.items():
        rec = records.get(code)
        if rec is None and code not in expected and code not in posted:
            continue
        groups.setdefault(str(q.group), []).append({
            "code": code, "label": q.label, "unit": q.unit, "rec": rec, "missing": rec is None and code in expected,
            "value": posted.get(code, "" if rec is None else rec.value.normalize()),
            "range": outliers.get(code), "tier": rec.tier if rec else Tier.MEASURED,
        })
    optional = [(c, q) for c, q in QUANTITIES.items() if c not in records and c not in expected and c not in posted]
    return render(request, "carbon/entry.html", {
        "fac": fac, "month": m, "groups": groups, "tiers": Tier.choices, "optional": optional,
        "prev": services.add_months(m, -1), "next": services.add_months(m, 1),
        "can_enter": can_enter(request.user, fac), "can_approve": can_approve(request.user, fac),
        "pending": any(r.approved_at is None for r in records.values()),
    }, status=status)


@_gate
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(activity_visible_to(request.user), pk=pk)
    if not rec.evidence:
        raise Http404
    return FileResponse(rec.evidence.open("rb"), as_attachment=True, filename=rec.evidence.name.rsplit("/", 1)[-1])


@_gate
def drill(request: HttpRequest) -> HttpResponse:
    """From a figure to its results, formulas, factors, activity rows and evidence."""
    facilities = facilities_visible_to(request.user)
    year = _year(request)
    run = services.current_run(year)
    qs = InventoryResult.objects.filter(run=run, facility__in=facilities).select_related("facility__unit") if run else InventoryResult.objects.none()
    code = request.GET.get("code") or ""
    if code:
        qs = qs.filter(code=code)
    fid = request.GET.get("facility") or ""
    if fid.isdigit():
        qs = qs.filter(facility_id=int(fid))
    mo = request.GET.get("month") or ""
    if mo.isdigit() and 1 <= int(mo) <= 12:
        qs = qs.filter(month=date(year, int(mo), 1))
    scope = request.GET.get("scope") or ""
    if scope in ("1", "2"):
        qs = qs.filter(scope=int(scope))
    gas = request.GET.get("gas") or ""
    if gas in ("CO2", "CH4"):
        qs = qs.filter(gas=gas)
    unit = _root(request)
    if unit is not None:
        qs = qs.filter(facility__in=selectors.in_subtree(facilities, unit))
    results = list(qs.order_by("facility__unit__path", "month", "code")[:200])
    row_ids = {i for r in results for i in r.explanation.get("r", [])}
    rows = {a.pk: a for a in activity_visible_to(request.user).filter(pk__in=row_ids).select_related("entered_by", "approved_by")}
    for r in results:
        r.rows = [rows[i] for i in r.explanation.get("r", []) if i in rows]
    ccus = []
    if code in ("", "ccus", "ghg.ccus"):  # the CCUS chain's months with their evidence
        cq = CcusMonth.objects.filter(project__facility__in=facilities, month__year=year).select_related(
            "project__facility__unit", "entered_by")
        if unit is not None:
            cq = cq.filter(project__facility__in=selectors.in_subtree(facilities, unit))
        if fid.isdigit():
            cq = cq.filter(project__facility_id=int(fid))
        if mo.isdigit() and 1 <= int(mo) <= 12:
            cq = cq.filter(month=date(year, int(mo), 1))
        ccus = list(cq.order_by("project__name", "month")[:120])
    return render(request, "carbon/drill.html", {"results": results, "year": year, "run": run, "code": code,
                                                 "truncated": len(results) == 200, "reads": READS,
                                                 "formulas": FORMULAS, "ccus": ccus})


# --- factors, runs, imports ----------------------------------------------------------------------


@_gate
def factors(request: HttpRequest) -> HttpResponse:
    sets = FactorSet.objects.prefetch_related("factors")
    if request.method == "POST" and request.POST.get("action") == "derive":
        # a new version of a factor set: "code = value" lines change some values, the rest are copied
        try:
            base = FactorSet.objects.filter(version=request.POST.get("base", "")).first()
            if base is None:
                raise InvalidInput("unknown_version", _("基础版本：不存在"))
            changes: dict[str, Decimal] = {}
            for n, raw in enumerate((request.POST.get("changes") or "").splitlines(), start=1):
                if not raw.strip():
                    continue
                code, sep, value = raw.partition("=")
                if not sep:
                    raise InvalidInput("invalid_line", _("第%(n)s行：应为“因子代码 = 数值”") % {"n": n})
                changes[code.strip()] = services.parse_decimal(value, code.strip())
            fs = services.factor_set_derive(
                base=base, version=(request.POST.get("version") or "").strip()[:40], changes=changes,
                acting_user=request.user, source=(request.POST.get("source") or "")[:200],
                effective_from=services.parse_month(request.POST.get("effective_from", ""), _("生效起")))
            messages.success(request, _("已发布因子集 %(v)s，重新核算后生效") % {"v": fs.version})
            return redirect("carbon:factors")
        except DomainError as exc:
            _error(request, exc)
    elif request.method == "POST":
        fac = get_object_or_404(facilities_visible_to(request.user), pk=request.POST.get("facility") or 0) \
            if (request.POST.get("facility") or "").isdigit() else None
        try:
            if fac is None:
                raise InvalidInput("required", _("设施：必填"))
            services.measured_factor_add(
                facility=fac, code=request.POST.get("code", ""),
                value=services.parse_decimal(request.POST.get("value", ""), _("数值")),
                month_from=services.parse_month(request.POST.get("month_from", ""), _("起始月")),
                month_to=services.parse_month(request.POST.get("month_to", ""), _("截止月")),
                evidence=_upload(request, "evidence"), unit=request.POST.get("unit", "")[:30],
                note=request.POST.get("note", "")[:200], acting_user=request.user)
            messages.success(request, _("实测因子已登记，下次核算时生效"))
            return redirect("carbon:factors")
        except DomainError as exc:
            _error(request, exc)
    return render(request, "carbon/factors.html", {
        "sets": sets, "facilities": facilities_visible_to(request.user).select_related("unit"),
        "codes": sorted(services.ghg.FACTOR_CODES), "can_manage": can_manage(request.user)})


@_gate
def runs(request: HttpRequest) -> HttpResponse:
    """Versions of a year, their methodology, the side-by-side diff; recomputation is a background
    job (progress at /jobs/<uuid>/)."""
    year = _year(request)
    status = 200
    if request.method == "POST":
        try:
            job = services.inventory_recompute_start(
                year=year, acting_user=request.user, gwp_set=request.POST.get("gwp_set") or "SAR",
                reason=(request.POST.get("reason") or "")[:200],
                count_unburnt_ch4=request.POST.get("count_unburnt_ch4") == "1",
                ccus_method=request.POST.get("ccus_method") or CcusMethod.MEMO)
            messages.success(request, _("已开始重新核算，完成后生成新版本"))
            return redirect("job_status", public_id=job.public_id)
        except DomainError as exc:
            _error(request, exc)
            status = exc.status
    all_runs = list(InventoryRun.objects.filter(year=year).order_by("-version"))
    diff = None
    a, b = request.GET.get("a"), request.GET.get("b")
    if a and b and a.isdigit() and b.isdigit():
        ra = InventoryRun.objects.filter(pk=int(a)).first()
        rb = InventoryRun.objects.filter(pk=int(b)).first()
        if ra and rb:
            visible = set(facilities_visible_to(request.user).values_list("pk", flat=True))
            diff = {"a": ra, "b": rb, "rows": [d for d in services.run_diff(ra, rb) if d.facility_id in visible]}
    elif len(all_runs) >= 2 and request.method == "GET":
        return redirect(f"{reverse('carbon:runs')}?year={year}&a={all_runs[1].pk}&b={all_runs[0].pk}")
    return render(request, "carbon/runs.html", {"runs": all_runs, "year": year, "diff": diff, "gwp": GWP_CHOICES,
                                                "ccus_methods": CcusMethod.choices,
                                                "can_manage": can_manage(request.user)}, status=status)


@_gate
def import_data(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        try:
            f = _upload(request, "file")
            if f is None:
                raise InvalidInput("required", _("请选择文件"))
            data = f.read()
            if request.POST.get("kind") == "gas":
                result = import_gas_csv(data, acting_user=request.user)
            else:
                result = import_form_xlsx(data, acting_user=request.user)
            if result.ok:
                messages.success(request, _("已导入 %(n)s 项（%(m)s 个设施月）") % {"n": result.saved, "m": result.months})
            else:
                messages.error(request, _("有 %(n)s 处错误，未导入任何数据") % {"n": len(result.errors)})
        except DomainError as exc:
            _error(request, exc)
    return render(request, "carbon/import.html", {"result": result}, status=422 if result and not result.ok else 200)


# --- methane and CCUS -----------------------------------------------------------------------------


@_gate
def methane(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    facilities = facilities_visible_to(request.user).select_related("unit")
    sums = selectors.quantity_sums(facilities, year, by_facility=True)
    mines = []
    for fac in facilities.filter(mining_method="underground"):
        ind = selectors.indicators_from(sums.get(fac.pk, {}), None, Decimal(0))
        q = sums.get(fac.pk, {})
        mines.append({"fac": fac, "q": q, "util": ind.values[Indicator.CH4_UTILIZATION],
                      "drain": ind.values[Indicator.CH4_DRAINAGE]})
    projects = CcusProject.objects.filter(facility__in=facilities).select_related("facility__unit").prefetch_related("months")
    return render(request, "carbon/methane.html", {"year": year, "mines": mines, "projects": projects})


@_gate
@require_POST
def ccus_month(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(CcusProject.objects.filter(facility__in=facilities_visible_to(request.user)), pk=pk)
    try:
        p = request.POST
        services.ccus_month_save(
            project=project, month=services.parse_month(p.get("month", ""), _("月份")),
            captured=services.parse_decimal(p.get("captured", ""), _("捕集量")),
            utilized=services.parse_decimal(p.get("utilized") or "0", _("利用量")),
            stored=services.parse_decimal(p.get("stored") or "0", _("封存量")),
            released=services.parse_decimal(p.get("released") or "0", _("释放量")),
            in_stock=services.parse_decimal(p.get("in_stock") or "0", _("库存量")),
            product_output=p.get("product_output", "")[:100], acting_user=request.user,
            evidence=_upload(request, "evidence"))
        messages.success(request, _("已保存"))
    except DomainError as exc:
        _error(request, exc)
    return redirect("carbon:methane")


@_gate
def ccus_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(CcusMonth.objects.filter(project__facility__in=facilities_visible_to(request.user)), pk=pk)
    if not row.evidence:
        raise Http404
    return FileResponse(row.evidence.open("rb"), as_attachment=True, filename=row.evidence.name.rsplit("/", 1)[-1])


# --- reports ------------------------------------------------------------------------------------


def _report(request: HttpRequest, public_id: str) -> Report:
    try:
        uid = uuid.UUID(public_id)
    except ValueError:
        raise Http404 from None
    return get_object_or_404(reports_visible_to(request.user).select_related("entity", "run"), public_id=uid)


@_gate
def reports(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        unit = Unit.objects.filter(code=(request.POST.get("entity") or "").strip().upper()).first()
        try:
            if unit is None:
                raise InvalidInput("unknown_unit", _("报告主体：单位不存在"))
            year = int(request.POST.get("year") or 0)
            run = None
            chosen = (request.POST.get("run") or "").strip()
            if chosen:
                run = InventoryRun.objects.filter(pk=int(chosen), year=year).first() if chosen.isdigit() else None
                if run is None:
                    raise InvalidInput("invalid_run", _("核算版本：所选版本不属于该年度"), field="run")
            report = services.report_create(entity=unit, year=year, acting_user=request.user, run=run,
                                            uncertainty_notes=(request.POST.get("notes") or "")[:4000])
            return redirect("carbon:report", public_id=report.public_id)
        except ValueError:
            messages.error(request, _("年度无效"))
        except DomainError as exc:
            _error(request, exc)
    units = [u for u in (reading_units(request.user) if not request.user.is_superuser else Unit.objects.filter(depth__lte=2))]
    return render(request, "carbon/reports.html", {
        "reports": reports_visible_to(request.user).select_related("entity", "run")[:100],
        "units": units, "year": _year(request),
        "year_runs": InventoryRun.objects.filter(year=_year(request)).order_by("-version")[:20]})


@login_required  # not _gate: a named report answers 404 to anyone outside its scope, carbon role or not
def report(request: HttpRequest, public_id: str) -> HttpResponse:
    rep = _report(request, public_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "submit":
                services.report_submit(report=rep, acting_user=request.user)
            elif action == "finding":
                services.report_add_finding(report=rep, text=request.POST.get("text", "")[:4000], acting_user=request.user)
            elif action == "correct":
                responses = {f.pk: request.POST.get(f"finding_{f.pk}", "")[:4000] for f in rep.findings.all()}
                run = services.current_run(rep.year) if request.POST.get("rerun") else None
                services.report_correct(report=rep, responses=responses, acting_user=request.user, run=run)
            elif action == "verify":
                services.report_verify(report=rep, acting_user=request.user)
            elif action == "new_version":
                new = services.report_create(entity=rep.entity, year=rep.year, acting_user=request.user,
                                             uncertainty_notes=rep.uncertainty_notes)
                return redirect("carbon:report", public_id=new.public_id)
            else:
                raise InvalidInput("invalid_action", _("未知的操作"))
            messages.success(request, _("已完成"))
            return redirect("carbon:report", public_id=rep.public_id)
        except DomainError as exc:
            _error(request, exc)
    from audit.models import AuditEvent

    trail = AuditEvent.objects.filter(target_type="carbon.report", target_id=str(rep.pk)).select_related("actor").order_by("at")
    tables = exports.report_tables(rep)
    return render(request, "carbon/report.html", {
        "rep": rep, "tables": tables, "trail": trail, "findings": rep.findings.all(),
        "methodology": exports.methodology_text(rep.run),
        "flags": selectors.entity_flags(rep.entity, rep.year) if rep.state in (ReportState.DRAFT, ReportState.CORRECTED) else [],
        "can_prepare": can_prepare_report(request.user, rep.entity), "can_verify": can_verify(request.user, rep.entity),
        "States": ReportState,
    })


@login_required
def report_download(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    rep = _report(request, public_id)
    name = f"{rep.entity.code}-{rep.year}-v{rep.version}"
    if fmt == "docx":
        body, ctype = exports.report_docx(rep), exports.DOCX
    elif fmt == "xlsx":
        body, ctype = exports.report_xlsx(rep), exports.XLSX
    else:
        raise Http404
    resp = HttpResponse(body, content_type=ctype)
    resp["Content-Disposition"] = content_disposition_header(True, f"{name}.{fmt}")
    return resp


# --- scenarios ---------------------------------------------------------------------------------


@_gate
def scenarios(request: HttpRequest) -> HttpResponse:
    unit = _root(request)
    year = _year(request)
    facilities = facilities_visible_to(request.user).select_related("unit")
    preview = None
    if request.method == "POST" and unit is not None:
        p = request.POST
        retire = {}
        if (p.get("retire_facility") or "").isdigit() and p.get("retire_on"):
            retire[p["retire_facility"]] = p["retire_on"]
        params = {"ch4_points": p.get("ch4_points") or "0", "pv_mwh": p.get("pv_mwh") or "0",
                  "output_pct": p.get("output_pct") or "0", "gwp_set": p.get("gwp_set") or "SAR",
                  "ch4_facilities": [x for x in p.getlist("ch4_facilities") if x.isdigit()], "retire": retire}
        try:
            visible = set(facilities.values_list("pk", flat=True))
            if any(int(x) not in visible for x in [*params["ch4_facilities"], *retire]):
                raise InvalidInput("not_allowed", _("设施不在您的范围内"))
            if p.get("save"):
                sc = services.scenario_save(name=p.get("name", "")[:100], scope_unit=unit, year=year, params=params,
                                            acting_user=request.user)
                return redirect(f"{reverse('carbon:scenarios')}?year={year}&compare={sc.public_id}")
            preview = run_scenario(unit, year, ScenarioParams.from_dict(params))
        except DomainError as exc:
            _error(request, exc)
    saved = list(scenarios_visible_to(request.user).filter(year=year)[:50])
    chosen = [s for s in saved if str(s.public_id) in request.GET.getlist("compare")]
    return render(request, "carbon/scenarios.html", {
        "unit": unit, "year": year, "preview": preview, "saved": saved, "chosen": chosen,
        "mines": facilities.filter(mining_method="underground"), "facilities": facilities, "gwp": GWP_CHOICES,
        "keys": [("co2e", _("排放总量（t CO2e）")), ("scope1", _("范围一")), ("scope2", _("范围二")),
                 ("ch4_t", _("CH4（t）")), ("output_t", _("原煤产量（t）")), ("intensity", _("排放强度"))],
    })


def chart_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)
