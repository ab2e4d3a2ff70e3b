"""The 宣传部 dashboard: one year within the viewer's scope — placements by outlet level and
month and by unit, pieces published, lecture reach by month, 中心组 compliance, open incidents.
Every figure links to the records behind it (drill-down). Aggregates only, on indexed columns."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth, TruncMonth
from django.urls import reverse
from django.utils import timezone

from orgs.models import Unit, User, subtree_q
from publicity.choices import IncidentState, OutletLevel, PieceState
from publicity.ideology import incidents_visible_to
from publicity.lectures import lectures_visible_to
from publicity.models import LectureAudience
from publicity.placements import placements_of_year
from publicity.scoping import pieces_visible_to
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
    for m, lv, n in placements.annotate(m=ExtractMonth("published_on")).values_list("m", "outlet_level") \
            .annotate(n=Count("id")).values_list("m", "outlet_level", "n"):
        grid[lv][m - 1] = n
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
    pieces = pieces_visible_to(user, now).filter(state=PieceState.PUBLISHED, published_at__gte=lo, published_at__lt=hi)
    if unit is not None:
        pieces = pieces.filter(subtree_q([unit], field="unit__"))
    per_month = [0] * 12
    for m, n in pieces.annotate(m=TruncMonth("published_at")).values_list("m").annotate(n=Count("id")).values_list("m", "n"):
        per_month[timezone.localtime(m).month - 1 if timezone.is_aware(m) else m.month - 1] += n
    board.charts["pieces"] = {"months": months, "data": per_month,
                              "links": [_url("news") for _m in range(12)]}
    board.totals["pieces"] = sum(per_month)
    # Lecture reach by month (audience rows: each person-time once).
    lectures = lectures_visible_to(user).filter(held_at__gte=lo, held_at__lt=hi)
    rows = LectureAudience.objects.filter(lecture__in=lectures.values("pk"))
    if unit is not None:
        rows = rows.filter(subtree_q([unit], field="unit__"))
    reach = [0] * 12
    for m, p in rows.annotate(m=TruncMonth("lecture__held_at")).values_list("m").annotate(p=Sum("attendance")) \
            .values_list("m", "p"):
        reach[timezone.localtime(m).month - 1 if timezone.is_aware(m) else m.month - 1] += p or 0
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
