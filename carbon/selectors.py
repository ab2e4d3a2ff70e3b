"""Reading the carbon records: indicators per facility and unit, targets with traffic lights and the
trajectory to 2030, the GB 29444 check, pre-submission flags and the dashboard's figures.

Every reader takes the facilities already scoped (carbon.scoping); none builds its own filter."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from carbon.choices import (
    CH4_UTILIZED,
    PERCENT_INDICATORS,
    QUANTITIES,
    STOCK_QUANTITIES,
    TARGET_DIRECTION,
    FacilityKind,
    Indicator,
    MiningMethod,
    SourceCode,
)
from carbon.models import ActivityRecord, CcusMonth, Facility, InventoryResult, InventoryRun, Target
from core.errors import InvalidState
from orgs.models import Unit, subtree_q
from tongxin.lib import ghg

ZERO = Decimal(0)
HUNDRED = Decimal(100)
AMBER_BAND = Decimal("0.05")  # within 5 % of the target: amber


def in_subtree(facilities: QuerySet[Facility], unit: Unit) -> QuerySet[Facility]:
    return facilities.filter(subtree_q([unit], field="unit__"))


def quantity_sums(facilities: QuerySet[Facility], year: int, by_facility: bool = False) -> dict:
    qs = ActivityRecord.objects.filter(facility__in=facilities, month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1))
    if by_facility:
        out: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for fid, q, v in qs.values("facility_id", "quantity").annotate(t=Sum("value")).values_list("facility_id", "quantity", "t"):
            out[fid][q] = v
        return out
    return dict(qs.values("quantity").annotate(t=Sum("value")).values_list("quantity", "t"))


def result_sums(run: InventoryRun | None, facilities: QuerySet[Facility], by: str = "code") -> dict:
    if run is None:
        return {}
    qs = InventoryResult.objects.filter(run=run, facility__in=facilities)
    field = "tonnes" if by == "energy" else "co2e"
    if by == "energy":
        return {"tce": qs.filter(code="energy.tce").aggregate(t=Sum("tonnes"))["t"] or ZERO}
    return dict(qs.values(by).annotate(t=Sum(field)).values_list(by, "t"))


@dataclass
class RunSummary:
    """A run's stored per-facility sums (services._summaries) added up over some facilities."""

    q: dict[str, Decimal]
    by_code: dict[str, Decimal]
    by_month: list[Decimal]
    by_facility: dict[int, Decimal]
    scope1: Decimal
    scope2: Decimal
    ch4: Decimal
    tce: Decimal
    tce_by_facility: dict[int, Decimal]
    q_by_facility: dict[int, dict[str, Decimal]]
    stocks: dict[str, Decimal]
    stocks_by_facility: dict[int, dict[str, Decimal]]
    has_stocks: bool = True  # runs stored before year-end stocks were kept have none


_SUMMARIES: dict[tuple, RunSummary] = {}  # runs never change: safe to keep


def run_summary(run: InventoryRun | None, facility_ids: set[int]) -> RunSummary | None:
    """None when the run has no stored summaries (runs older than them): callers then aggregate rows.
    Kept per process for the last few (run, facilities) asked: a run is never edited."""
    if run is None:
        return None
    key = (run.pk, run.created_at, tuple(sorted(facility_ids)))  # the time too: a test database reuses ids
    if key in _SUMMARIES:  # before touching run.totals: pages load runs with the totals deferred
        return _SUMMARIES[key]
    if "facilities" not in run.totals:
        return None
    if len(_SUMMARIES) > 64:
        _SUMMARIES.clear()
    _SUMMARIES[key] = _run_summary(run, facility_ids)
    return _SUMMARIES[key]


