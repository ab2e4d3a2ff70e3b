"""Imports into the activity register: the safety monitoring system's daily gas totals (CSV) and the
usual monthly Excel form. Every row is checked first; any error → nothing is stored, and every
error is reported with its row and column."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

from carbon.choices import QUANTITIES, Tier
from carbon.models import Facility
from carbon.scoping import can_enter
from carbon.services import Entry, activity_save_month, parse_decimal, parse_month
from core.errors import DomainError, InvalidInput
from orgs.models import User
from tongxin.lib import ghg

MAX_ROWS = 50_000
GAS_HEADERS = {
    "date": ("日期", "date"), "facility": ("单位代码", "facility"), "kind": ("类型", "kind"),
    "volume": ("混合量(m³)", "混合量", "volume_m3"), "pct": ("浓度(%)", "浓度", "ch4_pct"),
    "temp": ("温度(℃)", "温度", "temperature_c"), "pressure": ("压力(kPa)", "压力", "pressure_kpa"),
}
GAS_KINDS = {"风排": "ch4.vent", "vent": "ch4.vent", "抽采": "ch4.drain", "drain": "ch4.drain"}
FORM_HEADERS = {
    "facility": ("单位代码", "facility"), "month": ("月份", "month"), "quantity": ("项目", "项目代码", "quantity"),
    "value": ("数值", "value"), "tier": ("数据层级", "tier"), "note": ("说明", "note"),
}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    saved: int = 0
    months: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _columns(header: list[str], spec: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> dict[str, int]:
    cleaned = [str(h or "").strip() for h in header]
    cols: dict[str, int] = {}
    for key, names in spec.items():
        for i, h in enumerate(cleaned):
            if h in names or h.lower() in names:
                cols[key] = i
                break
    missing = [spec[k][0] for k in required if k not in cols]
    if missing:
        raise InvalidInput("missing_columns", f"缺少列：{'、'.join(missing)}")
    return cols


def _facility(code: str, user: User, cache: dict[str, Facility | None]) -> Facility:
    key = str(code or "").strip().upper()
    if key not in cache:
        cache[key] = Facility.objects.select_related("unit").filter(unit__code=key).first()
    fac = cache[key]
    if fac is None:
        raise InvalidInput("unknown_facility", f"没有代码为“{key}”的核算设施")
    if not can_enter(user, fac):
        raise InvalidInput("not_allowed", f"您不能录入“{fac.unit.name}”的数据")
    return fac


def _store(grouped: dict[tuple[int, date], dict[str, Entry]], facilities: dict[int, Facility], user: User,
           result: ImportResult, row_of: dict[tuple[int, date], int]) -> None:
    """All facility-months in one transaction: one refusal rolls every one of them back."""
    if result.errors:
        return
    try:
        with transaction.atomic():
            for (fid, month), entries in sorted(grouped.items()):
                try:
                    activity_save_month(facility=facilities[fid], month=month, entries=entries, acting_user=user)
                except DomainError as exc:
                    result.errors.append(RowError(row_of[(fid, month)], str(exc.details.get("field", "")),
                                                  f"{facilities[fid].unit.code} {month:%Y-%m}：{exc.message}"))
                result.saved += len(entries)
                result.months += 1
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.saved = result.months = 0


class _Rollback(Exception):
    pass


def import_gas_csv(data: bytes, *, acting_user: User) -> ImportResult:
    """Daily totals (one row per day × return shaft or pump station) → monthly pure CH4 (10⁴ Nm³)."""
    result = ImportResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidInput("bad_encoding", "文件不是UTF-8或GB18030编码的CSV") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise InvalidInput("empty_file", "文件为空")
    cols = _columns(header, GAS_HEADERS, ("date", "facility", "kind", "volume", "pct"))
    sums: dict[tuple[int, date, str], Decimal] = defaultdict(Decimal)
    first_row: dict[tuple[int, date], int] = {}
    facilities: dict[int, Facility] = {}
    cache: dict[str, Facility | None] = {}
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise InvalidInput("too_many_rows", f"一次最多导入{MAX_ROWS}行")

        def cell(key: str, row=row) -> str:
            i = cols.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        try:
            fac = _facility(cell("facility"), acting_user, cache)
        except InvalidInput as exc:
            result.errors.append(RowError(n, header[cols["facility"]], exc.message))
            continue
        try:
            day = date.fromisoformat(cell("date").replace("/", "-"))
        except ValueError:
            result.errors.append(RowError(n, header[cols["date"]], f"“{cell('date')}”不是有效的日期（如 2025-03-01）"))
            continue
        kind = GAS_KINDS.get(cell("kind").lower())
        if kind is None:
            result.errors.append(RowError(n, header[cols["kind"]], f"“{cell('kind')}”应为“风排”或“抽采”"))
            continue
        try:
            volume = parse_decimal(cell("volume"), header[cols["volume"]])
            pct = parse_decimal(cell("pct"), header[cols["pct"]])
            temp = parse_decimal(cell("temp"), "温度") if cell("temp") else None
            pressure = parse_decimal(cell("pressure"), "压力") if cell("pressure") else None
            pure = ghg.pure_volume(volume, pct, temperature_c=temp, pressure_kpa=pressure)
        except InvalidInput as exc:
            result.errors.append(RowError(n, "", exc.message))
            continue
        except ghg.ActivityError as exc:
            result.errors.append(RowError(n, exc.field, exc.message))
            continue
        month = day.replace(day=1)
        facilities[fac.pk] = fac
        sums[(fac.pk, month, kind)] += pure
        first_row.setdefault((fac.pk, month), n)
    grouped: dict[tuple[int, date], dict[str, Entry]] = defaultdict(dict)
    for (fid, month, kind), v in sums.items():
        grouped[(fid, month)][kind] = Entry(v.quantize(Decimal("0.000001")), Tier.MEASURED,
                                            note="安全监控系统日累计导入")
    _store(grouped, facilities, acting_user, result, first_row)
    return result


def import_form_xlsx(data: bytes, *, acting_user: User) -> ImportResult:
    """The monthly form: one row per facility × month × item (code or label) × value."""
    from openpyxl import load_workbook

    result = ImportResult()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a file that is not .xlsx
        raise InvalidInput("bad_file", "文件不是有效的Excel（.xlsx）文件") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h or "") for h in next(rows, ())]
    if not header:
        raise InvalidInput("empty_file", "文件为空")
    cols = _columns(header, FORM_HEADERS, ("facility", "month", "quantity", "value"))
    by_label = {str(q.label): q.code for q in QUANTITIES.values()}
    tiers = {**{t.value: t.value for t in Tier}, **{str(t.label): t.value for t in Tier}}
    grouped: dict[tuple[int, date], dict[str, Entry]] = defaultdict(dict)
    first_row: dict[tuple[int, date], int] = {}
    facilities: dict[int, Facility] = {}
    cache: dict[str, Facility | None] = {}
    for n, raw in enumerate(rows, start=2):
        if not raw or not any(c not in (None, "") for c in raw):
            continue
        result.rows += 1
        if result.rows > MAX_ROWS:
            raise InvalidInput("too_many_rows", f"一次最多导入{MAX_ROWS}行")

        def cell(key: str, raw=raw):
            i = cols.get(key)
            return raw[i] if i is not None and i < len(raw) else None

        try:
            fac = _facility(str(cell("facility") or ""), acting_user, cache)
            m = cell("month")
            month = m.date().replace(day=1) if hasattr(m, "date") else parse_month(str(m or ""), header[cols["month"]])
            qraw = str(cell("quantity") or "").strip()
            code = qraw if qraw in QUANTITIES else by_label.get(qraw)
            if code is None:
                raise InvalidInput("unknown_quantity", f"{header[cols['quantity']]}：“{qraw}”不是活动水平数据项目")
            value = parse_decimal(cell("value"), header[cols["value"]])
            if value < 0:
                raise InvalidInput("negative", f"{header[cols['value']]}：不能为负数")
            tier = tiers.get(str(cell("tier") or "measured").strip())
            if tier is None:
                raise InvalidInput("invalid_tier", f"数据层级：“{cell('tier')}”无效（实测/计算/缺省）")
        except InvalidInput as exc:
            result.errors.append(RowError(n, "", exc.message))
            continue
        key = (fac.pk, month)
        if code in grouped[key]:
            result.errors.append(RowError(n, header[cols["quantity"]], f"与前面的行重复：{fac.unit.code} {month:%Y-%m} {qraw}"))
            continue
        facilities[fac.pk] = fac
        grouped[key][code] = Entry(value, tier, note=str(cell("note") or "")[:200])
        first_row.setdefault(key, n)
    _store(grouped, facilities, acting_user, result, first_row)
    return result
