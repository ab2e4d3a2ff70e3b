"""What-if runs on the same engine: the year's activity figures of a unit's facilities, edited as the
scenario says, through carbon.inventory.facility_month, beside the unedited baseline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from carbon import inventory
from carbon.choices import CH4_UTILIZED, Indicator
from carbon.models import ActivityRecord, Facility, Target
from core.errors import InvalidInput
from orgs.models import Unit, subtree_q
from tongxin.lib import ghg

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass
class ScenarioParams:
    """ch4_points: raise CH4 utilization of these facilities (ids) by x percentage points of drained gas;
    pv_mwh: y MWh of purchased grid power replaced by the group's PV (spread by purchase);
    retire: facility id → first month without it; output_pct: change of mines' output (and with it
    their activity) in %; gwp_set: GWP set of the comparison."""

    ch4_points: Decimal = ZERO
    ch4_facilities: list[int] = field(default_factory=list)
    pv_mwh: Decimal = ZERO
    retire: dict[int, str] = field(default_factory=dict)
    output_pct: Decimal = ZERO
    gwp_set: str = "SAR"

    @classmethod
    def from_dict(cls, d: dict) -> ScenarioParams:
        def dec(name: str, low: Decimal, high: Decimal) -> Decimal:
            try:
                v = Decimal(str(d.get(name) or 0))
            except (InvalidOperation, ValueError, TypeError):
                raise InvalidInput("invalid_number", f"{name}：不是有效的数值", field=name) from None
            if not v.is_finite() or v < low or v > high:
                raise InvalidInput("out_of_range", f"{name}：须在{low}到{high}之间", field=name)
            return v

        try:
            facilities = [int(x) for x in d.get("ch4_facilities") or []]
            retire = {int(k): str(date.fromisoformat(str(v))) for k, v in (d.get("retire") or {}).items()}
        except (TypeError, ValueError, AttributeError):
            raise InvalidInput("invalid_input", "设施或关闭日期格式无效") from None
        gwp = str(d.get("gwp_set") or "SAR")
        if gwp not in ghg.GWP_SETS:
            raise InvalidInput("invalid_gwp", f"gwp_set：未知的取值集“{gwp}”", field="gwp_set")
        return cls(dec("ch4_points", ZERO, HUNDRED), facilities, dec("pv_mwh", ZERO, Decimal(10) ** 9), retire,
                   dec("output_pct", Decimal(-100), Decimal(200)), gwp)

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in d.items()}


def apply(cells: dict[tuple[int, date], dict[str, Decimal]], facilities: dict[int, Facility],
          p: ScenarioParams, purchased_total: Decimal) -> dict[tuple[int, date], dict[str, Decimal]]:
    """The scenario's figures (a new dict; the baseline's are untouched). The PV spreads over the
    purchases of every facility in scope (``purchased_total``)."""
    out: dict[tuple[int, date], dict[str, Decimal]] = {}
    pv_share = min(p.pv_mwh / purchased_total, Decimal(1)) if purchased_total else ZERO
    chosen = set(p.ch4_facilities)
    factor = Decimal(1) + p.output_pct / HUNDRED
    for (fid, month), v in cells.items():
        stop = p.retire.get(fid)
        if stop and month >= date.fromisoformat(stop).replace(day=1):
            continue
        w = dict(v)
        if p.output_pct and facilities[fid].kind == "mine":
            w = {k: x * factor for k, x in w.items()}
        if p.ch4_points and fid in chosen and w.get("ch4.drain"):
            drain = w["ch4.drain"]
            used = sum((w.get(c, ZERO) for c in CH4_UTILIZED), ZERO) + w.get("ch4.flared", ZERO)
            extra = min(drain * p.ch4_points / HUNDRED, max(drain - used, ZERO))
            w["ch4.util_power"] = w.get("ch4.util_power", ZERO) + extra
        if pv_share and w.get("elec.purchased"):
            moved = w["elec.purchased"] * pv_share
            w["elec.purchased"] -= moved
            w["renew.generation"] = w.get("renew.generation", ZERO) + moved
        out[(fid, month)] = w
    return out


def summarize(cells, facilities: dict[int, Facility], book, gwp_set: str) -> dict[str, Decimal]:
    """ghg totals and output of these facility-months (energy.tce is not needed here)."""
    import gc

    from carbon.services import _info

    infos = {fid: _info(f) for fid, f in facilities.items()}
    enabled = gc.isenabled()
    gc.disable()  # see services.compute_year
    try:
        results = []
        for (fid, month), v in cells.items():
            results += inventory.facility_month(infos[fid], v, book.for_month(fid, month), energy=False)
    finally:
        if enabled:
            gc.enable()
    t = ghg.total((r for r in results if r.code.startswith("ghg.")), gwp_set)
    output = sum((v.get("coal.underground", ZERO) + v.get("coal.surface", ZERO) for v in cells.values()), ZERO)
    return {"co2e": t.co2e, "scope1": t.scope1, "scope2": t.scope2, "ch4_t": t.ch4_t, "output_t": output}


def _year_stamp(year: int) -> tuple:
    """What identifies the state of a year's figures: their count, newest id and latest entry time
    (every save of a figure sets its entry time; a deletion changes the count)."""
    from django.db.models import Count, Max

    agg = ActivityRecord.objects.filter(month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1)).aggregate(
        n=Count("id"), last=Max("id"), t=Max("entered_at"))
    return (agg["n"], agg["last"], agg["t"])


_CELLS: dict[tuple[str, int], tuple[tuple, dict]] = {}


def year_cells(year: int, stamp: tuple) -> dict[tuple[int, date], dict[str, Decimal]]:
    """Every facility-month's figures of ``year``, parsed once per process and database and kept while
    the year's rows are unchanged (``stamp``): a what-if is usually tried several times in a row.
    Callers never change the dicts (``apply`` makes new ones)."""
    from django.db import connection

    from carbon.services import load_cells

    key = (connection.settings_dict["NAME"], year)
    hit = _CELLS.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    cells, _ids = load_cells(year, with_ids=False)
    if len(_CELLS) >= 4:
        _CELLS.clear()
    _CELLS[key] = (stamp, cells)
    return cells


def _fresh_baseline(year: int, facs: dict[int, Facility], gwp_set: str, stamp: tuple) -> dict[int, dict[str, Decimal]] | None:
    """Per-facility baseline from the year's latest run when nothing it read has changed since
    (figures, measured factors, factor sets) and it used the same GWP set; else None."""
    from django.db.models import Max

    from carbon.models import FactorSet, InventoryRun, MeasuredFactor

    run = InventoryRun.objects.filter(year=year).order_by("-version").first()
    if (run is None or run.gwp_set != gwp_set or run.count_unburnt_ch4 or run.ccus_method != "memo"
            or "facilities" not in run.totals):
        return None
    for t in (stamp[2], MeasuredFactor.objects.aggregate(t=Max("created_at"))["t"],
              FactorSet.objects.aggregate(t=Max("created_at"))["t"]):
        if t is not None and t > run.created_at:
            return None
    out = {}
    for key, f in run.totals["facilities"].items():
        fid = int(key)
        if fid in facs:
            q = f["q"]
            out[fid] = {"co2e": Decimal(f["s1"]) + Decimal(f["s2"]), "scope1": Decimal(f["s1"]), "scope2": Decimal(f["s2"]),
                        "ch4_t": Decimal(f["ch4"]),
                        "output_t": Decimal(q.get("coal.underground", "0")) + Decimal(q.get("coal.surface", "0")),
                        "purchased": Decimal(q.get("elec.purchased", "0"))}
    return out


KEYS = ("co2e", "scope1", "scope2", "ch4_t", "output_t")


def run_scenario(unit: Unit, year: int, p: ScenarioParams, book=None) -> dict:
    """Baseline and scenario side by side, with the gap to the unit's targets for the year.

    Facilities the scenario does not touch keep their baseline; when the year's latest run is
    current, the baseline comes from its stored sums and only the touched facilities are computed."""
    from carbon.services import FactorBook

    book = book or FactorBook()
    facs = {f.pk: f for f in Facility.objects.filter(subtree_q([unit], field="unit__"))}
    touches_all = bool(p.pv_mwh or p.output_pct)
    touched = set(facs) if touches_all else (set(p.ch4_facilities) | set(p.retire)) & set(facs)
    stamp = _year_stamp(year)
    stored = _fresh_baseline(year, facs, p.gwp_set, stamp)
    every = year_cells(year, stamp)
    try:
        if stored is None:
            cells = {k: v for k, v in every.items() if k[0] in facs}
            base = summarize(cells, facs, book, p.gwp_set)
            purchased = sum((v.get("elec.purchased", ZERO) for v in cells.values()), ZERO)
            scen = summarize(apply(cells, facs, p, purchased), facs, book, p.gwp_set)
        else:
            base = {k: sum((f[k] for f in stored.values()), ZERO) for k in KEYS}
            purchased = sum((f["purchased"] for f in stored.values()), ZERO)
            cells = {k: v for k, v in every.items() if k[0] in touched}
            part = summarize(apply(cells, facs, p, purchased), facs, book, p.gwp_set)
            scen = {k: base[k] - sum((stored[f][k] for f in touched if f in stored), ZERO) + part[k] for k in KEYS}
    except ghg.ActivityError as exc:
        raise InvalidInput("impossible_input", str(exc), field=exc.field) from None
    base["intensity"] = ghg.ratio(base["co2e"], base["output_t"])
    scen["intensity"] = ghg.ratio(scen["co2e"], scen["output_t"])
    targets = {t.indicator: t.value for t in Target.objects.filter(unit=unit, year=year)}
    out = {"baseline_from": "stored" if stored is not None else "computed"}
    for key in (*KEYS, "intensity"):
        b, s = base[key], scen[key]
        out[key] = {"baseline": None if b is None else str(b), "scenario": None if s is None else str(s),
                    "delta": None if b is None or s is None else str(s - b)}
    for key, ind in (("co2e", Indicator.TOTAL), ("intensity", Indicator.INTENSITY)):
        tgt = targets.get(ind)
        out[key]["target"] = None if tgt is None else str(tgt)
        for side in ("baseline", "scenario"):
            v = out[key][side]
            out[key][f"gap_{side}"] = None if tgt is None or v is None else str(Decimal(v) - tgt)
    return out