def _run_summary(run: InventoryRun, facility_ids: set[int]) -> RunSummary:
    out = RunSummary(defaultdict(Decimal), defaultdict(Decimal), [ZERO] * 12, {}, ZERO, ZERO, ZERO, ZERO, {}, {},
                     defaultdict(Decimal), {})
    for key, f in run.totals["facilities"].items():
        fid = int(key)
        if fid not in facility_ids:
            continue
        qf = {k: Decimal(v) for k, v in f["q"].items()}
        out.q_by_facility[fid] = qf
        for k, v in qf.items():
            out.q[k] += v
        total = ZERO
        for k, v in f["c"].items():
            d = Decimal(v)
            out.by_code[k] += d
            total += d
        out.by_facility[fid] = total
        for i, v in enumerate(f["m"]):
            out.by_month[i] += Decimal(v)
        out.scope1 += Decimal(f["s1"])
        out.scope2 += Decimal(f["s2"])
        out.ch4 += Decimal(f["ch4"])
        out.tce_by_facility[fid] = Decimal(f["tce"])
        out.tce += out.tce_by_facility[fid]
        if "k" not in f:
            out.has_stocks = False
        stock = {k: Decimal(v) for k, v in f.get("k", {}).items()}
        out.stocks_by_facility[fid] = stock
        for k, v in stock.items():
            out.stocks[k] += v
    return out


def _ids(facilities: QuerySet[Facility]) -> set[int]:
    return set(facilities.values_list("pk", flat=True))


@dataclass
class Indicators:
    co2e: Decimal | None
    scope1: Decimal | None
    scope2: Decimal | None
    ch4_t: Decimal | None
    output_t: Decimal
    tce: Decimal
    values: dict[str, Decimal | None]


def indicators_from(q: dict[str, Decimal], co2e: Decimal | None, tce: Decimal, capacity_retired: Decimal = ZERO,
                    scope1: Decimal | None = None, scope2: Decimal | None = None, ch4_t: Decimal | None = None,
                    stocks: dict[str, Decimal] | None = None, ccus: dict[str, Decimal] | None = None) -> Indicators:
    """Every indicator of carbon-rules.md §4 from a year's figure sums ``q`` (one facility or many):
    ``stocks`` are year-end values (renewable MW, intelligent faces), ``ccus`` the CCUS chain's sums."""
    def g(code: str) -> Decimal:
        return q.get(code) or ZERO

    stocks = stocks or {}
    ccus = ccus or {}
    output = g("coal.underground") + g("coal.surface")
    drain, vent = g("ch4.drain"), g("ch4.vent")
    utilized = sum((g(c) for c in CH4_UTILIZED), ZERO)
    used_power = g("elec.purchased") + g("renew.generation") - g("elec.supplied")

    def pct(x: Decimal | None) -> Decimal | None:
        return None if x is None else x * HUNDRED

    values = {
        Indicator.TOTAL: co2e,
        Indicator.INTENSITY: ghg.ratio(co2e, output) if co2e is not None else None,
        Indicator.RAW_COAL_ENERGY: ghg.raw_coal_intensity(tce, output),
        "energy.raw_coal_power": ghg.raw_coal_power(max(used_power, ZERO), output),
        "energy.tce": tce,
        Indicator.CH4_UTILIZATION: pct(ghg.utilization_rate(utilized, drain)),
        Indicator.CH4_DRAINAGE: pct(ghg.drainage_rate(drain, vent)),
        # electricity used = bought + own generation − supplied out; none used: undefined ("—")
        Indicator.RENEWABLE_SHARE: pct(ghg.ratio(g("renew.generation"), used_power)) if used_power > 0 else None,
        Indicator.CAPACITY_RETIRED: capacity_retired,
        Indicator.GANGUE_USE: pct(ghg.ratio(g("gangue.used"), g("gangue.produced"))),
        Indicator.WATER_USE: pct(ghg.ratio(g("water.used"), g("water.discharged"))),
        "transition.renewable_generation": g("renew.generation"),
        "transition.renewable_capacity": stocks.get("renew.capacity", ZERO),
        "transition.smart_faces": stocks.get("mine.smart_faces", ZERO),
        "transition.ccus_captured": ccus.get("captured", ZERO),
        "transition.ccus_utilized": ccus.get("utilized", ZERO),
        "transition.ccus_stored": ccus.get("stored", ZERO),
    }
    return Indicators(co2e, scope1, scope2, ch4_t, output, tce, values)


