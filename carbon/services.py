"""Workflow steps of the carbon module: one typed function per multi-record write, atomic, audited.

Facilities and factors → monthly activity data (entry, approval, import) → inventory runs (versions,
diffs, locks) → reports (draft → submitted → findings → corrected → verified). Arithmetic is in
tongxin.lib.ghg and carbon.inventory; reading and aggregating in carbon.selectors."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from carbon import inventory
from carbon.choices import (
    FACTOR_CLASS,
    QUANTITIES,
    STOCK_QUANTITIES,
    CcusMethod,
    FacilityStatus,
    ReportState,
    Tier,
)
from carbon.factor_data import DEMO_FACTORS
from carbon.models import (
    ActivityRecord,
    CcusMonth,
    CcusProject,
    Facility,
    Factor,
    FactorSet,
    InventoryResult,
    InventoryRun,
    MeasuredFactor,
    Report,
    ReportFinding,
    Scenario,
    Source,
    Target,
)
from carbon.scoping import can_approve, can_enter, can_manage, can_prepare_report, can_register, can_verify
from core.errors import InvalidInput, InvalidState, NotAllowed
from orgs.models import Unit, User
from tongxin.lib import ghg

ZERO = Decimal(0)
HISTORY_MONTHS = 12
OUTLIER_RATIO = Decimal(3)  # a figure above 3× or below ⅓ of the facility's median is flagged


def month_start(value: date) -> date:
    return value.replace(day=1)


def add_months(value: date, n: int) -> date:
    y, m = divmod(value.month - 1 + n, 12)
    return date(value.year + y, m + 1, 1)


def parse_month(text: str, field_name: str = "month") -> date:
    """"2025-03" (or a date) → date(2025, 3, 1); anything else is an error naming the field."""
    raw = str(text).strip()
    try:
        parts = raw.replace("/", "-").split("-")
        y, m = int(parts[0]), int(parts[1])
        if not (1990 <= y <= 2100 and 1 <= m <= 12):
            raise ValueError
    except (ValueError, IndexError):
        raise InvalidInput("invalid_month", f"{field_name}：“{raw}”不是有效的月份（如 2025-03）") from None
    return date(y, m, 1)


def parse_decimal(text, field_name: str) -> Decimal:
    try:
        v = Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise InvalidInput("invalid_number", f"{field_name}：“{text}”不是有效的数值") from None
    if not v.is_finite():
        raise InvalidInput("invalid_number", f"{field_name}：“{text}”不是有效的数值")
    if abs(v) >= Decimal(10) ** 13:
        raise InvalidInput("invalid_number", f"{field_name}：数值过大")
    return v


def checked_evidence(upload: UploadedFile | None):
    """An evidence file as it will be stored: type judged from its content (images, PDF, Word),
    photos cleaned of their metadata, like every other upload of the platform; None stays None."""
    if not upload:
        return None
    from petitions.uploads import check_upload

    return check_upload(upload).upload


# --- facilities and sources -------------------------------------------------------------------------


FACILITY_FIELDS = ("kind", "mining_method", "gas_class", "capacity_mtpa", "status", "commissioned_on", "retired_on")
SOURCE_RULES = {  # which facilities a source code applies to (None: any)
    "ghg.ch4_underground": "underground", "ghg.co2_underground": "underground", "ghg.ch4_surface": "surface",
}


def _facility_invalid(exc: ValidationError, facility: Facility) -> InvalidInput:
    """A model validation error as one clear message naming the field (the first of several)."""
    name, msgs = next(iter(exc.message_dict.items()))
    label = Facility._meta.get_field(name).verbose_name if name != "__all__" else ""
    text = "；".join(str(m) for m in msgs)
    return InvalidInput("invalid_facility", f"{label}：{text}" if label else text, field=name)


def _clean_sources(facility: Facility, sources: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    from carbon.choices import SourceCode

    out: list[tuple[str, str]] = []
    for code, fuel in sources:
        code, fuel = str(code).strip(), str(fuel or "").strip()
        if code not in SourceCode.values:
            raise InvalidInput("invalid_source", f"排放源：“{code}”不是排放源类别", field="sources")
        label = SourceCode(code).label
        if code == SourceCode.FUEL:
            if f"fuel.{fuel}" not in QUANTITIES:
                raise InvalidInput("invalid_source", f"排放源“{label}”：须选择燃料品种（{', '.join(ghg.FUELS)}）",
                                   field="sources")
        elif fuel:
            raise InvalidInput("invalid_source", f"排放源“{label}”：只有化石燃料燃烧填写燃料品种", field="sources")
        wanted = SOURCE_RULES.get(code)
        if wanted and facility.mining_method != wanted:
            raise InvalidInput("invalid_source", f"排放源“{label}”：只适用于{'井工' if wanted == 'underground' else '露天'}煤矿",
                               field="sources")
        if code == SourceCode.CH4_POST and facility.kind != "mine":
            raise InvalidInput("invalid_source", f"排放源“{label}”：只适用于煤矿", field="sources")
        if (code, fuel) not in out:
            out.append((code, fuel))
    return out


def _set_sources(facility: Facility, sources: list[tuple[str, str]]) -> None:
    """The facility's active sources become exactly ``sources``; others are switched off, never
    deleted (the months already entered keep their meaning)."""
    current = {(s.code, s.fuel): s for s in facility.sources.all()}
    for key, src in current.items():
        active = key in sources
        if src.is_active != active:
            src.is_active = active
            src.save(update_fields=["is_active"])
    for code, fuel in sources:
        if (code, fuel) not in current:
            Source.objects.create(facility=facility, code=code, fuel=fuel)


@transaction.atomic
def facility_register(*, unit: Unit, kind: str, acting_user: User, mining_method: str = "", gas_class: str = "",
                      capacity_mtpa: Decimal | None = None, commissioned_on: date | None = None,
                      status: str = FacilityStatus.OPERATING, retired_on: date | None = None,
                      sources: Iterable[tuple[str, str]] = ()) -> Facility:
    """Register a unit of the energy officer's subtree as a facility, with its emission sources."""
    if not can_register(acting_user, unit):
        raise NotAllowed("not_allowed", "您只能登记本单位及下级单位的设施")
    if Facility.objects.filter(unit=unit).exists():
        raise InvalidInput("duplicate_facility", f"单位：{unit.name}已登记为核算设施", field="unit")
    facility = Facility(unit=unit, kind=kind, mining_method=mining_method, gas_class=gas_class,
                        capacity_mtpa=capacity_mtpa, commissioned_on=commissioned_on, status=status,
                        retired_on=retired_on)
    try:
        facility.full_clean(exclude=["unit"])
    except ValidationError as exc:
        raise _facility_invalid(exc, facility) from None
    clean_sources = _clean_sources(facility, sources)
    facility.save()
    _set_sources(facility, clean_sources)
    audit_record(actor=acting_user, action="carbon.facility.register", target=facility,
                 data={"unit": unit.code, **{f: _plain(getattr(facility, f)) for f in FACILITY_FIELDS},
                       "sources": [list(s) for s in clean_sources]})
    return facility


