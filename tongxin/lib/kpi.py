"""KPI formulas of petition work (pure Python, no Django): periods, definitions, arithmetic.

The database counts *facts* — named counters such as ``hand_due`` (replies that fell due) or
``hand_on_time`` (those made before their deadline) — per group of petitions (insights.kpi does
that, in one grouped query per report). Everything else is here: which facts make which
metric, how a rate, an average and a comparison are computed, and which way is "better".
Definitions and statutory periods are written out in docs/kpi.md; keep the two in step.

Windows are half-open ``[start, end)`` in Asia/Shanghai local time, the same convention as
deadlines (tongxin.lib.periods): a deadline ``due_at`` falls in a window iff
``start <= due_at < end``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from tongxin.lib.periods import SHANGHAI, local_date

__all__ = [
    "FACTS",
    "METRICS",
    "Comparison",
    "Metric",
    "MetricKind",
    "Window",
    "compare",
    "metric",
    "metric_value",
    "parse_window",
    "rank",
    "target_met",
]

_DAY = timedelta(days=1)


def _(message: str) -> str:
    """Marks a label for ``makemessages`` (like gettext_noop): this module stays free of Django;
    the pages translate the text when they show it (``{% translate metric.label %}``)."""
    return message


# --------------------------------------------------------------------------- windows


class WindowKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    RANGE = "range"


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=SHANGHAI)


@dataclass(frozen=True, slots=True)
class Window:
    """A reporting period: local dates ``first``..``last`` inclusive."""

    kind: WindowKind
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"period ends ({self.last}) before it starts ({self.first})")
        object.__setattr__(self, "kind", WindowKind(self.kind))

    # --- constructors
    @classmethod
    def month(cls, year: int, month: int) -> Window:
        first = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        return cls(WindowKind.MONTH, first, nxt - _DAY)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Window:
        if not 1 <= quarter <= 4:
            raise ValueError(f"quarter must be 1–4, got {quarter}")
        first = date(year, 3 * quarter - 2, 1)
        last = Window.month(year, 3 * quarter).last
        return cls(WindowKind.QUARTER, first, last)

    @classmethod
    def year(cls, year: int) -> Window:
        return cls(WindowKind.YEAR, date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def range(cls, first: date, last: date) -> Window:
        return cls(WindowKind.RANGE, first, last)

    @classmethod
    def containing(cls, kind: WindowKind | str, at: datetime) -> Window:
        """The month, quarter or year that contains the instant ``at`` (local time)."""
        d = local_date(at)
        kind = WindowKind(kind)
        if kind is WindowKind.MONTH:
            return cls.month(d.year, d.month)
        if kind is WindowKind.QUARTER:
            return cls.quarter(d.year, (d.month - 1) // 3 + 1)
        if kind is WindowKind.YEAR:
            return cls.year(d.year)
        raise ValueError("a date range has no 'containing' window")

    # --- instants
    @property
    def start(self) -> datetime:
        return _midnight(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: 00:00 of the day after the last day."""
        return _midnight(self.last + _DAY)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    # --- neighbours
    def previous(self) -> Window:
        """The period before (环比): previous month/quarter/year, or the same number of days."""
        if self.kind is WindowKind.MONTH:
            d = self.first - _DAY
            return Window.month(d.year, d.month)
        if self.kind is WindowKind.QUARTER:
            d = self.first - _DAY
            return Window.quarter(d.year, (d.month - 1) // 3 + 1)
        if self.kind is WindowKind.YEAR:
            return Window.year(self.first.year - 1)
        return Window.range(self.first - timedelta(days=self.days), self.first - _DAY)

    def year_ago(self) -> Window:
        """The same period one year earlier (同比)."""

        def back(d: date) -> date:
            try:
                return d.replace(year=d.year - 1)
            except ValueError:  # 29 February
                return d.replace(year=d.year - 1, day=28)

        if self.kind is WindowKind.MONTH:
            return Window.month(self.first.year - 1, self.first.month)
        if self.kind is WindowKind.QUARTER:
            return Window.quarter(self.first.year - 1, (self.first.month - 1) // 3 + 1)
        if self.kind is WindowKind.YEAR:
            return Window.year(self.first.year - 1)
        return Window.range(back(self.first), back(self.last))

    def months(self) -> list[Window]:
        """The calendar months this period touches, in order."""
        out = []
        y, m = self.first.year, self.first.month
        while date(y, m, 1) <= self.last:
            out.append(Window.month(y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @classmethod
    def last_months(cls, n: int, at: datetime) -> Window:
        """The ``n`` calendar months ending with the month containing ``at`` (for trends)."""
        current = cls.containing(WindowKind.MONTH, at)
        y, m = current.first.year, current.first.month - (n - 1)
        while m < 1:
            y, m = y - 1, m + 12
        return cls.range(date(y, m, 1), current.last)

    # --- text
    @property
    def spec(self) -> str:
        """The URL form, read back by :func:`parse_window`."""
        if self.kind is WindowKind.MONTH:
            return f"{self.first:%Y-%m}"
        if self.kind is WindowKind.QUARTER:
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind is WindowKind.YEAR:
            return f"{self.first.year}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def label(self) -> str:
        if self.kind is WindowKind.MONTH:
            return f"{self.first.year}年{self.first.month}月"
        if self.kind is WindowKind.QUARTER:
            return f"{self.first.year}年第{'一二三四'[(self.first.month - 1) // 3]}季度"
        if self.kind is WindowKind.YEAR:
            return f"{self.first.year}年"
        return f"{self.first.isoformat()}至{self.last.isoformat()}"

    def __str__(self) -> str:
        return self.label


_SPEC = re.compile(
    r"^(?:(?P<y>\d{4})(?:-(?:(?P<m>\d{1,2})|[Qq](?P<q>[1-4])))?"
    r"|(?P<a>\d{4}-\d{2}-\d{2})\.\.(?P<b>\d{4}-\d{2}-\d{2}))$"
)
MAX_RANGE_DAYS = 3 * 366 + 1


def parse_window(spec: str) -> Window:
    """``2026-03`` (month), ``2026-Q1`` (quarter), ``2026`` (year), ``2026-01-05..2026-02-20``
    (any range of dates, both inclusive, at most three years). Raises ValueError otherwise."""
    match = _SPEC.match((spec or "").strip())
    if not match:
        raise ValueError(f"invalid period {spec!r}")
    if match["a"]:
        first, last = date.fromisoformat(match["a"]), date.fromisoformat(match["b"])
        window = Window.range(first, last)
        if window.days > MAX_RANGE_DAYS:
            raise ValueError("a period may span at most three years")
        return window
    year = int(match["y"])
    if not 2000 <= year <= 2100:
        raise ValueError(f"year out of range: {year}")
    if match["m"]:
        month = int(match["m"])
        if not 1 <= month <= 12:
            raise ValueError(f"month out of range: {month}")
        return Window.month(year, month)
    if match["q"]:
        return Window.quarter(year, int(match["q"]))
    return Window.year(year)


# --------------------------------------------------------------------------- facts and metrics

#: Counters the database computes per group, with what each counts (insights.kpi defines the
#: exact conditions; docs/kpi.md explains them). ``*_seconds`` are sums of durations.
FACTS: Mapping[str, str] = {
    "received": "收到的信访事项（按收到时间）",
    "repeat": "其中重复信访（标记为重复，或作为重复件合并）",
    "collective": "其中集体访（标记为集体）",
    "skip_level": "其中越级访（标记为越级）",
    "acc_due": "到期的受理决定（受理告知期限届满落在期间内，已决定或已届满）",
    "acc_on_time": "其中在期限内作出（受理或不予受理）",
    "fwd_due": "到期的转送决定（转出单位的受理告知期限落在期间内）",
    "fwd_on_time": "其中在期限内转送",
    "accepted": "受理的事项（按受理时间）",
    "accept_seconds": "收到至受理的用时之和",
    "hand_due": "到期的答复（办理期限含批准延期届满落在期间内，已答复或已届满）",
    "hand_on_time": "其中在办理期限内答复",
    "replied": "答复的事项（按答复时间）",
    "reply_seconds": "受理至答复的用时之和",
    "rated": "其中已评价",
    "satisfied": "其中评价为满意或基本满意",
    "reviewed": "其中申请复查",
    "rereviewed": "其中申请复核",
    "review_decided": "其中复查已决定",
    "review_upheld": "其中复查维持原处理意见",
    "overdue": "当前超期未办（在办且当前期限已届满）",
    "high_risk": "当前高风险在办",
}


class MetricKind(StrEnum):
    RATE = "rate"  # numerator ÷ denominator, shown as a percentage
    COUNT = "count"  # a number of petitions
    DAYS = "days"  # average duration in days: seconds ÷ count ÷ 86,400


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    kind: MetricKind
    numerator: tuple[str, ...]  # facts summed (for DAYS: the seconds)
    denominator: tuple[str, ...] = ()  # facts summed (for DAYS: the count); none for COUNT
    higher_is_better: bool = True
    formula: str = ""
    basis: str = ""  # the statutory period or rule it measures
    snapshot: bool = False  # "now", not per period (no trend, no comparison)

    @property
    def is_rate(self) -> bool:
        return self.kind is MetricKind.RATE

    @property
    def facts(self) -> tuple[str, ...]:
        return self.numerator + self.denominator


METRICS: tuple[Metric, ...] = (
    Metric("acceptance_rate", _("及时受理率"), MetricKind.RATE, ("acc_on_time", "fwd_on_time"), ("acc_due", "fwd_due"),
           formula=_("期限内作出的受理决定（受理、不予受理、转送）÷ 到期的受理决定"),
           basis=_("受理告知期限15日，自收到之日起算；转送后接收单位重新起算（第二十三条）")),
    Metric("handling_rate", _("按期办结率"), MetricKind.RATE, ("hand_on_time",), ("hand_due",),
           formula=_("办理期限内答复 ÷ 到期应答复"),
           basis=_("办理期限60日，自受理之日起算，经批准可延长一次不超过30日（第三十四条）")),
    Metric("rating_rate", _("参评率"), MetricKind.RATE, ("rated",), ("replied",),
           formula=_("已评价 ÷ 已答复（按答复时间）"), basis=_("评价期限30日（国信发〔2022〕11号，待核实）")),
    Metric("satisfaction_rate", _("满意率"), MetricKind.RATE, ("satisfied",), ("rated",),
           formula=_("（满意 + 基本满意）÷ 已评价（按答复时间）"), basis=_("评价等次：满意、基本满意、不满意")),
    Metric("repeat_rate", _("重复信访率"), MetricKind.RATE, ("repeat",), ("received",), higher_is_better=False,
           formula=_("重复信访（标记为重复或合并的重复件）÷ 收到的信访事项"), basis=_("第十九条第三款、第三十六条第三款")),
    Metric("received", _("信访总量"), MetricKind.COUNT, ("received",), higher_is_better=False,
           formula=_("期间内收到的信访事项"), basis=_("第二十一条（全部录入信息系统）")),
    Metric("collective", _("集体访"), MetricKind.COUNT, ("collective",), higher_is_better=False,
           formula=_("期间内收到的集体访（5人以上或标记为集体）"), basis=_("第二十条第三款")),
    Metric("skip_level", _("越级访"), MetricKind.COUNT, ("skip_level",), higher_is_better=False,
           formula=_("期间内收到的越级访"), basis=_("第二十条")),
    Metric("overdue", _("超期在办"), MetricKind.COUNT, ("overdue",), higher_is_better=False, snapshot=True,
           formula=_("当前在办且当前期限已届满的事项"), basis=_("第四十四条（未在规定期限内告知、办结）")),
    Metric("high_risk", _("高风险在办"), MetricKind.COUNT, ("high_risk",), higher_is_better=False, snapshot=True,
           formula=_("当前在办且风险等级为高的事项"), basis=_("第二十五条")),
    Metric("avg_accept_days", _("平均受理用时（日）"), MetricKind.DAYS, ("accept_seconds",), ("accepted",),
           higher_is_better=False, formula=_("Σ（受理时间 − 收到时间）÷ 受理件数（按受理时间）"),
           basis=_("受理告知期限15日（第二十三条）")),
    Metric("avg_reply_days", _("平均办理用时（日）"), MetricKind.DAYS, ("reply_seconds",), ("replied",),
           higher_is_better=False, formula=_("Σ（答复时间 − 受理时间）÷ 答复件数（按答复时间）"),
           basis=_("办理期限60日（第三十四条）")),
    Metric("review_rate", _("复查率"), MetricKind.RATE, ("reviewed",), ("replied",), higher_is_better=False,
           formula=_("申请复查 ÷ 已答复（按答复时间）"), basis=_("复查申请期限30日（第三十五条）")),
    Metric("rereview_rate", _("复核率"), MetricKind.RATE, ("rereviewed",), ("reviewed",), higher_is_better=False,
           formula=_("申请复核 ÷ 申请复查（按答复时间）"), basis=_("复核申请期限30日（第三十六条）")),
    Metric("uphold_rate", _("复查维持率"), MetricKind.RATE, ("review_upheld",), ("review_decided",),
           formula=_("复查维持原处理意见 ÷ 复查已决定（按答复时间）"), basis=_("第三十五条")),
)
_BY_KEY = {m.key: m for m in METRICS}


def metric(key: str) -> Metric:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r}") from None


def _sum(facts: Mapping[str, float], names: Iterable[str]) -> float:
    return sum(facts.get(n, 0) or 0 for n in names)


def metric_value(m: Metric, facts: Mapping[str, float]) -> float | None:
    """The metric's value from the group's facts: a rate in 0..1, a count, or days.
    None when the denominator is zero (no case fell due: "—", not 0 % nor 100 %)."""
    num = _sum(facts, m.numerator)
    if m.kind is MetricKind.COUNT:
        return num
    den = _sum(facts, m.denominator)
    if not den:
        return None
    if m.kind is MetricKind.DAYS:
        return num / den / 86400
    return num / den


def metric_parts(m: Metric, facts: Mapping[str, float]) -> tuple[float, float | None]:
    """(numerator, denominator) as counted: what the drill-down links show."""
    num = _sum(facts, m.numerator)
    return num, (_sum(facts, m.denominator) if m.denominator else None)


def add_facts(into: dict[str, float], facts: Mapping[str, float]) -> dict[str, float]:
    for name, value in facts.items():
        into[name] = into.get(name, 0) + (value or 0)
    return into


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class Comparison:
    """A value against another (previous period or target). ``delta`` is in the metric's own
    unit: percentage points for rates, petitions for counts, days for averages."""

    value: float | None
    other: float | None
    delta: float | None
    better: bool | None  # None: equal or not comparable

    @property
    def direction(self) -> str:
        if self.delta is None or self.delta == 0:
            return "flat"
        return "up" if self.delta > 0 else "down"


def _in_unit(m: Metric, v: float) -> float:
    return v * 100 if m.is_rate else v


def compare(m: Metric, value: float | None, other: float | None) -> Comparison:
    if value is None or other is None:
        return Comparison(value, other, None, None)
    delta = round(_in_unit(m, value) - _in_unit(m, other), 6)
    better = None if delta == 0 else (delta > 0) == m.higher_is_better
    return Comparison(value, other, delta, better)


def target_met(m: Metric, value: float | None, target: float | None) -> bool | None:
    """Whether ``value`` meets ``target`` (a rate's target in percent, e.g. 95 for 95 %).
    At least the target when higher is better, at most when lower is better."""
    if value is None or target is None:
        return None
    v = _in_unit(m, value)
    return v >= target - 1e-9 if m.higher_is_better else v <= target + 1e-9


def rank(rows: Sequence[tuple[str, float | None]], m: Metric) -> list[tuple[int, str, float | None]]:
    """Competition ranking (1, 2, 2, 4) by the metric, best first; groups without a value last
    and unranked (rank 0)."""
    valued = sorted((r for r in rows if r[1] is not None), key=lambda r: r[1], reverse=m.higher_is_better)
    out: list[tuple[int, str, float | None]] = []
    previous: float | None = None
    position = 0
    for i, (key, value) in enumerate(valued, start=1):
        if value != previous:
            position, previous = i, value
        out.append((position, key, value))
    out.extend((0, key, None) for key, value in rows if value is None)
    return out


def format_value(m: Metric, value: float | None) -> str:
    if value is None:
        return "—"
    if m.is_rate:
        return f"{value * 100:.1f}%"
    if m.kind is MetricKind.DAYS:
        return f"{value:.1f}"
    return f"{int(value)}"