# The indicator table's columns: per facility and for the unit (carbon-rules.md §4).
INDICATOR_COLUMNS = [
    (Indicator.GANGUE_USE, _lazy("煤矸石综合利用率（%）"), True),
    (Indicator.WATER_USE, _lazy("矿井水利用率（%）"), True),
    (Indicator.RENEWABLE_SHARE, _lazy("可再生能源用电占比（%）"), True),
    ("transition.renewable_generation", _lazy("自有可再生发电（MWh）"), False),
    ("transition.renewable_capacity", _lazy("可再生能源装机（MW，年末）"), False),
    ("transition.smart_faces", _lazy("智能化工作面（个，年末）"), False),
    (Indicator.CAPACITY_RETIRED, _lazy("淘汰产能（Mt/a）"), False),
    ("transition.ccus_captured", _lazy("CO2捕集（t）"), False),
    ("transition.ccus_utilized", _lazy("CO2利用（t）"), False),
    ("transition.ccus_stored", _lazy("CO2封存（t）"), False),
]


def stock_values(facilities: QuerySet[Facility], year: int) -> dict[int, dict[str, Decimal]]:
    """Year-end values of the stock quantities per facility: each one's latest reported month of ``year``."""
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = (ActivityRecord.objects.filter(facility__in=facilities, quantity__in=STOCK_QUANTITIES,
                                          month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1))
            .order_by("facility_id", "quantity", "month").values_list("facility_id", "quantity", "value"))
    for fid, code, value in rows:
        out[fid][code] = value  # ordered by month: the last one wins
    return out


def ccus_sums(facilities: QuerySet[Facility], year: int, by_facility: bool = False) -> dict:
    qs = CcusMonth.objects.filter(project__facility__in=facilities, month__year=year)
    fields = {"captured": Sum("captured"), "utilized": Sum("utilized"), "stored": Sum("stored")}
    if not by_facility:
        return {k: v or ZERO for k, v in qs.aggregate(**fields).items()}
    return {row.pop("project__facility_id"): {k: v or ZERO for k, v in row.items()}
            for row in qs.values("project__facility_id").annotate(**fields)}


def _retired_capacity(fac: Facility, year: int) -> Decimal:
    return (fac.capacity_mtpa or ZERO) if fac.retired_on and fac.retired_on.year == year else ZERO


def facility_indicators(facilities: QuerySet[Facility], year: int, run: InventoryRun | None) -> dict[int, Indicators]:
    """Indicators of each facility (already scoped): the run's stored sums where it has them, the
    activity rows otherwise; stocks and CCUS from their registers."""
    facs = list(facilities.select_related("unit"))
    ids = {f.pk for f in facs}
    summary = run_summary(run, ids)
    ccus = ccus_sums(facilities, year, by_facility=True)
    if summary is not None and summary.has_stocks:
        stocks = summary.stocks_by_facility
    else:
        stocks = stock_values(facilities, year)
    if summary is not None:
        q_by, tce_by = summary.q_by_facility, summary.tce_by_facility
        co2e_by = summary.by_facility
    else:
        q_by = quantity_sums(facilities, year, by_facility=True)
        res = InventoryResult.objects.filter(run=run, facility__in=facilities) if run else InventoryResult.objects.none()
        tce_by = dict(res.filter(code="energy.tce").values("facility_id").annotate(t=Sum("tonnes"))
                      .values_list("facility_id", "t"))
        co2e_by = dict(res.filter(code__startswith="ghg.").values("facility_id").annotate(t=Sum("co2e"))
                       .values_list("facility_id", "t"))
    out = {}
    for fac in facs:
        q = {k: v for k, v in q_by.get(fac.pk, {}).items() if k not in STOCK_QUANTITIES}
        out[fac.pk] = indicators_from(q, co2e_by.get(fac.pk) if run else None, tce_by.get(fac.pk) or ZERO,
                                      _retired_capacity(fac, year), stocks=stocks.get(fac.pk, {}),
                                      ccus=ccus.get(fac.pk, {}))
    return out