def _plain(value):
    """A field's value for the audit trail and for comparing before with after (1.200 == 1.2)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, str) and value[:1].isdigit() and "-" not in value:
        try:
            return format(Decimal(value).normalize(), "f")
        except InvalidOperation:
            return value
    return str(value)


@transaction.atomic
def facility_update(*, facility: Facility, acting_user: User, changes: Mapping[str, object],
                    sources: Iterable[tuple[str, str]] | None = None) -> Facility:
    """Edit a facility's attributes (only the fields in ``changes``) and, when given, its sources.
    Audited with each changed field's before and after."""
    facility = Facility.objects.select_for_update().select_related("unit").get(pk=facility.pk)
    if not can_register(acting_user, facility.unit):
        raise NotAllowed("not_allowed", "您只能修改本单位及下级单位的设施")
    unknown = set(changes) - set(FACILITY_FIELDS)
    if unknown:
        raise InvalidInput("unknown_field", f"不能修改：{', '.join(sorted(unknown))}")
    before = {f: _plain(getattr(facility, f)) for f in FACILITY_FIELDS}
    for name, value in changes.items():
        setattr(facility, name, value)
    try:
        facility.full_clean(exclude=["unit"])
    except ValidationError as exc:
        raise _facility_invalid(exc, facility) from None
    diff = {f: [before[f], _plain(getattr(facility, f))] for f in FACILITY_FIELDS if before[f] != _plain(getattr(facility, f))}
    facility.save()
    data: dict = {"changed": diff}
    if sources is not None:
        old = sorted((s.code, s.fuel) for s in facility.sources.filter(is_active=True))
        new = _clean_sources(facility, sources)
        _set_sources(facility, new)
        if sorted(new) != old:
            data["sources"] = [[list(s) for s in old], [list(s) for s in sorted(new)]]
    else:  # attributes changed under the sources: they must still fit (e.g. no CH4 source on a surface mine)
        _clean_sources(facility, [(s.code, s.fuel) for s in facility.sources.filter(is_active=True)])
    if diff or "sources" in data:
        audit_record(actor=acting_user, action="carbon.facility.update", target=facility, data=data)
    return facility


@transaction.atomic
def facility_retire(*, facility: Facility, retired_on: date, acting_user: User) -> Facility:
    return facility_update(facility=facility, acting_user=acting_user,
                           changes={"status": FacilityStatus.RETIRED, "retired_on": retired_on})


def expected_quantities(facility: Facility) -> list[str]:
    """The monthly figures a facility owes, from its active sources."""
    from carbon.inventory import READS

    codes: list[str] = []
    for src in facility.sources.filter(is_active=True):
        if src.code == "ghg.fuel":
            wanted = [f"fuel.{src.fuel}"] if f"fuel.{src.fuel}" in QUANTITIES else []
        elif src.code == "ghg.ch4_post":
            wanted = ["coal.surface" if facility.mining_method == "surface" else "coal.underground"]
        elif src.code == "ghg.ch4_underground":
            wanted = ["ch4.vent", "ch4.drain"]
        elif src.code == "ghg.electricity":
            wanted = ["elec.purchased"]
        elif src.code == "ghg.heat":
            wanted = ["heat.purchased"]
        else:
            wanted = [c for c in READS.get(src.code, ()) if c in QUANTITIES][:2]
        codes += [c for c in wanted if c not in codes]
    return codes


# --- factors --------------------------------------------------------------------------------------


@transaction.atomic
def factor_set_create(*, version: str, name: str, effective_from: date, factors: Iterable[tuple[str, str, str, str, bool]],
                      acting_user: User | None, source: str = "", effective_to: date | None = None,
                      is_demo: bool = False) -> FactorSet:
    """A new version of the factor library (values are never edited in place)."""
    if acting_user is not None and not can_manage(acting_user):
        raise NotAllowed("not_allowed", "只有系统管理员可以发布因子集")
    if FactorSet.objects.filter(version=version).exists():
        raise InvalidInput("duplicate_version", f"版本“{version}”已存在：请使用新的版本号")
    fs = FactorSet.objects.create(version=version, name=name, source=source, effective_from=effective_from,
                                  effective_to=effective_to, is_demo=is_demo, created_by=acting_user)
    Factor.objects.bulk_create([
        Factor(factor_set=fs, code=c, value=Decimal(v), unit=u, source=s, to_verify=tv) for c, v, u, s, tv in factors
    ])
    audit_record(actor=acting_user, action="carbon.factor_set.create", target=fs,
                 data={"version": version, "factors": fs.factors.count()})
    return fs


@transaction.atomic
def factor_set_derive(*, base: FactorSet, version: str, changes: Mapping[str, Decimal], acting_user: User,
                      effective_from: date | None = None, source: str = "") -> FactorSet:
    """A copy of ``base`` with some values changed, as a new version."""
    rows = []
    for f in base.factors.all():
        value = changes.get(f.code, f.value)
        rows.append((f.code, str(value), f.unit, source or f.source if f.code in changes else f.source, f.to_verify))
    unknown = set(changes) - {r[0] for r in rows}
    if unknown:
        raise InvalidInput("unknown_factor", f"因子集中没有：{', '.join(sorted(unknown))}")
    return factor_set_create(version=version, name=base.name, effective_from=effective_from or base.effective_from,
                             effective_to=base.effective_to, factors=rows, acting_user=acting_user,
                             source=source or base.source, is_demo=base.is_demo)


def demo_factor_set(acting_user: User | None = None) -> FactorSet:
    fs = FactorSet.objects.filter(version="demo-2026.1").first()
    if fs is None:
        fs = factor_set_create(
            version="demo-2026.1", name="演示因子集（待核实）", effective_from=date(2015, 1, 1),
            factors=DEMO_FACTORS, acting_user=acting_user, is_demo=True,
            source="../shared/docs/carbon-rules.md §3–4：标注“待核实”的数值来自二手资料",
        )
    return fs


