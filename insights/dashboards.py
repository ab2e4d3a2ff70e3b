"""What the three dashboards show — the leader's (a unit subtree ranked by its units), a
unit's (the same, one level down, plus its handlers) and a handler's own — assembled from a
fixed number of grouped queries whatever the data size (tests/insights/test_queries.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from insights.kpi import FAMILY, Cell, Dim, Filters, family_facts
from insights.lists import SNAPSHOT_COLUMNS, Column, needed_keys, row_values
from insights.tables import (
    HEADLINE,
    TREND_RATES,
    KpiTable,
    Trend,
    drill_query,
    heat_map,
    monthly_facts,
    ranking,
    table_from,
    trend_from,
)
from orgs.models import User
from tongxin.lib.kpi import METRICS, Window, metric

LIST_SIZE = 10
RANK_METRIC = "handling_rate"


@dataclass
class RowList:
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: int
    url: str  # the full list


@dataclass
class Dashboard:
    window: Window
    filters: Filters
    table: KpiTable  # the period by unit (or a single total for a handler)
    trend: Trend
    trend_months: list[Window]
    charts: dict[str, Any]
    lists: list[RowList]
    ranked: list[tuple[int, Any]]

    @property
    def headline(self):
        return [self.table.total.figures[k] for k in HEADLINE]


def _span(window: Window) -> tuple[Window, int]:
    """The months to count: the last 12 up to the period's end, and back to the start of the
    previous period (a year's comparison reaches 24 months). Returns (span, trend start index)."""
    last = window.last
    end_month = Window.month(last.year, last.month)
    trend_first = end_month.first
    for _ in range(11):
        trend_first = date(trend_first.year - (trend_first.month == 1), (trend_first.month - 2) % 12 + 1, 1)
    first = min(trend_first, window.previous().first)
    span = Window.range(first, last)
    months = span.months()
    return span, next(i for i, m in enumerate(months) if m.first == trend_first)


def _segments(months: list[Window], window: Window) -> list[int]:
    return [i for i, m in enumerate(months) if window.first <= m.first <= window.last]


def _row_list(user: User, fact: str, title: str, filters: Filters, window: Window, total: int,
              now: datetime) -> RowList:
    from insights.kpi import fact_rows

    fam = FAMILY["snapshot"]
    qs = fact_rows(user, fact, Cell(window), filters, now)
    rows = list(row_values(qs, fam, needed_keys(SNAPSHOT_COLUMNS))[:LIST_SIZE])
    return RowList(title=title, columns=SNAPSHOT_COLUMNS, rows=rows, total=int(total),
                   url=drill_query(metric(fact), "num", window, filters))


def build(user: User, *, window: Window, filters: Filters, level: int | None, now: datetime,
          by_unit: bool = True) -> Dashboard:
    span, trend_start = _span(window)
    months, table = monthly_facts(user, span=span, filters=filters, metrics=METRICS, now=now, by_unit=by_unit,
                                  level=level)
    # The snapshot (overdue and high-risk matters now) per unit: one more query.
    snap = family_facts(user, FAMILY["snapshot"], windows=[window], filters=filters,
                        dims=[Dim.UNIT] if by_unit else [], level=level, now=now)
    table = {**table, **snap}
    previous = window.previous()
    kpis = table_from(table, window=window, previous=previous, current=_segments(months, window),
                      before=_segments(months, previous), by=Dim.UNIT if by_unit else None, level=level,
                      metrics=METRICS, filters=filters)
    trend_months = months[trend_start:]
    trend = trend_from(trend_months, {(k[0] - trend_start, *k[1:]): v for k, v in table.items()
                                      if k[0] is not None and k[0] >= trend_start})
    charts: dict[str, Any] = {"trend": _trend_chart(trend, kpis, filters)}
    ranked = ranking(kpis, RANK_METRIC) if by_unit else []
    if by_unit:
        charts["ranking"] = _ranking_chart(ranked, kpis)
        charts["heat"] = heat_map(user, window=window, filters=filters, level=level, now=now)
    overdue = kpis.total.figures["overdue"]
    high = kpis.total.figures["high_risk"]
    lists = [
        _row_list(user, "overdue", "超期在办", filters, window, overdue.num, now),
        _row_list(user, "high_risk", "高风险在办", filters, window, high.num, now),
    ]
    return Dashboard(window=window, filters=filters, table=kpis, trend=trend, trend_months=trend_months,
                     charts=charts, lists=lists, ranked=ranked)


def _trend_chart(trend: Trend, kpis: KpiTable, filters: Filters) -> dict[str, Any]:
    received = metric("received")
    series = []
    for key in TREND_RATES:
        m = metric(key)
        target = kpis.total.targets.get(key)
        series.append({
            "name": m.label,
            "data": trend.series(m),
            "links": [drill_query(m, "den", w, filters) for w in trend.months],
            "target": float(target) if target is not None else None,
        })
    return {
        "months": [f"{w.first.year}-{w.first.month:02d}" for w in trend.months],
        "rates": series,
        "received": {
            "name": received.label,
            "data": trend.series(received),
            "links": [drill_query(received, "num", w, filters) for w in trend.months],
        },
    }


def _ranking_chart(ranked, kpis: KpiTable) -> dict[str, Any]:
    m = metric(RANK_METRIC)
    rows = [(pos, g) for pos, g in ranked if g.figures[RANK_METRIC].value is not None]
    rows.reverse()  # ECharts draws the first category at the bottom: best on top
    target = kpis.total.targets.get(RANK_METRIC)
    return {
        "metric": m.label,
        "units": [g.label for _pos, g in rows],
        "data": [g.figures[RANK_METRIC].percent for _pos, g in rows],
        "links": [g.figures[RANK_METRIC].url for _pos, g in rows],
        "target": float(target) if target is not None else None,
    }

