"""Reports built from the engine's facts: the KPI table (groups × metrics, with the previous
period and the targets), monthly trends, rankings and the category × unit heat map. Every
number carries the query string of its drill-down (insights:list), built from the same
filters, so the page and the list cannot disagree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from insights.kpi import FAMILY, Dim, Filters, UnitMap, facts, families_for, family_facts
from insights.targets import targets_for
from orgs.models import SEGMENT, Unit, User
from petitions.choices import Category, Channel, PetitionType
from tongxin.lib.kpi import (
    METRICS,
    Comparison,
    Metric,
    Window,
    compare,
    format_value,
    metric,
    metric_parts,
    metric_value,
    rank,
    target_met,
)

DIM_LABELS = {
    Dim.UNIT: _("单位"),
    Dim.HANDLER: _("承办人"),
    Dim.CATEGORY: _("内容分类"),
    Dim.PTYPE: _("性质"),
    Dim.CHANNEL: _("渠道"),
}
_CHOICES = {Dim.CATEGORY: Category, Dim.PTYPE: PetitionType, Dim.CHANNEL: Channel}
# The rates a leader reads first (dashboard cards, trend lines, report summary).
HEADLINE = ("acceptance_rate", "handling_rate", "rating_rate", "satisfaction_rate", "repeat_rate",
            "received", "collective", "skip_level", "overdue", "high_risk")
TREND_RATES = ("acceptance_rate", "handling_rate", "satisfaction_rate")


def facts_of(metrics: Iterable[Metric]) -> set[str]:
    """The facts the metrics read (the engine counts only those)."""
    return {f for m in metrics for f in m.facts}


# --------------------------------------------------------------------------- drill-down links


@lru_cache(maxsize=1)
def _list_url() -> str:
    return reverse("insights:list")


def drill_query(
    m: Metric, part: str, window: Window, filters: Filters, *, unit: Unit | None = None, level: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The query string of the list behind a number: ``part`` is "num" or "den". (A unit × month
    table builds ten thousand of them: the scope part is encoded once.)"""
    # Metric keys, "num"/"den" and period specs (digits, "-", "Q", "..") need no escaping.
    url = f"{_list_url()}?m={m.key}&part={part}&p={window.spec}"
    url += _scope_params(filters.root.code if filters.root is not None else "", filters.category, filters.ptype,
                         filters.channel, filters.handler_id, unit.code if unit is not None else "",
                         filters.level(level) if unit is not None else None)
    if extra:
        url += "&" + urlencode(extra)
    return url


@lru_cache(maxsize=4096)
def _scope_params(root: str, category: str, ptype: str, channel: str, handler_id: int | None, unit: str,
                  level: int | None) -> str:
    params: dict[str, Any] = {}
    if root:
        params["root"] = root
    for key, value in (("cat", category), ("pt", ptype), ("ch", channel)):
        if value:
            params[key] = value
    if handler_id is not None:
        params["h"] = handler_id
    if unit:
        params["u"] = unit
        params["lv"] = level
    return "&" + urlencode(params) if params else ""


def _group_filters(filters: Filters, dim: str | None, key: Any) -> Filters:
    """The filters of one group of a non-unit dimension (the group becomes a filter)."""
    if dim in (Dim.CATEGORY, Dim.PTYPE, Dim.CHANNEL):
        return Filters(**{**filters.__dict__, str(dim): key})
    if dim == Dim.HANDLER:
        return Filters(**{**filters.__dict__, "handler_id": key if key is not None else 0})
    return filters


# --------------------------------------------------------------------------- values


@dataclass
class Figure:
    """One metric of one group, ready for a template, an export and a chart."""

    metric: Metric
    value: float | None
    num: float
    den: float | None
    text: str
    previous: Comparison | None
    target: Decimal | None
    met: bool | None
    url: str  # the rows behind the value (the denominator of a rate)
    num_url: str

    @property
    def percent(self) -> float | None:
        if self.value is None:
            return None
        return round(self.value * 100, 1) if self.metric.is_rate else round(self.value, 2)