@transaction.atomic
def measured_factor_add(*, facility: Facility, code: str, value: Decimal, month_from: date, month_to: date,
                        evidence: UploadedFile, acting_user: User, unit: str = "", note: str = "") -> MeasuredFactor:
    """A lab's measured factor overriding the default for this facility in [month_from, month_to]."""
    if not can_enter(acting_user, facility):
        raise NotAllowed("not_allowed", "您不能为该设施录入实测因子")
    if not evidence:
        raise InvalidInput("evidence_required", "检测报告：实测因子须附检测报告")
    evidence = checked_evidence(evidence)
    if code not in ghg.FACTOR_CODES:
        raise InvalidInput("unknown_factor", f"因子代码：“{code}”不是可实测的因子")
    if value <= 0:
        raise InvalidInput("invalid_number", "数值：须大于0")
    mf = MeasuredFactor(facility=facility, code=code, value=value, unit=unit, month_from=month_start(month_from),
                        month_to=month_start(month_to), evidence=evidence, note=note, entered_by=acting_user)
    mf.full_clean()
    mf.save()
    audit_record(actor=acting_user, action="carbon.factor.measured", target=mf,
                 data={"facility": facility.unit.code, "code": code, "value": value,
                       "from": mf.month_from, "to": mf.month_to})
    return mf


class FactorBook:
    """The factors that apply to a facility-month: the factor set effective that month, with the
    facility's measured factors for that month on top. Loaded once per computation."""

    def __init__(self, sets: list[FactorSet] | None = None, measured: Iterable[MeasuredFactor] | None = None) -> None:
        if sets is None:
            sets = list(FactorSet.objects.prefetch_related("factors"))
        self.sets = sorted(sets, key=lambda s: (s.effective_from, s.created_at, s.pk))
        self._factors: dict[int, ghg.Factors] = {
            s.pk: ghg.Factors(ghg.Factor(f.code, f.value, f.unit, s.version, f.source) for f in s.factors.all())
            for s in self.sets
        }
        if measured is None:
            measured = MeasuredFactor.objects.all()
        self.measured: dict[int, list[MeasuredFactor]] = defaultdict(list)
        for m in measured:
            self.measured[m.facility_id].append(m)
        self._cache: dict[tuple[int, date], ghg.Factors] = {}

    def versions_used(self) -> list[str]:
        """Versions of the factors handed out so far (sets in force, measured overrides applied)."""
        return sorted(set().union(*(factors.versions() for factors in self._cache.values())))

    def factor_set_for(self, month: date) -> FactorSet:
        chosen = None
        for s in self.sets:  # the latest-starting set in force that month (a newer version wins)
            if s.effective_from <= month and (s.effective_to is None or month <= s.effective_to):
                chosen = s
        if chosen is None:
            raise InvalidState("no_factor_set", f"{month:%Y-%m} 没有生效的因子集，请先发布因子集")
        return chosen

    def for_month(self, facility_id: int, month: date) -> ghg.Factors:
        base_set = self.factor_set_for(month)
        own = [m for m in self.measured.get(facility_id, ()) if m.month_from <= month <= m.month_to]
        key = (facility_id if own else 0, month if own else date.min, base_set.pk)
        cached = self._cache.get(key)  # type: ignore[arg-type]
        if cached is None:
            cached = self._factors[base_set.pk]
            if own:
                cached = cached.overridden(
                    ghg.Factor(m.code, m.value, m.unit, f"measured:{m.pk}", m.note or "实测") for m in own)
            self._cache[key] = cached  # type: ignore[index]
        return cached


# --- activity data ------------------------------------------------------------------------------


def _history(facility: Facility, quantity_codes: Iterable[str], before: date) -> dict[str, list[Decimal]]:
    start = add_months(before, -HISTORY_MONTHS)
    out: dict[str, list[Decimal]] = defaultdict(list)
    for q, v in ActivityRecord.objects.filter(facility=facility, quantity__in=list(quantity_codes), month__gte=start,
                                              month__lt=before).values_list("quantity", "value"):
        out[q].append(v)
    return out


def out_of_range(value: Decimal, history: list[Decimal]) -> tuple[Decimal, Decimal] | None:
    """The facility's usual range (⅓ to 3× its median of the last 12 months) if ``value`` lies
    outside it; None if inside or with fewer than 3 months of history."""
    if len(history) < 3:
        return None
    median = Decimal(statistics.median(history))
    if median <= 0:
        return None
    low, high = median / OUTLIER_RATIO, median * OUTLIER_RATIO
    if value < low or value > high:
        return (low, high)
    return None


@dataclass
class EntryOutcome:
    saved: list[ActivityRecord] = field(default_factory=list)
    outliers: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    value: Decimal
    tier: str = Tier.MEASURED
    evidence: UploadedFile | None = None
    note: str = ""


def _check_month(facility: Facility, month: date, values: Mapping[str, Decimal]) -> None:
    """Run the facility-month through the engine with the default factors: impossible inputs are
    refused before anything is stored (e.g. more gas utilized than drained and vented)."""
    book = FactorBook()
    try:
        inventory.facility_month(_info(facility), values, book.for_month(facility.pk, month))
    except ghg.ActivityError as exc:
        label = QUANTITIES[_field_quantity(exc.field)].label if _field_quantity(exc.field) else exc.field
        raise InvalidInput("impossible_input", f"{label}：{exc.message}", field=exc.field) from None


_FIELD_TO_QUANTITY = {"ch4_vent": "ch4.vent", "ch4_drain": "ch4.drain", "ch4_flared": "ch4.flared",
                      "ch4_utilized": "ch4.util_power", "co2_vent": "co2.vent", "co2_drain": "co2.drain",
                      "co2_flared": "co2.flared", "raw_coal_surface": "coal.surface",
                      "electricity_purchased": "elec.purchased", "electricity_supplied": "elec.supplied",
                      "heat_purchased": "heat.purchased", "heat_supplied": "heat.supplied"}


def _field_quantity(field_name: str) -> str | None:
    if field_name in _FIELD_TO_QUANTITY:
        return _FIELD_TO_QUANTITY[field_name]
    if field_name.startswith("fuel.") and field_name in QUANTITIES:
        return field_name
    return None