def unit_indicators(facilities: QuerySet[Facility], unit: Unit, year: int, run: InventoryRun | None,
                    ids: set[int] | None = None) -> Indicators:
    facs = in_subtree(facilities, unit)
    ids = _ids(facs) if ids is None else ids
    summary = run_summary(run, ids)
    stocks: dict[str, Decimal] = defaultdict(Decimal)
    if summary is not None and summary.has_stocks:
        stocks = summary.stocks
    else:  # runs stored before year-end stocks were kept: read them from the rows
        for per in stock_values(facs, year).values():
            for k, v in per.items():
                stocks[k] += v
    ccus = ccus_sums(facs, year)
    retired = facs.filter(retired_on__year=year).aggregate(t=Sum("capacity_mtpa"))["t"] or ZERO
    if summary is not None:
        q = {k: v for k, v in summary.q.items() if k not in STOCK_QUANTITIES}
        return indicators_from(q, summary.scope1 + summary.scope2, summary.tce, retired, summary.scope1,
                               summary.scope2, summary.ch4, stocks=stocks, ccus=ccus)
    q = {k: v for k, v in quantity_sums(facs, year).items() if k not in STOCK_QUANTITIES}
    res = InventoryResult.objects.filter(run=run, facility__in=facs) if run else InventoryResult.objects.none()
    agg = res.filter(code__startswith="ghg.").values("scope").annotate(t=Sum("co2e"))
    scopes = {s: t for s, t in agg.values_list("scope", "t")}
    ch4 = res.filter(gas="CH4").aggregate(t=Sum("tonnes"))["t"]
    tce = res.filter(code="energy.tce").aggregate(t=Sum("tonnes"))["t"] or ZERO
    co2e = (scopes.get(1, ZERO) + scopes.get(2, ZERO)) if run else None
    return indicators_from(q, co2e, tce, retired, scopes.get(1), scopes.get(2), ch4, stocks=stocks, ccus=ccus)


_QUICK: dict[tuple, tuple[Decimal, Decimal] | None] = {}  # runs never change


def _quick_totals(run_id: int, created_at, ids: set[int]) -> tuple[Decimal, Decimal] | None:
    """t CO2e and raw coal output of these facilities in a run, from its stored sums (kept per
    process: a run is never edited, and its JSON is the larger part of reading it)."""
    key = (run_id, created_at, tuple(sorted(ids)))  # the time too: a test database reuses ids
    if key in _QUICK:
        return _QUICK[key]
    totals = InventoryRun.objects.filter(pk=run_id).values_list("totals", flat=True).first() or {}
    if "facilities" not in totals:
        out = None
    else:
        co2e = output = ZERO
        for fid, f in totals["facilities"].items():
            if int(fid) in ids:
                co2e += Decimal(f["s1"]) + Decimal(f["s2"])
                q = f["q"]
                output += Decimal(q.get("coal.underground", "0")) + Decimal(q.get("coal.surface", "0"))
        out = (co2e, output)
    if len(_QUICK) > 256:
        _QUICK.clear()
    _QUICK[key] = out
    return out


def latest_run(year: int) -> InventoryRun | None:
    """The year's latest version with its (large) totals deferred: readers go through run_summary."""
    return InventoryRun.objects.filter(year=year).order_by("-version").defer("totals").first()


def light(indicator: str, actual: Decimal | None, target: Decimal | None) -> str:
    """green: target met; amber: missed by at most 5 %; red: missed by more; grey: no figure or target."""
    if actual is None or target is None:
        return "grey"
    direction = TARGET_DIRECTION.get(indicator, -1)
    if (direction < 0 and actual <= target) or (direction > 0 and actual >= target):
        return "green"
    band = abs(target) * AMBER_BAND
    return "amber" if abs(actual - target) <= band else "red"


@dataclass
class TargetRow:
    indicator: str
    label: str
    actual: Decimal | None
    target: Decimal | None
    light: str
    gap: Decimal | None
    percent: bool


def target_rows(unit: Unit, year: int, ind: Indicators) -> list[TargetRow]:
    targets = {t.indicator: t.value for t in Target.objects.filter(unit=unit, year=year)}
    rows = []
    for code, label in Indicator.choices:
        actual = ind.values.get(code)
        target = targets.get(code)
        gap = actual - target if actual is not None and target is not None else None
        rows.append(TargetRow(code, label, actual, target, light(code, actual, target), gap, code in PERCENT_INDICATORS))
    return rows


