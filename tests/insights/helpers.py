"""Small readers of KPI results for the tests: a table's figures by unit code, drill-down rows."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

from insights.kpi import Filters
from insights.lists import DrillDown, parse_drill
from insights.tables import KpiTable, kpi_table
from tongxin.lib.kpi import Window


def table(user, window: Window, root, *, by: str | None = "unit", level: int | None = None, now, **kw) -> KpiTable:
    return kpi_table(user, window=window, filters=Filters(root=root, **kw), by=by, level=level, now=now)


def by_unit(kpis: KpiTable) -> dict[str, dict]:
    """unit code (or "total") → metric key → (num, den)."""
    out = {g.unit.code if g.unit else str(g.key): {k: (f.num, f.den) for k, f in g.figures.items()} for g in kpis.groups}
    out["total"] = {k: (f.num, f.den) for k, f in kpis.total.figures.items()}
    return out


def drill(url: str, user, now) -> DrillDown:
    return parse_drill(dict(parse_qsl(urlparse(url).query)), user, now)


def numbers(down: DrillDown) -> list[str]:
    return sorted(r["number"] for r in down.iter_rows())