def _info(facility: Facility) -> inventory.FacilityInfo:
    return inventory.FacilityInfo(facility.pk, facility.mining_method, FACTOR_CLASS.get(facility.gas_class, "average"))


@transaction.atomic
def activity_save_month(*, facility: Facility, month: date, entries: Mapping[str, Entry], acting_user: User) -> EntryOutcome:
    """Store a facility's figures for one month (new or corrected), flag those outside its history.

    A figure of an approved month that changes loses its approval (it must be approved again)."""
    if not can_enter(acting_user, facility):
        raise NotAllowed("not_allowed", "您不能录入该设施的数据")
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise InvalidInput("future_month", "月份：不能填报未来的月份")
    for code, e in entries.items():
        if code not in QUANTITIES:
            raise InvalidInput("unknown_quantity", f"项目：“{code}”不是活动水平数据项目")
        if e.value < 0:
            raise InvalidInput("negative", f"{QUANTITIES[code].label}：不能为负数", field=code)
        if e.tier not in Tier.values:
            raise InvalidInput("invalid_tier", f"{QUANTITIES[code].label}：数据层级无效", field=code)
    entries = {code: (e if not e.evidence else Entry(e.value, e.tier, checked_evidence(e.evidence), e.note))
               for code, e in entries.items()}
    existing = {r.quantity: r for r in ActivityRecord.objects.select_for_update().filter(facility=facility, month=month)}
    merged = {q: r.value for q, r in existing.items()}
    merged.update({q: e.value for q, e in entries.items()})
    _check_month(facility, month, merged)
    history = _history(facility, entries, month)
    outcome = EntryOutcome()
    changed: dict[str, list[str]] = {}
    for code, e in entries.items():
        rng = out_of_range(e.value, history.get(code, []))
        if rng:
            outcome.outliers[code] = rng
        rec = existing.get(code)
        if rec is None:
            rec = ActivityRecord(facility=facility, month=month, quantity=code, unit=QUANTITIES[code].unit,
                                 entered_by=acting_user)
        elif rec.value == e.value and rec.tier == e.tier and not e.evidence and (e.note or rec.note) == rec.note:
            outcome.saved.append(rec)
            continue
        old = None if rec.pk is None else str(rec.value)
        rec.value, rec.tier, rec.outlier = e.value, e.tier, rng is not None
        rec.note = e.note or rec.note
        if e.evidence:
            rec.evidence = e.evidence
        rec.entered_by, rec.entered_at = acting_user, timezone.now()
        rec.approved_by, rec.approved_at = None, None
        rec.save()
        outcome.saved.append(rec)
        changed[code] = [old, str(e.value)]
    if changed:
        audit_record(actor=acting_user, action="carbon.activity.save", target=facility,
                     data={"month": f"{month:%Y-%m}", "changed": changed, "outliers": sorted(outcome.outliers)})
    return outcome


@transaction.atomic
def activity_approve_month(*, facility: Facility, month: date, acting_user: User) -> int:
    """Approve a facility-month (four eyes: not by the person who entered a figure)."""
    if not can_approve(acting_user, facility):
        raise NotAllowed("not_allowed", "您不能审核该设施的数据")
    rows = list(ActivityRecord.objects.select_for_update().filter(facility=facility, month=month_start(month),
                                                                   approved_at__isnull=True))
    if not rows:
        raise InvalidState("nothing_to_approve", "该月没有待审核的数据")
    if any(r.entered_by_id == acting_user.pk for r in rows):
        raise NotAllowed("four_eyes", "录入人不能审核自己录入的数据")
    unexplained = [QUANTITIES[r.quantity].label for r in rows if r.outlier and not r.note]
    if unexplained:
        raise InvalidState("outlier_unexplained", f"超出历史范围的数据须先填写说明：{'、'.join(map(str, unexplained))}")
    now = timezone.now()
    ActivityRecord.objects.filter(pk__in=[r.pk for r in rows]).update(approved_by=acting_user, approved_at=now)
    audit_record(actor=acting_user, action="carbon.activity.approve", target=facility,
                 data={"month": f"{month:%Y-%m}", "rows": len(rows)})
    return len(rows)


def missing_months(facility: Facility, year: int, today: date | None = None) -> dict[date, list[str]]:
    """Months of ``year`` up to last month with an expected figure absent."""
    today = today or timezone.localdate()
    expected = expected_quantities(facility)
    have: dict[date, set[str]] = defaultdict(set)
    for m, q in ActivityRecord.objects.filter(facility=facility, month__year=year).values_list("month", "quantity"):
        have[m].add(q)
    out: dict[date, list[str]] = {}
    for mo in range(1, 13):
        m = date(year, mo, 1)
        if m >= month_start(today):
            break
        if facility.retired_on and m > facility.retired_on:
            break
        if facility.commissioned_on and add_months(m, 1) <= facility.commissioned_on:
            continue
        gap = [q for q in expected if q not in have[m]]
        if gap:
            out[m] = gap
    return out


# --- inventory runs ---------------------------------------------------------------------------


def load_cells(year: int, facility_ids: Iterable[int] | None = None, *, with_ids: bool = True
               ) -> tuple[dict[tuple[int, date], dict[str, Decimal]], dict[tuple[int, date], dict[str, int]]]:
    """The year's activity figures by facility-month: {(facility, month): {quantity: value}} and the
    row ids. Raw SQL with the value and the month read as text: Django's DecimalField converter
    (float → Decimal → quantize) and the driver's date parsing per row were most of a recomputation;
    each distinct month string is parsed once. ``with_ids=False`` (scenarios) skips the row ids."""
    from django.db import connection

    meta = ActivityRecord._meta
    qn = connection.ops.quote_name
    col = {n: qn(meta.get_field(n).column) for n in ("facility", "month", "quantity", "value")}
    as_text = "CAST({} AS TEXT)" if connection.vendor == "sqlite" else "{}::text"
    sql = (f"SELECT {qn(meta.pk.column)}, {col['facility']}, {as_text.format(col['month'])}, {col['quantity']}, "  # nosec B608
           f"{as_text.format(col['value'])} FROM {qn(meta.db_table)} WHERE {col['month']} >= %s AND {col['month']} < %s")
    params: list = [date(year, 1, 1), date(year + 1, 1, 1)]
    wanted = None if facility_ids is None else set(facility_ids)
    cells: dict[tuple[int, date], dict[str, Decimal]] = {}
    ids: dict[tuple[int, date], dict[str, int]] = {}
    keys: dict[tuple[int, str], tuple[int, date]] = {}
    months: dict[str, date] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10000):
            for pk, fid, month, q, v in batch:
                key = keys.get((fid, month))
                if key is None:
                    if wanted is not None and fid not in wanted:
                        continue
                    m = months.get(month)
                    if m is None:
                        m = months[month] = date.fromisoformat(month[:10])
                    key = keys[(fid, month)] = (fid, m)
                    cells[key] = {}
                    if with_ids:
                        ids[key] = {}
                cells[key][q] = Decimal(v)
                if with_ids:
                    ids[key][q] = pk
    return cells, ids


