"""The lists behind the numbers (drill-downs), with their columns declared once for the page
table and the .xlsx export (STYLE pattern 13).

A drill-down is a metric, a part (numerator or denominator), a period, the page's filters and
the cell (a unit bucket): its rows come from ``insights.kpi.fact_rows`` — the same function
pieces that count the fact — read as plain dicts through ``.values()`` (no model instances, so
an export of 100,000 rows streams)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any

from django.db.models import Case, CharField, Exists, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from insights.kpi import _ROWS_OF, FACT_FAMILY, Cell, Dim, Family, Filters, UnitMap, fact_rows
from orgs.models import SEGMENT, Unit, User
from petitions.choices import Category, Channel, Flag, PetitionType, Rating, ReviewLevel, RiskLevel, State
from petitions.models import Review
from tongxin.lib.kpi import Metric, MetricKind, Window
from tongxin.lib.periods import SHANGHAI, last_day_of, local_date

# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """A column of a table: its header and how to read the value from a row dict. A string
    accessor is a row key; a callable reads the keys listed in ``keys``."""

    header: str
    accessor: str | Callable[[Mapping[str, Any]], Any]
    keys: tuple[str, ...] = ()
    kind: str = "text"  # text | date | int | float | bool — the page and the sheet format by it
    width: int = 12  # characters, for the sheet
    # A coded value shown by its label (TextChoices); ``many``: a list of codes.
    choices: Any = None
    many: bool = False

    def value(self, row: Mapping[str, Any]) -> Any:
        return self.reader()(row)

    def reader(self) -> Callable[[Any], Any]:
        """A function row → value, with the labels of coded values translated once (an export
        calls it once per column, not a translation per cell)."""
        if self.choices is not None:
            labels = {code: str(label) for code, label in self.choices.choices}
            key = self.accessor
            if self.many:
                return lambda row: "、".join(labels.get(c, c) for c in (row[key] or []))
            return lambda row: labels.get(row[key], row[key] or "")
        if isinstance(self.accessor, str):
            key = self.accessor
            return lambda row: row.get(key) if isinstance(row, dict) else getattr(row, key)
        return self.accessor

    @property
    def needs(self) -> tuple[str, ...]:
        return (self.accessor,) if isinstance(self.accessor, str) else self.keys


def needed_keys(columns: Sequence[Column]) -> list[str]:
    keys: list[str] = ["public_id"]
    for c in columns:
        for k in c.needs:
            if k not in keys:
                keys.append(k)
    return keys


def _day(value: datetime | None) -> date | None:
    return value.astimezone(SHANGHAI).date() if value else None


def _last_day(value: datetime | None) -> date | None:
    return last_day_of(value) if value else None


def _days_between(later: datetime | None, earlier: datetime | None) -> float | None:
    if not later or not earlier:
        return None
    return round((later - earlier).total_seconds() / 86400, 1)


# Row keys → the petition's lookups (on PetitionEvent rows they are read through petition__).
PETITION_KEYS = {
    "public_id": "public_id",
    "number": "number",
    "title": "title",
    "category": "category",
    "ptype": "ptype",
    "channel": "channel",
    "state": "state",
    "risk_level": "risk_level",
    "flags": "flags",
    "people_count": "people_count",
    "received_at": "received_at",
    "unit_name": "unit__name",
    "handling_unit_name": "handling_unit__name",
    "handler_name": "handler__name",
    "acceptance_due_at": "acceptance_due_at",
    "accepted_at": "accepted_at",
    "handling_due_at": "handling_due_at",
    "extension_count": "extension_count",
    "replied_at": "replied_at",
    "rating": "rating",
    "due_at": "due_at",
}

NUMBER = Column(_("信访编号"), "number", width=16)
TITLE = Column(_("标题"), "title", width=30)
CATEGORY = Column(_("内容分类"), "category", choices=Category)
PTYPE = Column(_("性质"), "ptype", width=8, choices=PetitionType)
CHANNEL = Column(_("渠道"), "channel", width=8, choices=Channel)
STATE = Column(_("状态"), "state", width=10, choices=State)
UNIT = Column(_("受理单位"), "unit_name", width=14)
HANDLING_UNIT = Column(_("承办单位"), lambda r: r["handling_unit_name"] or "", ("handling_unit_name",), width=14)
HANDLER = Column(_("承办人"), lambda r: r["handler_name"] or "", ("handler_name",), width=8)
RECEIVED = Column(_("收到日期"), lambda r: _day(r["received_at"]), ("received_at",), kind="date")
ACCEPTED = Column(_("受理日期"), lambda r: _day(r["accepted_at"]), ("accepted_at",), kind="date")
REPLIED = Column(_("答复日期"), lambda r: _day(r["replied_at"]), ("replied_at",), kind="date")


def _on_time(done: datetime | None, due: datetime | None) -> bool | None:
    if due is None:
        return None
    return done is not None and done < due


_DECISIONS = {"accepted": _("受理"), "declined": _("不予受理"), "forwarded": _("转送"), "pending": _("未决定")}

ACCEPTANCE_COLUMNS = [
    NUMBER, TITLE,
    Column(_("决定单位"), "decision_unit", width=14),
    RECEIVED,
    Column(_("受理告知期限（最后一日）"), lambda r: _last_day(r["decision_due"]), ("decision_due",), kind="date", width=14),
    Column(_("决定"), lambda r: _DECISIONS.get(r["decision_kind"], ""), ("decision_kind",), width=8),
    Column(_("决定日期"), lambda r: _day(r["decision_at"]), ("decision_at",), kind="date"),
    Column(_("按期"), lambda r: _on_time(r["decision_at"], r["decision_due"]), ("decision_at", "decision_due"), kind="bool", width=6),
    CATEGORY, CHANNEL, STATE,
]
HANDLING_COLUMNS = [
    NUMBER, TITLE, HANDLING_UNIT, HANDLER, ACCEPTED,
    Column(_("办理期限（最后一日，含延期）"), lambda r: _last_day(r["handling_due_at"]), ("handling_due_at",), kind="date", width=14),
    Column(_("延期"), "extension_count", kind="int", width=6),
    REPLIED,
    Column(_("按期"), lambda r: _on_time(r["replied_at"], r["handling_due_at"]), ("replied_at", "handling_due_at"), kind="bool", width=6),
    CATEGORY, STATE,
]
REPLY_COLUMNS = [
    NUMBER, TITLE, HANDLING_UNIT, HANDLER, ACCEPTED, REPLIED,
    Column(_("办理用时（日）"), lambda r: _days_between(r["replied_at"], r["accepted_at"]), ("replied_at", "accepted_at"), kind="float", width=8),
    Column(_("评价"), "rating", width=8, choices=Rating),
    Column(_("复查"), "reviewed", kind="bool", width=6),
    Column(_("复核"), "rereviewed", kind="bool", width=6),
    CATEGORY, STATE,
]
ACCEPTED_COLUMNS = [
    NUMBER, TITLE, UNIT, RECEIVED, ACCEPTED,
    Column(_("受理用时（日）"), lambda r: _days_between(r["accepted_at"], r["received_at"]), ("accepted_at", "received_at"), kind="float", width=8),
    CATEGORY, CHANNEL, STATE,
]
RECEIVED_COLUMNS = [
    NUMBER, TITLE, RECEIVED, UNIT, CATEGORY, PTYPE, CHANNEL,
    Column(_("人数"), "people_count", kind="int", width=6),
    Column(_("标记"), "flags", width=14, choices=Flag, many=True),
    STATE,
]


def _overdue_days(r: Mapping[str, Any], now: datetime) -> int | None:
    if not r["due_at"] or r["due_at"] > now:
        return None
    return (local_date(now) - last_day_of(r["due_at"])).days


SNAPSHOT_COLUMNS = [
    NUMBER, TITLE, UNIT, HANDLING_UNIT, HANDLER,
    Column(_("当前期限（最后一日）"), lambda r: _last_day(r["due_at"]), ("due_at",), kind="date", width=14),
    Column(_("超期（日）"), lambda r: _overdue_days(r, timezone.now()), ("due_at",), kind="int", width=8),
    Column(_("风险"), "risk_level", width=6, choices=RiskLevel),
    CATEGORY, STATE,
]

# Per family: the columns, the row keys computed there, and the order of the rows.
_REVIEWED = Exists(Review.objects.filter(petition=OuterRef("pk"), level=ReviewLevel.REVIEW))
_REREVIEWED = Exists(Review.objects.filter(petition=OuterRef("pk"), level=ReviewLevel.REREVIEW))


def _acceptance_extra() -> dict[str, Any]:
    return {
        "decision_unit": F("unit__name"),
        "decision_due": F("acceptance_due_at"),
        "decision_at": Coalesce(F("accepted_at"), Case(When(state=State.NOT_ACCEPTED, then=F("closed_at")))),
        "decision_kind": Case(
            When(accepted_at__isnull=False, then=Value("accepted")),
            When(state=State.NOT_ACCEPTED, then=Value("declined")),
            default=Value("pending"), output_field=CharField(),
        ),
    }


def _forward_extra() -> dict[str, Any]:
    return {
        "decision_unit": Subquery(Unit.objects.filter(code=KeyTextTransform("from_unit", OuterRef("data"))).values("name")[:1]),
        "decision_due": F("_due"),
        "decision_at": F("at"),
        "decision_kind": Value("forwarded", output_field=CharField()),
    }


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[Column]
    order: tuple[str, ...]
    extra: Callable[[], dict[str, Any]] = dict


TABLES: dict[str, Table] = {
    "received": Table(_("收到的信访事项"), RECEIVED_COLUMNS, ("received_at", "pk")),
    "acceptance": Table(_("受理决定"), ACCEPTANCE_COLUMNS, ("acceptance_due_at", "pk"), _acceptance_extra),
    "forward": Table(_("受理决定"), ACCEPTANCE_COLUMNS, ("_due", "pk"), _forward_extra),
    "accepted": Table(_("受理的事项"), ACCEPTED_COLUMNS, ("accepted_at", "pk")),
    "handling": Table(_("到期应答复的事项"), HANDLING_COLUMNS, ("handling_due_at", "pk")),
    "reply": Table(_("答复的事项"), REPLY_COLUMNS, ("replied_at", "pk"),
                   lambda: {"reviewed": _REVIEWED, "rereviewed": _REREVIEWED}),
    "snapshot": Table(_("当前在办事项"), SNAPSHOT_COLUMNS, ("due_at", "pk")),
}


def row_values(qs: QuerySet, fam: Family, keys: Sequence[str]) -> QuerySet:
    """``qs`` read as dicts with the canonical row keys of ``keys``."""
    table = TABLES[fam.key]
    extra = table.extra()
    plain: list[str] = []
    exprs: dict[str, Any] = {}
    for key in keys:
        if key in extra:
            exprs[key] = extra[key]
        elif fam.events:
            exprs[key] = F(f"petition__{PETITION_KEYS[key]}")
        elif PETITION_KEYS[key] == key:
            plain.append(key)
        else:
            exprs[key] = F(PETITION_KEYS[key])
    return qs.order_by(*table.order).values(*plain, **exprs)


# --------------------------------------------------------------------------- drill-downs


class DrillDownError(ValueError):
    pass


@dataclass
class DrillDown:
    """The rows behind one number: one or two sources (a rate's acceptance decisions are the
    petitions' own and the forwarding events), read in order."""

    metric: Metric
    part: str  # "num" | "den"
    window: Window
    filters: Filters
    cell: Cell
    user: User
    now: datetime
    unit: Unit | None = None  # the group's unit, when the number was one unit's

    def __post_init__(self) -> None:
        names = self.metric.denominator if (self.part == "den" and self.metric.denominator) else self.metric.numerator
        seen: list[str] = []
        for name in names:
            name = _ROWS_OF.get(name, name)
            if name not in seen:
                seen.append(name)
        self.facts = seen
        fams = [FACT_FAMILY[f] for f in seen]
        self.table = TABLES[fams[0].key]
        self.columns = self.table.columns
        self._counts: list[int] | None = None

    @cached_property
    def sources(self) -> list[tuple[Family, QuerySet]]:
        units = UnitMap(self.filters.root) if (self.filters.root is not None or self.cell.dims) else None
        return [(FACT_FAMILY[f], fact_rows(self.user, f, self.cell, self.filters, self.now, units))
                for f in self.facts]

    @property
    def title(self) -> str:
        if self.part == "num" and self.metric.denominator:
            return gettext("%(metric)s·分子：%(table)s") % {"metric": gettext(self.metric.label), "table": self.table.title}
        return gettext("%(metric)s：%(table)s") % {"metric": gettext(self.metric.label), "table": self.table.title}

    def counts(self) -> list[int]:
        if self._counts is None:
            self._counts = self._rolled_counts() or [qs.count() for _fam, qs in self.sources]
        return self._counts

    def _rolled_counts(self) -> list[int] | None:
        """The counts as the KPI engine gives them from the closed-month rollup plus the rest
        counted live (insights.rollup; the same numbers as counting the rows, tested), or None
        where the rollup does not answer: then the rows are counted."""
        from insights import rollup
        from insights.kpi import facts, plain_aggregates

        fams = [FACT_FAMILY[f] for f in self.facts]
        dims = list(self.cell.dims)
        filters = self.filters
        value = self.cell.dims.get(Dim.UNIT)
        if value and len(value) >= SEGMENT * filters.level(self.cell.level) and self.unit is not None \
                and self.unit.path == value:
            # One unit's subtree: counted within it (the same key), not over the whole root.
            filters = replace(filters, root=self.unit)
        with plain_aggregates():  # the rollup's state read once
            if any(f not in rollup.ROLLED for f in fams) or rollup.plan(
                    self.user, [self.cell.window], filters, dims, fams, self.now) is None:
                return None
            table = facts(self.user, windows=[self.cell.window], filters=filters, dims=dims,
                          level=self.cell.level, families=list(dict.fromkeys(fams)), now=self.now,
                          wanted=set(self.facts))
        key = tuple(self.cell.dims[d] for d in dims)
        return [int(sum(v.get(f, 0) for k, v in table.items() if tuple(k[1:]) == key)) for f in self.facts]

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        if not isinstance(item, slice):
            raise TypeError("drill-downs are read in pages")
        start, stop = item.start or 0, item.stop if item.stop is not None else self.count()
        keys = needed_keys(self.columns)
        out: list[dict[str, Any]] = []
        offset = 0
        for (fam, qs), n in zip(self.sources, self.counts(), strict=True):
            lo, hi = max(start - offset, 0), min(stop - offset, n)
            if lo < hi:
                out.extend(row_values(qs, fam, keys)[lo:hi])
            offset += n
        return out

    def iter_rows(self, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
        keys = needed_keys(self.columns)
        for fam, qs in self.sources:
            yield from row_values(qs, fam, keys).iterator(chunk_size=chunk_size)


def parse_drill(params: Mapping[str, str], user: User, now: datetime) -> DrillDown:
    """A drill-down from the query string that :func:`insights.tables.drill_query` wrote."""
    from tongxin.lib.kpi import metric, parse_window

    try:
        m = metric(params.get("m", ""))
        window = parse_window(params.get("p", ""))
    except (KeyError, ValueError) as exc:
        raise DrillDownError(str(exc)) from exc
    part = params.get("part", "den")
    if part not in ("num", "den"):
        raise DrillDownError("part")
    filters = filters_from(params)
    dims: dict[str, Any] = {}
    level = None
    unit = None
    if params.get("u"):
        unit = Unit.objects.filter(code=params["u"]).first()
        if unit is None:
            raise DrillDownError("unit")
        try:
            level = int(params.get("lv") or unit.depth)
        except ValueError as exc:
            raise DrillDownError("level") from exc
        dims["unit"] = unit.path[: 4 * level] if unit.depth >= level else unit.path
    if m.kind is MetricKind.COUNT:
        part = "num"
    return DrillDown(metric=m, part=part, window=window, filters=filters, cell=Cell(window, dims, level), user=user,
                     now=now, unit=unit)


def filters_from(params: Mapping[str, str]) -> Filters:
    root = None
    if params.get("root"):
        root = Unit.objects.filter(code=params["root"]).first()
        if root is None:
            raise DrillDownError("root")
    handler_id = None
    if params.get("h") not in (None, ""):
        try:
            handler_id = int(params["h"])
        except ValueError as exc:
            raise DrillDownError("handler") from exc
    values = {
        "category": params.get("cat", ""),
        "ptype": params.get("pt", ""),
        "channel": params.get("ch", ""),
    }
    for name, choices in (("category", Category), ("ptype", PetitionType), ("channel", Channel)):
        if values[name] and values[name] not in choices.values:
            raise DrillDownError(name)
    return Filters(root=root, handler_id=handler_id, **values)
