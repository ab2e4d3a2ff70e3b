"""The 宣传部 dashboard: one year within the viewer's scope — placements by outlet level and
month and by unit, pieces published, lecture reach by month, 中心组 compliance, open incidents.
Every figure links to the records behind it (drill-down). The counted figures come from the
monthly tallies the services keep (publicity.tally): a few thousand small rows however many
records there are; ``live_figures`` computes the same from the records (tested equal)."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from orgs.models import Unit, User, subtree_q
from publicity import tally
from publicity.choices import IncidentState, OutletLevel, PieceState
from publicity.ideology import incidents_visible_to
from publicity.models import LectureAudience, Piece, Placement, Tally
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


def scope_ids(user: User, unit: Unit | None) -> list[int] | None:
    """The unit ids the dashboard counts: the viewer's publicity subtree (None: all, for
    administrators), narrowed to ``unit``'s subtree when drilling down. A constant id list: the
    tree has a few hundred units, and the figures are then plain index range reads."""
    scope = staff_units(user)
    if scope is not None and any(u.parent_id is None for u in scope):
        scope = None  # a top unit's officer: the whole tree, no id list to compare with
    ids = None if scope is None else (list(Unit.objects.subtrees_of(scope).values_list("pk", flat=True)) if scope else [])
    if unit is not None:
        below = list(Unit.objects.filter(subtree_q([unit])).values_list("pk", flat=True))
        ids = below if ids is None else sorted(set(ids) & set(below))
    return ids


@dataclass
class Figures:
    """The counted part of the board: placements by level × month, placements and points by unit,
    pieces published by month, lecture person-times by month (audience units in scope)."""

    placements: dict[str, list[int]]
    by_unit: list[tuple[int, int, Decimal]]  # (unit id, placements, points), most placements first
    pieces: list[int]
    reach: list[int]


def _months(year: int) -> list[date]:
    return [date(year, m, 1) for m in range(1, 13)]


def figures(ids: list[int] | None, year: int, now: datetime) -> Figures:
    """From the monthly tallies (publicity.tally), the current month's pieces counted live (an
    embargoed piece is not yet due)."""
    rows = Tally.objects.filter(metric__in=(tally.PIECE, tally.PLACEMENT, tally.REACH),
                                month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1))
    if ids is not None:
        rows = rows.filter(unit_id__in=ids)
    placements = {lv: [0] * 12 for lv in OutletLevel.values}
    pieces, reach = [0] * 12, [0] * 12
    this_month = timezone.localtime(now).date().replace(day=1)
    # Summed in the database: at most 12 months × (levels + 2) rows come back, whatever the scope.
    for r in rows.values("metric", "month", "level").annotate(n=Sum("n"), t=Sum("total")).order_by():
        i = r["month"].month - 1
        if r["metric"] == tally.PLACEMENT:
            placements.setdefault(r["level"], [0] * 12)[i] += r["n"]
        elif r["metric"] == tally.PIECE and r["month"] < this_month:
            pieces[i] += r["n"]
        elif r["metric"] == tally.REACH:
            reach[i] += int(r["t"] or 0)
    units = {r["unit_id"]: [r["n"], r["t"] or Decimal(0)] for r in
             rows.filter(metric=tally.PLACEMENT).values("unit_id").annotate(n=Sum("n"), t=Sum("total")).order_by()}
    if year == this_month.year:
        live = Piece.objects.filter(state=PieceState.PUBLISHED, published_at__gte=_start_of(this_month),
                                    published_at__lt=now)
        if ids is not None:
            live = live.filter(unit_id__in=ids)
        pieces[this_month.month - 1] = live.count()
    by_unit = sorted(((uid, v[0], v[1]) for uid, v in units.items()), key=lambda x: (-x[1], x[0]))
    return Figures(placements=placements, by_unit=by_unit, pieces=pieces, reach=reach)


def _start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.get_current_timezone())


def live_figures(ids: list[int] | None, year: int, now: datetime) -> Figures:
    """The same figures aggregated from the records themselves (the check of the tallies)."""
    bounds = [_start_of(m) for m in _months(year)] + [_start_of(date(year + 1, 1, 1))]
    placements_qs = Placement.objects.filter(published_on__gte=date(year, 1, 1), published_on__lt=date(year + 1, 1, 1))
    pieces_qs = Piece.objects.filter(state=PieceState.PUBLISHED, published_at__gte=bounds[0],
                                     published_at__lt=min(bounds[12], now))
    audience = LectureAudience.objects.filter(lecture__held_at__gte=bounds[0], lecture__held_at__lt=bounds[12])
    if ids is not None:
        placements_qs = placements_qs.filter(unit_id__in=ids)
        pieces_qs = pieces_qs.filter(unit_id__in=ids)
        audience = audience.filter(unit_id__in=ids)
    placements = {lv: [0] * 12 for lv in OutletLevel.values}
    units: dict[int, list] = {}
    for p in placements_qs.values("outlet_level", "published_on", "unit_id", "points"):
        placements.setdefault(p["outlet_level"], [0] * 12)[p["published_on"].month - 1] += 1
        u = units.setdefault(p["unit_id"], [0, Decimal(0)])
        u[0] += 1
        u[1] += p["points"]
    pieces = [0] * 12
    for at in pieces_qs.values_list("published_at", flat=True):
        pieces[timezone.localtime(at).month - 1] += 1
    reach = [0] * 12
    for at, people in audience.values_list("lecture__held_at", "attendance"):
        reach[timezone.localtime(at).month - 1] += people
    by_unit = sorted(((uid, v[0], v[1]) for uid, v in units.items()), key=lambda x: (-x[1], x[0]))
    return Figures(placements=placements, by_unit=by_unit, pieces=pieces, reach=reach)


def build(user: User, year: int, unit: Unit | None = None, *, now: datetime | None = None) -> Board:
    now = now or timezone.now()
    board = Board(year=year, unit=unit)
    months = [f"{m}月" for m in range(1, 13)]
    code = unit.code if unit is not None else ""
    fig = figures(scope_ids(user, unit), year, now)
    board.charts["placements"] = {
        "months": months,
        "series": [{"name": str(label), "data": fig.placements.get(lv, [0] * 12)} for lv, label in OutletLevel.choices],
        "links": [_url("ledger", year=year, month=m, unit=code) for m in range(1, 13)],
    }
    top = fig.by_unit[:12]
    names = {u.pk: u for u in Unit.objects.filter(pk__in=[t[0] for t in top]).only("pk", "code", "name")}
    top = sorted(top, key=lambda t: (-t[1], names[t[0]].name))
    board.charts["units"] = {
        "units": [names[t[0]].name for t in top], "data": [t[1] for t in top],
        "links": [_url("dashboard", year=year, unit=names[t[0]].code) for t in top],
    }
    board.totals["placements"] = sum(sum(v) for v in fig.placements.values())
    board.charts["pieces"] = {"months": months, "data": fig.pieces, "links": [_url("news") for _m in range(12)]}
    board.totals["pieces"] = sum(fig.pieces)
    board.charts["reach"] = {
        "months": months, "data": fig.reach,
        "links": [_url("lectures", start=date(year, m, 1).isoformat(),
                       end=date(year, m, monthrange(year, m)[1]).isoformat()) for m in range(1, 13)],
    }
    board.totals["person_times"] = sum(fig.reach)
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