def compute_year(year: int, facilities: list[Facility] | None = None,
                 book: FactorBook | None = None) -> list[tuple[int, date, ghg.Result]]:
    """Every result of every facility-month of ``year`` from the stored activity rows."""
    import gc

    book = book or FactorBook()
    if facilities is None:
        facilities = list(Facility.objects.all())
    infos = {f.pk: _info(f) for f in facilities}
    # The cyclic GC finds nothing to free here but walks every Decimal of the year on each pass.
    enabled = gc.isenabled()
    gc.disable()
    try:
        cells, ids = load_cells(year, infos)
        return compute_cells(cells, ids, infos, book, facilities)
    finally:
        if enabled:
            gc.enable()


def compute_cells(cells: Mapping[tuple[int, date], Mapping[str, Decimal]], ids: Mapping[tuple[int, date], Mapping[str, int]],
                  infos: Mapping[int, inventory.FacilityInfo], book: FactorBook,
                  facilities: list[Facility]) -> list[tuple[int, date, ghg.Result]]:
    out: list[tuple[int, date, ghg.Result]] = []
    for key in sorted(cells):
        fid, month = key
        if fid not in infos:
            continue
        try:
            results = inventory.facility_month(infos[fid], cells[key], book.for_month(fid, month), ids.get(key))
        except ghg.ActivityError as exc:
            fac = next(f for f in facilities if f.pk == fid)
            raise InvalidInput("impossible_input", f"{fac.unit.name} {month:%Y-%m}：{exc}", field=exc.field) from None
        out.extend([(fid, month, r) for r in results])
    return out


def _stock_latest(cells: Mapping[tuple[int, date], Mapping[str, Decimal]]) -> dict[int, dict[str, Decimal]]:
    """Each facility's year-end value of the stock quantities (the latest month's)."""
    latest: dict[int, dict[str, tuple[date, Decimal]]] = defaultdict(dict)
    for (fid, month), values in cells.items():
        for code in STOCK_QUANTITIES:
            if code in values and (code not in latest[fid] or latest[fid][code][0] < month):
                latest[fid][code] = (month, values[code])
    return {fid: {k: v for k, (_m, v) in per.items()} for fid, per in latest.items()}


class _Json:
    """The stored explanation of a result as JSON text, built by hand: json.dumps of 30,000 small
    dicts was a quarter of a recomputation. The factors part (code, value, version) is the same for
    every result of a formula under one factor book, so it is encoded once per distinct factor tuple.
    Input names are the formulas' own ASCII keys and values are Decimal strings: nothing to escape."""

    def __init__(self) -> None:
        import json

        self._dumps = json.dumps
        self._k: dict[tuple[int, ...], str] = {}

    def __call__(self, r: ghg.Result) -> str:
        key = tuple(map(id, r.factors))
        k = self._k.get(key)
        if k is None:
            k = self._k[key] = self._dumps([[f.code, str(f.value), f.version] for f in r.factors], separators=(",", ":"))
        inputs = ",".join([f'"{name}":"{value}"' for name, value in r.inputs.items()])
        rows = ",".join(map(str, r.rows))
        unburnt = f',"u":"{r.ch4_unburnt}"' if r.ch4_unburnt else ""
        return f'{{"i":{{{inputs}}},"k":{k},"r":[{rows}]{unburnt}}}'


def _digest(cells: Mapping[tuple[int, date], Mapping[str, Decimal]], results: list[tuple[int, date, ghg.Result]],
            gwp_set: str, count_unburnt: bool) -> tuple[dict, list[tuple]]:
    """One pass over the results: the run's totals (ghg.total's figures), the per-facility sums
    stored with it, and the rows to insert (t CO2e worked out once per result)."""
    gwp = ghg.GWP_SETS[gwp_set]
    places = ghg.PLACES
    scope = {1: ZERO, 2: ZERO}
    co2 = ch4 = tce_all = ZERO
    by_code: dict[str, Decimal] = {}
    acc: dict[int, dict] = {}

    def facility(fid: int) -> dict:
        f = acc.get(fid)
        if f is None:
            f = acc[fid] = {"q": defaultdict(Decimal), "c": defaultdict(Decimal), "m": [ZERO] * 12, "s1": ZERO,
                            "s2": ZERO, "ch4": ZERO, "tce": ZERO}
        return f

    for (fid, _month), values in cells.items():
        q = facility(fid)["q"]
        for code, v in values.items():
            q[code] += v
    encode = _Json()
    rows: list[tuple] = []
    append = rows.append
    month_text: dict[date, str] = {}
    for fid, month, r in results:
        mt = month_text.get(month)
        if mt is None:
            mt = month_text[month] = month.isoformat()
        f = facility(fid)
        code = r.code
        if code == "energy.tce":
            f["tce"] += r.tonnes
            tce_all += r.tonnes
            append((fid, mt, code, r.gas, r.scope, str(r.tonnes), "0.000000", encode(r)))
            continue
        extra = r.ch4_unburnt if count_unburnt else ZERO
        is_ch4 = r.gas == "CH4"
        e = (r.tonnes * gwp if is_ch4 else r.tonnes) + (extra * gwp if extra else ZERO)
        scope[r.scope] += e
        by_code[code] = by_code.get(code, ZERO) + e
        f["c"][code] += e
        f["m"][month.month - 1] += e
        f["s1" if r.scope == 1 else "s2"] += e
        if is_ch4:
            ch4 += r.tonnes
            f["ch4"] += r.tonnes
        else:
            co2 += r.tonnes
        if extra:
            ch4 += extra
            f["ch4"] += extra
        append((fid, mt, code, r.gas, r.scope, str(r.tonnes), str(e.quantize(places)), encode(r)))
    stocks = _stock_latest(cells)
    totals = {"co2e": str(scope[1] + scope[2]), "scope1": str(scope[1]), "scope2": str(scope[2]), "co2_t": str(co2),
              "ch4_t": str(ch4), "tce": str(tce_all), "by_code": {k: str(v) for k, v in by_code.items()}}
    totals["facilities"] = {
        str(fid): {"q": {k: str(v) for k, v in f["q"].items()}, "c": {k: str(v) for k, v in f["c"].items()},
                   "m": [str(x) for x in f["m"]], "s1": str(f["s1"]), "s2": str(f["s2"]), "ch4": str(f["ch4"]),
                   "tce": str(f["tce"]), "k": {k: str(v) for k, v in stocks.get(fid, {}).items()}}
        for fid, f in acc.items()}
    return totals, rows