def trajectory(unit: Unit, facilities: QuerySet[Facility], indicator: str = Indicator.TOTAL,
               until: int = 2030) -> dict:
    """Actual figures per computed year and the straight path from the last actual to the target of
    ``until`` (the 2030 target); each year's own target where one is set."""
    latest: dict[int, tuple] = {}
    for pk, y, created in InventoryRun.objects.order_by("year", "version").values_list("pk", "year", "created_at"):
        latest[y] = (pk, created)  # ordered by version: the last one wins
    years = sorted(latest)
    actual: dict[int, Decimal | None] = {}
    ids = _ids(in_subtree(facilities, unit))
    for y in years:
        quick = _quick_totals(*latest[y], ids) if indicator in (Indicator.TOTAL, Indicator.INTENSITY) else None
        if quick is not None:
            co2e, output = quick
            actual[y] = co2e if indicator == Indicator.TOTAL else ghg.ratio(co2e, output)
        else:
            actual[y] = unit_indicators(facilities, unit, y, latest_run(y), ids).values.get(indicator)
    targets = {t.year: t.value for t in Target.objects.filter(unit=unit, indicator=indicator)}
    end = targets.get(until)
    path: dict[int, Decimal] = {}
    known = [y for y in years if actual.get(y) is not None]
    if end is not None and known:
        y0 = known[-1]
        a0 = actual[y0]
        assert a0 is not None
        for y in range(y0, until + 1):
            path[y] = a0 + (end - a0) * (y - y0) / max(until - y0, 1)
    span = list(range(min(years + [timezone.localdate().year]), until + 1))
    return {"years": span, "actual": [actual.get(y) for y in span], "path": [path.get(y) for y in span],
            "targets": [targets.get(y) for y in span]}


def gb29444(facilities: QuerySet[Facility], year: int, run: InventoryRun | None, book=None) -> list[dict]:
    """Each mine's 原煤生产综合能耗 against the limit of its mining method (factor data)."""
    from carbon.services import FactorBook

    book = book or FactorBook()
    summary = run_summary(run, _ids(facilities))
    if summary is not None:
        q, tce = summary.q_by_facility, summary.tce_by_facility
    else:
        q = quantity_sums(facilities, year, by_facility=True)
        tce = {}
        if run:
            tce = dict(InventoryResult.objects.filter(run=run, facility__in=facilities, code="energy.tce")
                       .values("facility_id").annotate(t=Sum("tonnes")).values_list("facility_id", "t"))
    rows = []
    try:
        factors = book.for_month(0, date(year, 12, 1))
    except InvalidState:  # no factor set in force that month: nothing to compare with
        return rows
    for fac in facilities.filter(kind=FacilityKind.MINE).select_related("unit"):
        code = f"limit.raw_coal_energy.{fac.mining_method or MiningMethod.UNDERGROUND}"
        limit = factors[code].value if code in factors else None
        vals = q.get(fac.pk, {})
        value = ghg.raw_coal_intensity(tce.get(fac.pk, ZERO), (vals.get("coal.underground") or ZERO) + (vals.get("coal.surface") or ZERO))
        rows.append({"facility": fac, "value": value, "limit": limit,
                     "ok": None if value is None or limit is None else value <= limit})
    return rows


def entity_flags(entity: Unit, year: int) -> list[str]:
    """What must be settled before a report is submitted: missing months, unexplained outliers,
    unapproved figures, within the entity's facilities."""
    from carbon.services import missing_months

    flags: list[str] = []
    facs = Facility.objects.filter(subtree_q([entity], field="unit__")).select_related("unit")
    for fac in facs:
        gaps = missing_months(fac, year)
        if gaps:
            months = "、".join(f"{m:%m}" for m in sorted(gaps))
            flags.append(_("%(f)s 缺少 %(m)s 月数据") % {"f": fac.unit.name, "m": months})
    rows = ActivityRecord.objects.filter(facility__in=facs, month__year=year)
    unexplained = rows.filter(outlier=True, note="").count()
    if unexplained:
        flags.append(_("%(n)s 项超出历史范围的数据未填写说明") % {"n": unexplained})
    unapproved = rows.filter(approved_at__isnull=True).count()
    if unapproved:
        flags.append(_("%(n)s 项数据尚未审核") % {"n": unapproved})
    return flags


