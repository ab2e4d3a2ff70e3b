"""The 宣传部 dashboard: one year within the viewer's scope — placements by outlet level and
month and by unit, pieces published, lecture reach by month, 中心组 compliance, open incidents.
Every figure links to the records behind it (drill-down). Aggregates only, on indexed columns."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from orgs.models import Unit, User, subtree_q
from publicity.choices import IncidentState, OutletLevel, PieceState
from publicity.ideology import incidents_visible_to
from publicity.lectures import lectures_visible_to
from publicity.models import LectureAudience, Piece
from publicity.placements import placements_of_year
from publicity.scoping import staff_units
from publicity.study import center_compliance, plans_visible_to


@dataclass
class Board:
    year: int
    unit: Unit | None
    totals: dict = field(default_factory=dict)
    charts: dict = field(default_factory=dict)
    plans: list = field(default_factory=list)
    incidents: list = field(default_factory=list)


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(f"publicity:{name}") + (f"?{query}" if query else "")


def _year_range(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def build(user: User, year: int, unit: Unit | None = None, *, now: datetime | None = None) -> Board:
    now = now or timezone.now()
    board = Board(year=year, unit=unit)
    months = [f"{m}月" for m in range(1, 13)]
    code = unit.code if unit is not None else ""
    # Placements: month × outlet level, and by unit.
    placements = placements_of_year(user, year)
    if unit is not None:
        placements = placements.filter(subtree_q([unit], field="unit__"))
    grid = {lv: [0] * 12 for lv in OutletLevel.values}
    # Months by plain range comparisons (a per-row date function costs more than the rest of the page).
    month_counts = {f"m{m}": Count("id", filter=Q(published_on__gte=date(year, m, 1),
                                                 published_on__lt=date(year + (m == 12), m % 12 + 1, 1)))
                    for m in range(1, 13)}
    for row in placements.values("outlet_level").annotate(**month_counts):
        grid[row["outlet_level"]] = [row[f"m{m}"] for m in range(1, 13)]
    board.charts["placements"] = {
        "months": months,
        "series": [{"name": str(label), "data": grid[lv]} for lv, label in OutletLevel.choices],
        "links": [_url("ledger", year=year, month=m, unit=code) for m in range(1, 13)],
    }
    by_unit = list(placements.values("unit__code", "unit__name").annotate(n=Count("id"), p=Sum("points"))
                   .order_by("-n", "unit__name")[:12])
    board.charts["units"] = {
        "units": [r["unit__name"] for r in by_unit], "data": [r["n"] for r in by_unit],
        "links": [_url("dashboard", year=year, unit=r["unit__code"]) for r in by_unit],
    }
    board.totals["placements"] = sum(sum(v) for v in grid.values())
    # Pieces published in the newsroom by month.
    lo, hi = _year_range(year)
    # Published pieces of the units the viewer runs publicity for (embargoed ones not yet counted).
    pieces = Piece.objects.filter(state=PieceState.PUBLISHED, published_at__gte=lo, published_at__lt=min(hi, now))
    scope = staff_units(user)
    if scope is not None:
        # The scope as a constant list of unit ids: no join per piece (the tree has a few hundred units).
        ids = list(Unit.objects.subtrees_of(scope).values_list("pk", flat=True)) if scope else []
        pieces = pieces.filter(unit_id__in=ids)
    if unit is not None:
        pieces = pieces.filter(subtree_q([unit], field="unit__"))
    bounds = [datetime(year + (m > 12), (m - 1) % 12 + 1, 1, tzinfo=lo.tzinfo) for m in range(1, 14)]
    counted = pieces.aggregate(**{f"m{i}": Count("id", filter=Q(published_at__gte=bounds[i], published_at__lt=bounds[i + 1]))
                                  for i in range(12)})
    per_month = [counted[f"m{i}"] for i in range(12)]
    board.charts["pieces"] = {"months": months, "data": per_month,
                              "links": [_url("news") for _m in range(12)]}
    board.totals["pieces"] = sum(per_month)
    # Lecture reach by month (audience rows: each person-time once).
    lectures = lectures_visible_to(user).filter(held_at__gte=lo, held_at__lt=hi)
    rows = LectureAudience.objects.filter(lecture__in=lectures.values("pk"))
    if unit is not None:
        rows = rows.filter(subtree_q([unit], field="unit__"))
    summed = rows.aggregate(**{f"m{i}": Sum("attendance", filter=Q(lecture__held_at__gte=bounds[i],
                                                                 lecture__held_at__lt=bounds[i + 1]))
                               for i in range(12)})
    reach = [summed[f"m{i}"] or 0 for i in range(12)]
    board.charts["reach"] = {
        "months": months, "data": reach,
        "links": [_url("lectures", start=date(year, m, 1).isoformat(),
                       end=date(year, m, monthrange(year, m)[1]).isoformat()) for m in range(1, 13)],
    }
    board.totals["person_times"] = sum(reach)
    # 中心组 compliance of the year's plans.
    plans = plans_visible_to(user).filter(year=year).select_related("unit")
    if unit is not None:
        plans = plans.filter(subtree_q([unit], field="unit__"))
    board.plans = [(p, center_compliance(p)) for p in plans[:30]]
    board.totals["plans_ok"] = sum(1 for _p, c in board.plans if c.ok)
    # Open incidents (any year: an open one is open now).
    incidents = incidents_visible_to(user).exclude(state=IncidentState.CLOSED).select_related("unit", "owner")
    if unit is not None:
        incidents = incidents.filter(subtree_q([unit], field="unit__"))
    board.incidents = [(i, i.state == IncidentState.OPEN and i.due_at < now) for i in incidents.order_by("due_at")[:20]]
    board.totals["incidents_open"] = incidents.count()
    board.totals["incidents_overdue"] = incidents.filter(state=IncidentState.OPEN, due_at__lt=now).count()
    return board