def _ccus_results(year: int, facility_ids, method: str) -> list[tuple[int, date, ghg.Result]]:
    """ghg.ccus per facility-month under a methodology that subtracts CCUS (none under the memo default)."""
    if method == CcusMethod.MEMO:
        return []
    acc: dict[tuple[int, date], list[Decimal]] = {}
    for fid, month, stored, utilized in (CcusMonth.objects.filter(month__year=year, project__facility_id__in=list(facility_ids))
                                         .values_list("project__facility_id", "month", "stored", "utilized")):
        cell = acc.setdefault((fid, month), [ZERO, ZERO])
        cell[0] += stored
        cell[1] += utilized
    out = []
    for (fid, month), (stored, utilized) in sorted(acc.items()):
        r = ghg.ccus_deduction(stored, utilized, method)
        if r.tonnes:
            out.append((fid, month, r))
    return out


def _validate_run_options(acting_user: User | None, gwp_set: str, ccus_method: str) -> None:
    if acting_user is not None and not can_manage(acting_user):
        raise NotAllowed("not_allowed", "只有系统管理员可以重新核算")
    if gwp_set not in ghg.GWP_SETS:
        raise InvalidInput("invalid_gwp", f"GWP取值：未知的取值集“{gwp_set}”", field="gwp_set")
    if ccus_method not in CcusMethod.values:
        raise InvalidInput("invalid_ccus_method", f"CCUS处理方法：未知的方法“{ccus_method}”", field="ccus_method")


def inventory_recompute(*, year: int, acting_user: User | None, gwp_set: str = "SAR", reason: str = "",
                        count_unburnt_ch4: bool = False, ccus_method: str = CcusMethod.MEMO,
                        job_id=None, progress=None) -> InventoryRun:
    """Compute the group's inventory for ``year`` as a new version. Earlier versions (locked or not)
    stay exactly as they were; compare them with ``run_diff``.

    Methodology choices are stored on the run: ``count_unburnt_ch4`` (flaring's unburnt CH4 joins the
    CH4) and ``ccus_method`` (memo item, or subtract stored / stored + utilized CO2). ``job_id`` makes
    the call idempotent: a second call for the same background job returns the run it made."""
    _validate_run_options(acting_user, gwp_set, ccus_method)
    if job_id is not None:
        done = InventoryRun.objects.filter(job_id=job_id).first()
        if done is not None:
            return done
    import gc

    def step(n: int, text: str) -> None:
        if progress is not None:
            progress(n, 4, text)

    facilities = list(Facility.objects.select_related("unit"))
    infos = {f.pk: _info(f) for f in facilities}
    # The cyclic GC finds nothing to free here but walks every Decimal and dict of the year on each
    # pass (a third of a recomputation when it was left on for the writes).
    enabled = gc.isenabled()
    gc.disable()
    try:
        step(0, "读取活动水平数据")
        cells, ids = load_cells(year, infos)
        book = FactorBook()
        step(1, "逐设施逐月计算")
        results = compute_cells(cells, ids, infos, book, facilities)
        results += _ccus_results(year, infos, ccus_method)
        step(2, "汇总")
        totals, rows = _digest(cells, results, gwp_set, count_unburnt_ch4)
        del cells, ids, results
        step(3, "保存结果")
        # only the writes in the transaction: the progress above is visible on the job page meanwhile
        with transaction.atomic():
            if job_id is not None:
                done = InventoryRun.objects.select_for_update().filter(job_id=job_id).first()
                if done is not None:
                    return done
            last = InventoryRun.objects.select_for_update().filter(year=year).order_by("-version").first()
            run = InventoryRun.objects.create(
                year=year, version=(last.version + 1) if last else 1, gwp_set=gwp_set,
                count_unburnt_ch4=count_unburnt_ch4, ccus_method=ccus_method, job_id=job_id,
                factor_versions=book.versions_used(), totals=totals, reason=reason, created_by=acting_user,
            )
            _store_results(run, rows)
            audit_record(actor=acting_user, action="carbon.inventory.recompute", target=run,
                         data={"year": year, "version": run.version, "gwp": gwp_set, "results": len(rows),
                               "co2e": run.totals["co2e"], "reason": reason, "count_unburnt_ch4": count_unburnt_ch4,
                               "ccus_method": ccus_method, "job": str(job_id) if job_id else None})
    finally:
        if enabled:
            gc.enable()
    step(4, f"已生成{year}年第{run.version}版核算结果")
    return run


RECOMPUTE_JOB = "carbon.recompute"


def inventory_recompute_start(*, year: int, acting_user: User, gwp_set: str = "SAR", reason: str = "",
                              count_unburnt_ch4: bool = False, ccus_method: str = CcusMethod.MEMO):
    """Queue a recomputation as a background job (core.jobs; progress at /jobs/<uuid>/). The same
    request while an identical one is queued or running returns that job instead of a second one."""
    from core.jobs import job_start
    from core.models import BackgroundJob

    _validate_run_options(acting_user, gwp_set, ccus_method)
    if not 1990 <= int(year) <= 2100:
        raise InvalidInput("invalid_year", "年度无效", field="year")
    params = {"year": int(year), "gwp_set": gwp_set, "reason": reason[:200], "count_unburnt_ch4": bool(count_unburnt_ch4),
              "ccus_method": ccus_method}
    pending = BackgroundJob.objects.filter(kind=RECOMPUTE_JOB, owner=acting_user,
                                           status__in=[BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING])
    for job in pending:
        if job.params == params:
            return job
    return job_start(kind=RECOMPUTE_JOB, title=f"重新核算{year}年温室气体排放", owner=acting_user, params=params)