SOURCE_LABELS = {**dict(SourceCode.choices), "ghg.ccus": _lazy("CCUS扣减（方法学选择）")}


def dashboard_data(facilities: QuerySet[Facility], unit: Unit, year: int, run: InventoryRun | None) -> dict:
    """The figures of the group dashboard's charts (JSON-ready), each with its drill-down target."""
    facs = in_subtree(facilities, unit)
    summary = run_summary(run, _ids(facs))
    res = InventoryResult.objects.filter(run=run, facility__in=facs, code__startswith="ghg.") if run else None
    by_code, by_facility, by_month = [], [], []
    if summary is not None:
        for code in sorted(summary.by_code):
            by_code.append({"code": code, "name": str(SOURCE_LABELS.get(code, code)), "value": float(summary.by_code[code])})
        top = sorted(summary.by_facility.items(), key=lambda kv: -kv[1])[:15]
        names = dict(facs.filter(pk__in=[fid for fid, _ in top]).values_list("pk", "unit__name"))
        by_facility = [{"id": fid, "name": names.get(fid, str(fid)), "value": float(t)} for fid, t in top]
        by_month = [float(x) for x in summary.by_month]
    elif res is not None:
        for code, t in res.values("code").annotate(t=Sum("co2e")).order_by("code").values_list("code", "t"):
            by_code.append({"code": code, "name": str(SOURCE_LABELS.get(code, code)), "value": float(t)})
        names = dict(facs.values_list("pk", "unit__name"))
        agg = res.values("facility_id").annotate(t=Sum("co2e")).order_by("-t").values_list("facility_id", "t")
        for fid, t in list(agg)[:15]:
            by_facility.append({"id": fid, "name": names.get(fid, str(fid)), "value": float(t)})
        months = dict(res.values("month").annotate(t=Sum("co2e")).values_list("month", "t"))
        for m in range(1, 13):
            by_month.append(float(months.get(date(year, m, 1), ZERO)))
    q = summary.q if summary is not None else quantity_sums(facs, year)

    def g(code: str) -> float:
        return float(q.get(code) or ZERO)

    drain, vent, flared = g("ch4.drain"), g("ch4.vent"), g("ch4.flared")
    util = {c: g(c) for c in CH4_UTILIZED}
    emitted_drain = max(drain - flared - sum(util.values()), 0.0)
    links = [{"source": str(QUANTITIES["ch4.drain"].label), "target": str(QUANTITIES[c].label), "value": v}
             for c, v in util.items() if v > 0]
    if flared > 0:
        links.append({"source": str(QUANTITIES["ch4.drain"].label), "target": str(QUANTITIES["ch4.flared"].label), "value": flared})
    emitted = _("排空")
    if emitted_drain > 0:
        links.append({"source": str(QUANTITIES["ch4.drain"].label), "target": emitted, "value": emitted_drain})
    if vent > 0:
        links.append({"source": str(QUANTITIES["ch4.vent"].label), "target": emitted, "value": vent})
    nodes = sorted({n for link in links for n in (link["source"], link["target"])})
    ccus = CcusMonth.objects.filter(project__facility__in=facs, month__year=year).aggregate(
        captured=Sum("captured"), utilized=Sum("utilized"), stored=Sum("stored"), released=Sum("released"),
        in_stock=Sum("in_stock"))
    return {
        "year": year,
        "by_code": by_code,
        "by_facility": by_facility,
        "months": [f"{m}月" for m in range(1, 13)],
        "by_month": by_month,
        "sankey": {"nodes": [{"name": n} for n in nodes], "links": links},
        "ccus": {k: float(v or 0) for k, v in ccus.items()},
    }