@dataclass
class Group:
    key: Any
    label: str
    facts: dict[str, float]
    previous: dict[str, float] | None
    targets: dict[str, Decimal]
    filters: Filters
    unit: Unit | None = None
    figures: dict[str, Figure] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]


def _figure(m: Metric, group: Group, window: Window, level: int | None) -> Figure:
    value = metric_value(m, group.facts)
    num, den = metric_parts(m, group.facts)
    previous = None
    if group.previous is not None and not m.snapshot:
        previous = compare(m, value, metric_value(m, group.previous))
    target = group.targets.get(m.key)
    link_window = window
    kw = {"unit": group.unit, "level": level} if group.unit is not None else {}
    den_part = "den" if m.denominator else "num"
    return Figure(
        metric=m, value=value, num=num, den=den, text=format_value(m, value), previous=previous,
        target=target, met=target_met(m, value, float(target) if target is not None else None),
        url=drill_query(m, den_part, link_window, group.filters, **kw),
        num_url=drill_query(m, "num", link_window, group.filters, **kw),
    )


@dataclass
class KpiTable:
    window: Window
    previous: Window | None
    by: str | None
    level: int
    metrics: list[Metric]
    groups: list[Group]
    total: Group

    @property
    def by_label(self) -> str:
        return str(DIM_LABELS.get(self.by, "")) if self.by else ""