def _recompute_job(ctx):
    """The body of the background job: the same service as the synchronous call, keyed by the job."""
    from core.jobs import JobOutput

    p = ctx.job.params
    user = ctx.job.owner
    user.forget_roles()  # roles as they are now, not when the job was queued
    run = inventory_recompute(year=p["year"], acting_user=user, gwp_set=p["gwp_set"], reason=p.get("reason", ""),
                              count_unburnt_ch4=p.get("count_unburnt_ch4", False),
                              ccus_method=p.get("ccus_method", CcusMethod.MEMO), job_id=ctx.job.public_id,
                              progress=ctx.progress)
    return JobOutput(summary={"run": run.pk, "year": run.year, "version": run.version, "co2e": run.totals["co2e"]})


def _register_jobs() -> None:
    from core.jobs import register_job

    # Idempotent: keyed by the job, a run again returns the version it made (or makes it, in one
    # transaction, if the worker died before its commit): the stale-job reclaim queues it again.
    register_job(RECOMPUTE_JOB, idempotent=True)(_recompute_job)


_register_jobs()


def _store_results(run: InventoryRun, rows: list[tuple]) -> None:
    """One multi-row INSERT per batch (executemany): the ORM's bulk_create spent most of a group
    recomputation preparing 30,000+ model instances (multi-row VALUES statements were measured no
    faster on SQLite). Columns come from the model's metadata."""
    from django.db import connection

    meta = InventoryResult._meta
    names = ["run", "facility", "month", "code", "gas", "scope", "tonnes", "co2e", "explanation"]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(meta.get_field(n).column) for n in names)
    marks = ", ".join(["%s"] * (len(names) - 1) + ["%s::jsonb" if connection.vendor == "postgresql" else "%s"])
    sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({marks})"  # nosec B608
    pk = run.pk
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            # PostgreSQL: COPY (psycopg 3) — executemany was 2.3 of a 5 s recomputation at 28,800 rows
            with raw.copy(f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN") as copy:  # nosec B608
                for row in rows:
                    copy.write_row((pk, *row))
            return
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, [(pk, *row) for row in rows[i:i + 5000]])


@dataclass(frozen=True)
class DiffRow:
    facility_id: int
    facility: str
    code: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


def run_diff(old: InventoryRun, new: InventoryRun) -> list[DiffRow]:
    """Side by side: every facility × formula whose yearly t CO2e differs between two versions."""
    from django.db.models import Sum

    def sums(run: InventoryRun) -> dict[tuple[int, str], Decimal]:
        return {(f, c): v for f, c, v in run.results.values("facility_id", "code").annotate(t=Sum("co2e"))
                .values_list("facility_id", "code", "t")}

    a, b = sums(old), sums(new)
    names = dict(Facility.objects.values_list("pk", "unit__name"))
    rows = [DiffRow(f, names.get(f, str(f)), c, a.get((f, c), ZERO), b.get((f, c), ZERO))
            for f, c in sorted(set(a) | set(b)) if a.get((f, c), ZERO) != b.get((f, c), ZERO)]
    return rows


def current_run(year: int) -> InventoryRun | None:
    return InventoryRun.objects.filter(year=year).order_by("-version").first()


# --- CCUS ----------------------------------------------------------------------------------------


@transaction.atomic
def ccus_month_save(*, project: CcusProject, month: date, captured: Decimal, utilized: Decimal, stored: Decimal,
                    released: Decimal, in_stock: Decimal, acting_user: User, product_output: str = "",
                    evidence: UploadedFile | None = None) -> CcusMonth:
    """One month of a CCUS chain; it must balance (utilized + stored + released + in stock = captured).
    ``evidence`` (meter readings, weighbridge tickets, a lab report) is checked by its content; a
    month saved again without a file keeps the one it had."""
    if not can_enter(acting_user, project.facility):
        raise NotAllowed("not_allowed", "您不能录入该项目的数据")
    row = CcusMonth.objects.select_for_update().filter(project=project, month=month_start(month)).first()
    row = row or CcusMonth(project=project, month=month_start(month), entered_by=acting_user)
    row.captured, row.utilized, row.stored, row.released, row.in_stock = captured, utilized, stored, released, in_stock
    row.product_output, row.entered_by = product_output, acting_user
    stored_file = checked_evidence(evidence)
    try:
        row.full_clean(exclude=["project", "entered_by", "evidence"])
    except ValidationError as exc:
        name, msgs = next(iter(exc.message_dict.items()))
        raise InvalidInput("ccus_unbalanced" if name == "captured" else "invalid_number", f"{name}：{msgs[0]}",
                           field=name) from None
    if stored_file is not None:
        row.evidence = stored_file
    row.save()
    audit_record(actor=acting_user, action="carbon.ccus.month", target=project,
                 data={"month": f"{month:%Y-%m}", "captured": captured, "utilized": utilized, "stored": stored,
                       "released": released, "in_stock": in_stock, "evidence": bool(stored_file)})
    return row


# --- targets --------------------------------------------------------------------------------------


@transaction.atomic
def target_set(*, unit: Unit, year: int, indicator: str, value: Decimal, acting_user: User) -> Target:
    if not can_manage(acting_user):
        raise NotAllowed("not_allowed", "只有系统管理员可以设定目标")
    target, _ = Target.objects.update_or_create(unit=unit, year=year, indicator=indicator,
                                                defaults={"value": value, "created_by": acting_user})
    audit_record(actor=acting_user, action="carbon.target.set", target=target,
                 data={"unit": unit.code, "year": year, "indicator": indicator, "value": value})
    return target


# --- reports ------------------------------------------------------------------------------------


def _notify(users, text: str) -> None:
    """The platform's notifications (in-app, e-mail, SMS), queued on commit."""
    from petitions.notify import notify_user

    for user in {u.pk: u for u in users if u is not None}.values():
        notify_user(user, None, text)


def _verifiers(entity: Unit) -> list[User]:
    from carbon.models import Verifier

    return [v.user for v in Verifier.objects.select_related("user", "unit") if entity.is_within(v.unit)]


def _report_locked(report: Report) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    return report


