"""What the three dashboards show — the leader's (a unit subtree ranked by its units), a
unit's (the same, one level down, plus its handlers) and a handler's own — assembled from a
fixed number of grouped queries whatever the data size (tests/insights/test_queries.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext

from insights import rollup
from insights.kpi import (
    FAMILY,
    Cell,
    Dim,
    Filters,
    UnitMap,
    facts,
    families_for,
    family_facts,
    plain_aggregates,
)
from insights.lists import SNAPSHOT_COLUMNS, Column, needed_keys, row_values
from insights.tables import (
    HEADLINE,
    TREND_RATES,
    KpiTable,
    Trend,
    drill_query,
    facts_of,
    heat_map,
    monthly_facts,
    ranking,
    table_from,
    trend_from,
)
from orgs.models import User
from tongxin.lib.kpi import Metric, Window, add_facts, metric

LIST_SIZE = 10
RANK_METRIC = "handling_rate"
# What the page shows (the headline, the ranking table); the report asks for every metric.
PAGE_METRICS = tuple(metric(k) for k in dict.fromkeys(
    (*HEADLINE, "received", "acceptance_rate", "handling_rate", "satisfaction_rate", "overdue")))


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
    trend_months: list[Window]
    charts: dict[str, Any]
    lists: list[RowList]
    ranked: list[tuple[int, Any]]

    @property
    def headline(self):
        return [self.table.total.figures[k] for k in HEADLINE]


def trend_span(window: Window) -> Window:
    """The 12 calendar months up to the end of ``window``."""
    return Window.last_months(12, window.end - timedelta(seconds=1))


def trend(user: User, *, window: Window, filters: Filters, now: datetime) -> Trend:
    """Facts per month for the 12 months up to the period: one query per family. Read apart
    from the page (insights:trend, fetched by the chart), so the page does not wait for a year
    of counting."""
    wanted = [metric(k) for k in (*TREND_RATES, "received")]
    months, table = monthly_facts(user, span=trend_span(window), filters=filters, metrics=wanted, now=now)
    return trend_from(months, table)


def _row_list(user: User, fact: str, title: str, filters: Filters, window: Window, total: int,
              now: datetime, units: UnitMap | None) -> RowList:
    from insights.kpi import fact_rows

    fam = FAMILY["snapshot"]
    qs = fact_rows(user, fact, Cell(window), filters, now, units)
    rows = list(row_values(qs, fam, needed_keys(SNAPSHOT_COLUMNS))[:LIST_SIZE])
    return RowList(title=title, columns=SNAPSHOT_COLUMNS, rows=rows, total=int(total),
                   url=drill_query(metric(fact), "num", window, filters))


def build(user: User, *, window: Window, filters: Filters, level: int | None, now: datetime,
          by_unit: bool = True, with_trend: bool = False, metrics: Sequence[Metric] = PAGE_METRICS) -> Dashboard:
    """The period and the one before it (环比), by unit: one query per family of facts, plus the
    heat map, the two lists, the labels and the targets. The 12-month trend only if asked
    (the report asks; the page fetches it from insights:trend)."""
    with plain_aggregates():  # one transaction for all the counts of the page
        return _build(user, window=window, filters=filters, level=level, now=now, by_unit=by_unit,
                      with_trend=with_trend, metrics=metrics)


def _build(user: User, *, window: Window, filters: Filters, level: int | None, now: datetime, by_unit: bool,
           with_trend: bool, metrics: Sequence[Metric]) -> Dashboard:
    metrics = list(metrics)
    units = UnitMap(filters.root) if (by_unit or filters.root is not None) else None
    previous = window.previous()
    wanted = facts_of(metrics)
    dims = [Dim.UNIT] if by_unit else []
    fams = [f for f in families_for(metrics) if not (by_unit and f.key == "received")]
    table = facts(user, windows=[previous, window], filters=filters, dims=dims, level=level, now=now, units=units,
                  families=fams, wanted=wanted)
    heat = None
    if by_unit:
        # Received per unit × category: the heat map's cells, and (summed) the table's column.
        # The period before from the rollup when it holds it (a closed month), else in the same query.
        fam = FAMILY["received"]
        rolled = rollup.plan(user, [previous], filters, dims, [fam], now) is not None
        received = family_facts(user, fam, windows=[window] if rolled else [previous, window], filters=filters,
                                dims=[Dim.UNIT, Dim.CATEGORY], level=level, now=now, units=units, wanted=wanted)
        if rolled:
            received = {(1, *key[1:]): v for key, v in received.items()}
            for (_segment, unit), values in facts(user, windows=[previous], filters=filters, dims=dims, level=level,
                                                  now=now, units=units, families=[fam], wanted=wanted).items():
                add_facts(table.setdefault((0, unit), {}), values)
        heat = {(0, *key[1:]): v for key, v in received.items() if key[0] == 1}
        for (segment, unit, _category), values in received.items():
            add_facts(table.setdefault((segment, unit), {}), values)
    kpis = table_from(table, window=window, previous=previous, current=[1], before=[0],
                      by=Dim.UNIT if by_unit else None, level=level, metrics=metrics, filters=filters, units=units)
    charts: dict[str, Any] = {}
    months: list[Window] = []
    if with_trend:
        monthly = trend(user, window=window, filters=filters, now=now)
        months = monthly.months
        charts["trend"] = trend_chart(monthly, kpis.total.targets, filters)
    ranked = ranking(kpis, RANK_METRIC) if by_unit else []
    if by_unit:
        charts["ranking"] = _ranking_chart(ranked, kpis)
        charts["heat"] = heat_map(user, window=window, filters=filters, level=level, now=now, units=units, table=heat)
    overdue = kpis.total.figures["overdue"]
    high = kpis.total.figures["high_risk"]
    lists = [
        _row_list(user, "overdue", metric("overdue").label, filters, window, overdue.num, now, units),
        _row_list(user, "high_risk", metric("high_risk").label, filters, window, high.num, now, units),
    ]
    return Dashboard(window=window, filters=filters, table=kpis, trend_months=months, charts=charts, lists=lists,
                     ranked=ranked)


def trend_chart(trend: Trend, targets: dict, filters: Filters) -> dict[str, Any]:
    """The trend chart's data: rates (with their targets) and the monthly number received, each
    point with the URL of its list."""
    received = metric("received")
    series = []
    for key in TREND_RATES:
        m = metric(key)
        target = targets.get(key)
        series.append({
            "name": gettext(m.label),
            "data": trend.series(m),
            "links": [drill_query(m, "den", w, filters) for w in trend.months],
            "target": float(target) if target is not None else None,
        })
    return {
        "months": [f"{w.first.year}-{w.first.month:02d}" for w in trend.months],
        "rates": series,
        "received": {
            "name": gettext(received.label),
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
        "metric": gettext(m.label),
        "units": [g.label for _pos, g in rows],
        "data": [g.figures[RANK_METRIC].percent for _pos, g in rows],
        "links": [g.figures[RANK_METRIC].url for _pos, g in rows],
        "target": float(target) if target is not None else None,
    }