def _labels(dim: str, keys: Iterable[Any], level: int, units: UnitMap | None = None) -> dict[Any, tuple[str, Unit | None]]:
    keys = list(keys)
    if dim == Dim.UNIT:
        if units is not None:
            units = units.by_path
        else:
            units = {u.path: u for u in Unit.objects.filter(path__in=[k for k in keys if k])}
        out = {}
        for k in keys:
            unit = units.get(k)
            if unit is None:
                out[k] = (gettext("（未知单位）"), None)
            elif len(k) < SEGMENT * level:  # a unit above the level: its own matters only
                out[k] = (gettext("%(unit)s（本级）") % {"unit": unit.label}, unit)
            else:
                out[k] = (unit.label, unit)
        return out
    if dim == Dim.HANDLER:
        names = dict(User.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
        return {k: (names.get(k, "—") if k else gettext("（未交办）"), None) for k in keys}
    choices = _CHOICES[Dim(dim)]
    return {k: (str(choices(k).label) if k in choices.values else str(k), None) for k in keys}


def _sort_key(dim: str | None, key: Any, label: str):
    if dim == Dim.UNIT:
        return (key or "",)
    if dim in _CHOICES:
        values = list(_CHOICES[Dim(dim)].values)
        return (values.index(key) if key in values else len(values),)
    return (key is None, label)


def kpi_table(
    user: User,
    *,
    window: Window,
    filters: Filters,
    by: str | None = None,
    level: int | None = None,
    metrics: Sequence[Metric] = METRICS,
    compare_previous: bool = True,
    now: datetime,
) -> KpiTable:
    """Groups × metrics for one period, each with the previous period and its target.
    One query per family of facts (at most seven), plus labels and targets."""
    metrics = list(metrics)
    previous = window.previous() if compare_previous else None
    windows = [previous, window] if previous else [window]
    units = UnitMap(filters.root) if by == Dim.UNIT else None
    table = facts(user, windows=windows, filters=filters, dims=[by] if by else [], level=level,
                  families=families_for(metrics), now=now, units=units, wanted=facts_of(metrics))
    return table_from(table, window=window, previous=previous, current=[len(windows) - 1],
                      before=[0] if previous else [], by=by, level=level, metrics=metrics, filters=filters,
                      units=units)


def _sum_segments(table: Mapping[tuple, Mapping[str, float]], segments: Iterable[int], *, snapshot: bool,
                  by: str | None) -> dict[Any, dict[str, float]]:
    wanted = set(segments)
    out: dict[Any, dict[str, float]] = {}
    for key, values in table.items():
        segment = key[0]
        if segment is None and not snapshot:
            continue
        if segment is not None and segment not in wanted:
            continue
        bucket = out.setdefault(key[1] if by else None, {})
        for name, v in values.items():
            bucket[name] = bucket.get(name, 0) + v
    return out


def table_from(
    table: Mapping[tuple, Mapping[str, float]],
    *,
    window: Window,
    previous: Window | None,
    current: Iterable[int],
    before: Iterable[int],
    by: str | None,
    level: int | None,
    metrics: Sequence[Metric],
    filters: Filters,
    units: UnitMap | None = None,
) -> KpiTable:
    """A KPI table from a facts table keyed (segment, [group]): the current period is the sum
    of the segments ``current``, the previous one of ``before`` (snapshot facts count once,
    in the current period)."""
    metrics = list(metrics)
    lv = filters.level(level)
    now_groups = _sum_segments(table, current, snapshot=True, by=by)
    then_groups = _sum_segments(table, before, snapshot=False, by=by) if previous else {}
    keys = [k for k in now_groups if k is not None or by]
    labels = _labels(by, keys, lv, units) if by else {}
    root_path = filters.root.path if filters.root is not None else ""
    paths = [k for k in keys if k] if by == Dim.UNIT else []
    targets = targets_for([*paths, root_path], window.first.year) if (paths or root_path) else {}

    groups = []
    if by:
        for k in keys:
            label, unit = labels[k]
            group = Group(
                key=k, label=label, facts=now_groups[k], previous=then_groups.get(k, {}) if previous else None,
                targets=targets.get(k, {}) if by == Dim.UNIT else targets.get(root_path, {}),
                filters=_group_filters(filters, by, k), unit=unit,
            )
            group.figures = {m.key: _figure(m, group, window, lv) for m in metrics}
            groups.append(group)
        groups.sort(key=lambda g: _sort_key(by, g.key, g.label))

    def total_of(groups_: Mapping[Any, Mapping[str, float]]) -> dict[str, float]:
        out: dict[str, float] = {}
        for values in groups_.values():
            for name, v in values.items():
                out[name] = out.get(name, 0) + v
        return out

    total = Group(key=None, label=gettext("合计"), facts=total_of(now_groups),
                  previous=total_of(then_groups) if previous else None,
                  targets=targets.get(root_path, {}), filters=filters)
    total.figures = {m.key: _figure(m, total, window, lv) for m in metrics}
    return KpiTable(window=window, previous=previous, by=by, level=lv, metrics=metrics, groups=groups, total=total)


# --------------------------------------------------------------------------- trends, rankings, heat map


@dataclass
class Trend:
    months: list[Window]
    groups: list[dict[str, float]]  # facts per month

    def series(self, m: Metric) -> list[float | None]:
        out = []
        for facts_ in self.groups:
            v = metric_value(m, facts_)
            out.append(None if v is None else (round(v * 100, 1) if m.is_rate else round(v, 2)))
        return out


def monthly_facts(
    user: User, *, span: Window, filters: Filters, metrics: Sequence[Metric], now: datetime, by_unit: bool = False,
    level: int | None = None, units: UnitMap | None = None,
) -> tuple[list[Window], dict[tuple, dict[str, float]]]:
    """Facts per month of ``span`` (and per unit if asked): one query per family."""
    months = span.months()
    fams = [f for f in families_for(metrics) if f.date is not None or f.events]
    table = facts(user, windows=months, filters=filters, dims=[Dim.UNIT] if by_unit else [], level=level,
                  families=fams, now=now, units=units, wanted=facts_of(metrics))
    return months, table


def trend_from(months: list[Window], table: Mapping[tuple, Mapping[str, float]]) -> Trend:
    per_month: list[dict[str, float]] = [{} for _ in months]
    for key, values in table.items():
        if key[0] is None:
            continue
        bucket = per_month[key[0]]
        for name, v in values.items():
            bucket[name] = bucket.get(name, 0) + v
    return Trend(months=months, groups=per_month)


def heat_map(user: User, *, window: Window, filters: Filters, level: int | None, now: datetime,
             units: UnitMap | None = None, table: Mapping[tuple, Mapping[str, float]] | None = None) -> dict[str, Any]:
    """Petitions received per unit × category (one query, or ``table``: the received facts keyed
    (0, unit, category)), with the drill-down of each cell."""
    lv = filters.level(level)
    units = units or UnitMap(filters.root)
    if table is None:
        table = family_facts(user, FAMILY["received"], windows=[window], filters=filters,
                             dims=[Dim.UNIT, Dim.CATEGORY], level=lv, now=now, units=units, wanted={"received"})
    unit_keys = sorted({k[1] for k in table}, key=lambda k: k or "")
    labels = _labels(Dim.UNIT, unit_keys, lv, units)
    categories = [c for c in Category.values if any(k[2] == c for k in table)]
    m = metric("received")
    data, links = [], []
    for (_segment, unit_key, category), values in sorted(table.items(), key=lambda kv: (kv[0][1] or "", kv[0][2])):
        x, y = categories.index(category), unit_keys.index(unit_key)
        unit = labels[unit_key][1]
        data.append([x, y, int(values.get("received", 0))])
        links.append(drill_query(m, "num", window, Filters(**{**filters.__dict__, "category": category}),
                                 unit=unit, level=lv))
    return {
        "categories": [str(Category(c).label) for c in categories],
        "units": [labels[k][0] for k in unit_keys],
        "data": data,
        "links": links,
        "max": max((d[2] for d in data), default=0),
    }


def ranking(table: KpiTable, metric_key: str) -> list[tuple[int, Group]]:
    m = metric(metric_key)
    by_key = {id(g): g for g in table.groups}
    ranked = rank([(id(g), g.figures[metric_key].value) for g in table.groups], m)
    return [(position, by_key[k]) for position, k, _v in ranked]


# --------------------------------------------------------------------------- units × months


@dataclass
class MonthlyRow:
    label: str
    unit: Unit | None
    cells: list[Figure]
    whole: Figure  # the whole span


@dataclass
class MonthlyGrid:
    metric: Metric
    months: list[Window]
    span: Window
    rows: list[MonthlyRow]
    total: MonthlyRow


def monthly_table(user: User, *, span: Window, metric_key: str, filters: Filters, level: int | None,
                  now: datetime) -> MonthlyGrid:
    """One metric for every unit at the level × every month of ``span``: one query per family
    the metric needs (two for 及时受理率, one for the others)."""
    m = metric(metric_key)
    units = UnitMap(filters.root)
    months, table = monthly_facts(user, span=span, filters=filters, metrics=[m], now=now, by_unit=True, level=level,
                                  units=units)
    lv = filters.level(level)
    keys = sorted({k[1] for k in table}, key=lambda k: k or "")
    labels = _labels(Dim.UNIT, keys, lv, units)
    targets = targets_for([*[k for k in keys if k], filters.root.path if filters.root else ""], span.last.year)

    by_unit: dict[Any, list[tuple[int, Mapping[str, float]]]] = {}
    for key, values in table.items():
        if key[0] is not None:
            by_unit.setdefault(key[1], []).append((key[0], values))

    def row(label: str, unit: Unit | None, unit_keys: Iterable[Any], target_key: str) -> MonthlyRow:
        per_month: list[dict[str, float]] = [{} for _ in months]
        for k in unit_keys:
            for segment, values in by_unit.get(k, ()):
                bucket = per_month[segment]
                for name, v in values.items():
                    bucket[name] = bucket.get(name, 0) + v
        whole: dict[str, float] = {}
        for bucket in per_month:
            for name, v in bucket.items():
                whole[name] = whole.get(name, 0) + v
        tg = targets.get(target_key, {})
        cells = []
        for w, bucket in zip(months, per_month, strict=True):
            g = Group(key=None, label=label, facts=bucket, previous=None, targets=tg, filters=filters, unit=unit)
            cells.append(_figure(m, g, w, lv))
        g = Group(key=None, label=label, facts=whole, previous=None, targets=tg, filters=filters, unit=unit)
        return MonthlyRow(label=label, unit=unit, cells=cells, whole=_figure(m, g, span, lv))

    rows = [row(labels[k][0], labels[k][1], [k], k or "") for k in keys]
    total = row(gettext("合计"), None, keys, filters.root.path if filters.root else "")
    return MonthlyGrid(metric=m, months=months, span=span, rows=rows, total=total)