@transaction.atomic
def report_create(*, entity: Unit, year: int, acting_user: User, run: InventoryRun | None = None,
                  uncertainty_notes: str = "") -> Report:
    if not can_prepare_report(acting_user, entity):
        raise NotAllowed("not_allowed", "您不能编制该单位的报告")
    run = run or current_run(year)
    if run is None or run.year != year:
        raise InvalidState("no_run", f"{year}年尚无核算结果，请先核算")
    open_report = Report.objects.filter(entity=entity, year=year).exclude(state=ReportState.VERIFIED).first()
    if open_report:
        raise InvalidState("report_open", f"{entity.name} {year}年已有未完成的报告（第{open_report.version}版）")
    last = Report.objects.filter(entity=entity, year=year).order_by("-version").first()
    report = Report.objects.create(entity=entity, year=year, run=run, version=(last.version + 1) if last else 1,
                                   previous=last, uncertainty_notes=uncertainty_notes, created_by=acting_user)
    audit_record(actor=acting_user, action="carbon.report.create", target=report,
                 data={"version": report.version, "run": run.version, "previous": last.pk if last else None})
    return report


@transaction.atomic
def report_submit(*, report: Report, acting_user: User) -> Report:
    report = _report_locked(report)
    if not can_prepare_report(acting_user, report.entity):
        raise NotAllowed("not_allowed", "您不能提交该报告")
    if report.state not in (ReportState.DRAFT, ReportState.CORRECTED):
        raise InvalidState("invalid_state", "只有草稿或已整改的报告可以提交")
    if report.state == ReportState.CORRECTED and report.findings.filter(resolved_at__isnull=True).exists():
        raise InvalidState("findings_open", "仍有未整改的核查发现")
    from carbon.selectors import entity_flags

    flags = entity_flags(report.entity, report.year)
    if flags:
        raise InvalidState("flags_open", "提交前须处理：" + "；".join(flags[:5]))
    old = report.state
    report.state = ReportState.SUBMITTED
    report.save(update_fields=["state"])
    audit_record(actor=acting_user, action="carbon.report.submit", target=report, data={"from": old})
    _notify(_verifiers(report.entity), f"{report.entity.name}{report.year}年度排放报告（第{report.version}版）已提交核查")
    return report


@transaction.atomic
def report_add_finding(*, report: Report, text: str, acting_user: User) -> ReportFinding:
    report = _report_locked(report)
    if not can_verify(acting_user, report.entity):
        raise NotAllowed("not_allowed", "只有核查员可以提出核查发现")
    if report.state not in (ReportState.SUBMITTED, ReportState.FINDINGS):
        raise InvalidState("invalid_state", "只能对已提交的报告提出核查发现")
    if not text.strip():
        raise InvalidInput("required", "核查发现：必填")
    finding = ReportFinding.objects.create(report=report, text=text.strip(), raised_by=acting_user)
    old = report.state
    report.state = ReportState.FINDINGS
    report.save(update_fields=["state"])
    audit_record(actor=acting_user, action="carbon.report.finding", target=report, data={"from": old, "finding": text})
    _notify([report.created_by], f"{report.entity.name}{report.year}年度排放报告有核查发现：{text.strip()[:60]}")
    return finding


@transaction.atomic
def report_correct(*, report: Report, responses: Mapping[int, str], acting_user: User,
                   run: InventoryRun | None = None) -> Report:
    """Answer every finding (and optionally move the report onto a recomputed run)."""
    report = _report_locked(report)
    if not can_prepare_report(acting_user, report.entity):
        raise NotAllowed("not_allowed", "您不能整改该报告")
    if report.state != ReportState.FINDINGS:
        raise InvalidState("invalid_state", "只有存在核查发现的报告可以整改")
    now = timezone.now()
    for finding in report.findings.filter(resolved_at__isnull=True):
        text = (responses.get(finding.pk) or "").strip()
        if not text:
            raise InvalidInput("required", f"整改说明：请回复核查发现“{finding.text[:20]}”", field=f"finding_{finding.pk}")
        finding.response, finding.resolved_at = text, now
        finding.save(update_fields=["response", "resolved_at"])
    if run is not None:
        if run.year != report.year:
            raise InvalidInput("invalid_run", "核算版本：年度不符")
        report.run = run
    report.state = ReportState.CORRECTED
    report.save(update_fields=["state", "run"])
    audit_record(actor=acting_user, action="carbon.report.correct", target=report,
                 data={"responses": {str(k): v for k, v in responses.items()}, "run": report.run.version})
    _notify(_verifiers(report.entity), f"{report.entity.name}{report.year}年度排放报告已整改，请复核")
    return report


@transaction.atomic
def report_verify(*, report: Report, acting_user: User) -> Report:
    """The verifier's verdict: the report and its inventory run are locked for good."""
    report = _report_locked(report)
    if not can_verify(acting_user, report.entity):
        raise NotAllowed("not_allowed", "只有核查员可以核查通过")
    if report.state not in (ReportState.SUBMITTED, ReportState.CORRECTED):
        raise InvalidState("invalid_state", "只有已提交或已整改的报告可以核查通过")
    if report.findings.filter(resolved_at__isnull=True).exists():
        raise InvalidState("findings_open", "仍有未整改的核查发现")
    report.state, report.verified_by, report.verified_at = ReportState.VERIFIED, acting_user, timezone.now()
    report.save(update_fields=["state", "verified_by", "verified_at"])
    InventoryRun.objects.filter(pk=report.run_id).update(locked=True)
    audit_record(actor=acting_user, action="carbon.report.verify", target=report,
                 data={"run": report.run.version, "co2e": report.run.totals.get("co2e")})
    _notify([report.created_by], f"{report.entity.name}{report.year}年度排放报告已核查通过并锁定")
    return report


# --- scenarios ---------------------------------------------------------------------------------


@transaction.atomic
def scenario_save(*, name: str, scope_unit: Unit, year: int, params: dict, acting_user: User) -> Scenario:
    from carbon.scenarios import ScenarioParams, run_scenario

    if not can_prepare_report(acting_user, scope_unit):
        raise NotAllowed("not_allowed", "您不能为该单位建立情景")
    if not name.strip():
        raise InvalidInput("required", "情景名称：必填")
    p = ScenarioParams.from_dict(params)
    outcome = run_scenario(scope_unit, year, p)
    sc = Scenario.objects.create(name=name.strip(), scope_unit=scope_unit, year=year, params=p.to_dict(),
                                 outcome=outcome, created_by=acting_user)
    audit_record(actor=acting_user, action="carbon.scenario.save", target=sc, data={"params": p.to_dict()})
    return sc
