"""The KPI engine: facts counted in the database over ``visible_to(user)``, and the rows behind
every count (the drill-down), built by the same functions so the two cannot disagree.

Each fact belongs to a *family*: the petitions placed in a period by one stored column
(``received_at``, ``acceptance_due_at``, ``accepted_at``, ``handling_due_at``, ``replied_at``)
and attributed to one unit (受理单位 or 承办单位). Forwarding decisions are read from the
FORWARDED events instead (the forwarding unit's period is recorded on the event). A report
runs one grouped query per family — ``COUNT(*) FILTER (WHERE …)`` per fact, grouped by the
period segment, the unit's id and the requested dimensions — and folds the small grouped results
in Python (units rolled up to the chosen depth there, without a join); no petition row is ever
loaded to be counted. Formulas live in tongxin.lib.kpi, definitions and the reasons for the
indexes in docs/kpi.md.

Scope: every query starts from ``petitions.selectors.visible_to(user)`` (DESIGN §3), so a
person accused in a 检举控告 never finds it in a count, a chart or a list.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncMonth

from orgs.models import SEGMENT, Unit, User, path_successor
from petitions.choices import OPEN_STATES, Flag, Rating, ReviewLevel, ReviewOutcome, RiskLevel, State
from petitions.models import Petition, PetitionEvent, Review
from petitions.selectors import visible_to
from tongxin.lib.kpi import FACTS, Metric, Window, WindowKind, add_facts
from tongxin.lib.periods import SHANGHAI

# A late forward happens after its due; an on-time one at most one acceptance period before it
# (15 days, plus at most 9 days of a holiday the last day rolls over; a unit may only shorten
# it). Forward events older than this before a window cannot fall due in it: the bound lets the
# (kind, at) index do the work.
FORWARD_LOOKBACK = timedelta(days=31)


class Dim(StrEnum):
    """What a report can be grouped by."""

    UNIT = "unit"  # the unit subtree at a chosen depth (受理单位 or 承办单位, per family)
    HANDLER = "handler"  # 承办人 (responsible person)
    CATEGORY = "category"
    PTYPE = "ptype"
    CHANNEL = "channel"


_DIM_FIELDS = {Dim.HANDLER: "handler_id", Dim.CATEGORY: "category", Dim.PTYPE: "ptype", Dim.CHANNEL: "channel"}


@dataclass(frozen=True)
class Filters:
    """Restrictions chosen on a page: a unit subtree and petition attributes."""

    root: Unit | None = None
    category: str = ""
    ptype: str = ""
    channel: str = ""
    handler_id: int | None = None  # 0: not assigned yet

    def petition_q(self, prefix: str = "") -> Q:
        q = Q()
        for name in ("category", "ptype", "channel"):
            value = getattr(self, name)
            if value:
                q &= Q(**{f"{prefix}{name}": value})
        if self.handler_id == 0:  # "not assigned" (a group of the by-person table)
            q &= Q(**{f"{prefix}handler_id__isnull": True})
        elif self.handler_id is not None:
            q &= Q(**{f"{prefix}handler_id": self.handler_id})
        return q

    def level(self, level: int | None) -> int:
        """The depth units are rolled up to: by default the root's children."""
        if level is not None:
            return max(1, level)
        return (self.root.depth + 1) if self.root is not None else 1


@dataclass(frozen=True)
class Cell:
    """One group of a report, as the drill-down receives it: the period segment and the value
    of each grouping dimension (``unit`` is the bucket path; ``handler`` None = not assigned)."""

    window: Window
    dims: Mapping[str, Any] = field(default_factory=dict)
    level: int | None = None


# --------------------------------------------------------------------------- families


def flag_q(flag: str, prefix: str = "") -> Q:
    """Petitions carrying ``flag`` in their JSON list of flags (jsonb ``@>`` on PostgreSQL;
    the quoted code inside the stored text on SQLite, which has no JSON containment)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{prefix}flags__contains": [flag]})
    return Q(**{f"{prefix}flags__icontains": f'"{flag}"'})


def _in_review(level: str, **extra) -> Q:
    # IN (subquery): one hashed look-up per row, not a correlated sub-select per row.
    return Q(pk__in=Review.objects.filter(level=level, **extra).values("petition_id"))


def _seconds(later: str, earlier: str):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


@dataclass(frozen=True)
class Family:
    key: str
    label: str
    date: str | None  # the column that places a petition in a period (None: a snapshot of now)
    handling_unit: bool  # attributed to 承办单位 (else 受理单位)
    base: Callable[[datetime], Q]  # rows that belong, apart from the period
    counts: Callable[[datetime], dict[str, Q]]
    sums: Callable[[], dict[str, tuple[Any, Q]]] = lambda: {}
    events: bool = False  # counted from FORWARDED events rather than petition rows
    # A deadline (00:00 after the last day) belongs to the period of its last day: (start, end].
    deadline: bool = False

    def unit_key(self):
        """The unit a row counts for, without a join: its id (the forwarding unit's code on a
        FORWARDED event). Mapped to the unit's path, and rolled up, in Python (:class:`UnitMap`)."""
        if self.events:
            # As text (not a JSON key lookup): compared with plain unit codes.
            return Cast(KeyTextTransform("from_unit", "data"), CharField())
        if self.handling_unit:
            return Coalesce(F("handling_unit_id"), F("unit_id"))
        return F("unit_id")

    def unit_lookup(self) -> str:
        return "code" if self.events else "pk"


_DECIDED = Q(accepted_at__isnull=False) | Q(state=State.NOT_ACCEPTED)
_GONE = Q(state__in=[State.WITHDRAWN, State.MERGED])

FAMILIES: tuple[Family, ...] = (
    Family(
        "received", "收到", "received_at", False,
        base=lambda now: Q(),
        counts=lambda now: {
            "received": Q(),
            "repeat": flag_q(Flag.REPEAT) | Q(state=State.MERGED),
            "collective": flag_q(Flag.COLLECTIVE),
            "skip_level": flag_q(Flag.SKIP_LEVEL),
        },
    ),
    Family(
        # The petition's current acceptance period (the unit it was last forwarded to). Due when
        # decided, or when the period ran out undecided; a matter withdrawn or merged before any
        # decision owes none.
        "acceptance", "受理决定", "acceptance_due_at", False, deadline=True,
        base=lambda now: _DECIDED | (Q(acceptance_due_at__lte=now) & ~_GONE),
        counts=lambda now: {
            "acc_due": Q(),
            "acc_on_time": Q(accepted_at__lt=F("acceptance_due_at"))
            | Q(state=State.NOT_ACCEPTED, closed_at__lt=F("acceptance_due_at")),
        },
    ),
    Family(
        "forward", "转送决定", None, False, events=True, deadline=True,
        base=lambda now: Q(),
        counts=lambda now: {"fwd_due": Q(), "fwd_on_time": Q(at__lt=F("_due"))},
    ),
    Family(
        "accepted", "受理", "accepted_at", False,
        base=lambda now: Q(),
        counts=lambda now: {"accepted": Q()},
        sums=lambda: {"accept_seconds": (_seconds("accepted_at", "received_at"), Q())},
    ),
    Family(
        # Replies owed: replied, or the handling period (with any approved extension: the stored
        # handling_due_at) ran out; a matter withdrawn or merged before its reply owes none.
        "handling", "答复期限", "handling_due_at", True, deadline=True,
        base=lambda now: Q(replied_at__isnull=False) | (Q(handling_due_at__lte=now) & ~_GONE),
        counts=lambda now: {"hand_due": Q(), "hand_on_time": Q(replied_at__lt=F("handling_due_at"))},
    ),
    Family(
        "reply", "答复", "replied_at", True,
        base=lambda now: Q(),
        counts=lambda now: {
            "replied": Q(),
            "rated": Q(rated_at__isnull=False),
            "satisfied": Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY]),
            "reviewed": _in_review(ReviewLevel.REVIEW),
            "rereviewed": _in_review(ReviewLevel.REREVIEW),
            "review_decided": _in_review(ReviewLevel.REVIEW, decided_at__isnull=False),
            "review_upheld": _in_review(ReviewLevel.REVIEW, outcome=ReviewOutcome.UPHOLD),
        },
        sums=lambda: {"reply_seconds": (_seconds("replied_at", "accepted_at"), Q(accepted_at__isnull=False))},
    ),
    Family(
        "snapshot", "当前", None, True,
        base=lambda now: Q(state__in=sorted(OPEN_STATES)) & (Q(due_at__lte=now) | Q(risk_level=RiskLevel.HIGH)),
        counts=lambda now: {"overdue": Q(due_at__lte=now), "high_risk": Q(risk_level=RiskLevel.HIGH)},
    ),
)
FAMILY: dict[str, Family] = {f.key: f for f in FAMILIES}
FACT_FAMILY: dict[str, Family] = {}
for _family in FAMILIES:
    for _name in [*_family.counts(datetime.now(UTC)), *_family.sums()]:
        FACT_FAMILY[_name] = _family
assert set(FACT_FAMILY) == set(FACTS), set(FACT_FAMILY) ^ set(FACTS)
# Seconds facts drill down to the rows they are summed over.
_ROWS_OF = {"accept_seconds": "accepted", "reply_seconds": "replied"}


def families_for(metrics: Iterable[Metric]) -> list[Family]:
    wanted = {FACT_FAMILY[f].key for m in metrics for f in m.facts}
    return [f for f in FAMILIES if f.key in wanted]


# --------------------------------------------------------------------------- rows


def _in_window(column: str, w: Window, deadline: bool) -> Q:
    if deadline:  # the last day (due_at - 1 day) lies in the period
        return Q(**{f"{column}__gt": w.start, f"{column}__lte": w.end})
    return Q(**{f"{column}__gte": w.start, f"{column}__lt": w.end})


def _window_q(column: str, windows: Sequence[Window], deadline: bool) -> Q:
    """Rows in any of the windows; adjacent windows (the months of a trend) become one range,
    one index range scan."""
    spans: list[Window] = []
    for w in sorted(windows, key=lambda w: w.first):
        if spans and spans[-1].last + timedelta(days=1) >= w.first:
            spans[-1] = Window.range(spans[-1].first, max(spans[-1].last, w.last))
        else:
            spans.append(w)
    q = Q(pk__in=[])
    for w in spans:
        q |= _in_window(column, w, deadline)
    return q


def _scoped_petitions(user: User, filters: Filters) -> QuerySet[Petition]:
    qs = visible_to(user)
    pq = filters.petition_q()
    return qs.filter(pq) if pq else qs


def _family_rows(user: User | None, fam: Family, windows: Sequence[Window], filters: Filters, now: datetime,
                 units: UnitMap | None = None, base: QuerySet[Petition] | None = None) -> QuerySet:
    """The rows of one family in the given periods and scope: what is counted, and what the
    drill-down lists. Petitions, or FORWARDED events for the forward family. With the root's
    ``units`` at hand the subtree is a constant list (a hashed look-up per row on PostgreSQL),
    else a sub-select. ``base``: these petitions instead of those ``user`` may see (the
    rollup's build, and the rows withheld from a person)."""
    scoped = _scoped_petitions(user, filters) if base is None else base.filter(filters.petition_q())
    if fam.events:
        petitions = scoped.values("pk")
        lo = min(w.start for w in windows) - FORWARD_LOOKBACK
        qs = PetitionEvent.objects.filter(kind=PetitionEvent.Kind.FORWARDED, at__gte=lo, petition__in=petitions)
        qs = qs.alias(_due=Cast(KeyTextTransform("due_at", "data"), DateTimeField()))
        date = "_due"
    else:
        qs = scoped
        date = fam.date
    qs = qs.alias(_fkey=fam.unit_key())
    if filters.root is not None:
        if units is not None and units.root == filters.root.pk:
            if not units.covers_all:
                qs = qs.filter(_unit_in(fam, list(units.by_code if fam.events else units.by_id)))
        else:
            qs = qs.filter(_unit_in(fam, _subtree(filters.root.path, fam)))
    if date is not None:
        qs = qs.filter(_window_q(date, windows, fam.deadline))
    base = fam.base(now)
    return qs.filter(base) if base else qs


def _subtree(path: str, fam: Family) -> list:
    """The ids (codes, for events) of a unit's subtree: a short constant list, which the planner
    can use with the unit indexes (a drill-down of one mine) or hash (a whole company)."""
    return list(Unit.objects.filter(path__gte=path, path__lt=path_successor(path))
                .values_list(fam.unit_lookup(), flat=True))


def _unit_in(fam: Family, units) -> Q:
    """The row counts for one of ``units``. For the 承办单位 families the unit is
    ``COALESCE(handling_unit_id, unit_id)``, written out so that both FK indexes can serve."""
    if fam.handling_unit and not fam.events:
        return Q(handling_unit_id__in=units) | Q(handling_unit_id__isnull=True, unit_id__in=units)
    return Q(_fkey__in=units)


def _dim_expr(fam: Family, dim: str):
    if dim == Dim.UNIT:
        return F("_fkey")
    column = _DIM_FIELDS[Dim(dim)]
    return F(f"petition__{column}") if fam.events else F(column)


class UnitMap:
    """Unit id or code → materialised path, to roll grouped rows up to a depth in Python (the
    database groups by the raw unit; a few hundred rows per query)."""

    def __init__(self, root: Unit | None) -> None:
        self.root = root.pk if root is not None else None
        self.by_id: dict[int, str] = {}
        self.by_code: dict[str, str] = {}
        self.by_path: dict[str, Unit] = {}
        everything = 0
        for unit in Unit.objects.all():  # the whole tree: a few hundred rows
            everything += 1
            if root is None or unit.path.startswith(root.path):
                self.by_id[unit.pk] = unit.path
                self.by_code[unit.code] = unit.path
                self.by_path[unit.path] = unit
        # The root's subtree is the whole tree: restricting to it restricts nothing.
        self.covers_all = len(self.by_id) == everything

    def subtree(self, path: str, fam: Family) -> list:
        """The ids (codes) of a unit's subtree, from the tree read once."""
        return [u.code if fam.events else u.pk for p, u in self.by_path.items() if p.startswith(path)]

    def only(self, path: str, fam: Family) -> list:
        unit = self.by_path.get(path)
        return [] if unit is None else [unit.code if fam.events else unit.pk]

    def bucket(self, key: Any, fam: Family, level: int) -> str | None:
        path = (self.by_code if fam.events else self.by_id).get(key)
        if path is None:
            return None
        return path[: SEGMENT * level]


def _cell_q(fam: Family, cell: Cell, filters: Filters, units: UnitMap | None = None) -> Q:
    q = Q()
    level = filters.level(cell.level)
    prefix = "petition__" if fam.events else ""
    for dim, value in cell.dims.items():
        if dim == Dim.UNIT:
            if value is None:
                q &= Q(_fkey__isnull=True)
            elif len(value) >= SEGMENT * level:  # a unit at the level: its whole subtree
                q &= _unit_in(fam, units.subtree(value, fam) if units else _subtree(value, fam))
            else:  # a unit above the level (the root itself): its own rows only
                q &= _unit_in(fam, units.only(value, fam) if units else list(
                    Unit.objects.filter(path=value).values_list(fam.unit_lookup(), flat=True)))
        else:
            column = prefix + _DIM_FIELDS[Dim(dim)]
            q &= Q(**{f"{column}__isnull": True}) if value is None else Q(**{column: value})
    return q


def fact_rows(user: User, fact: str, cell: Cell, filters: Filters, now: datetime,
              units: UnitMap | None = None) -> QuerySet:
    """The rows behind one fact of one cell: the drill-down. Its ``count()`` equals the fact
    as :func:`facts` counts it for that cell (tests/insights check this)."""
    fact = _ROWS_OF.get(fact, fact)
    fam = FACT_FAMILY[fact]
    if units is None and (filters.root is not None or Dim.UNIT in cell.dims):
        units = UnitMap(filters.root)
    qs = _family_rows(user, fam, [cell.window], filters, now, units)
    qs = qs.filter(_cell_q(fam, cell, filters, units))
    condition = fam.counts(now)[fact]
    return qs.filter(condition) if condition else qs


# --------------------------------------------------------------------------- grouped counts

Key = tuple  # (segment index, *dimension values in the order asked)


# What one page has learnt once for all its counts (the rollup's valid months): set by the
# outermost plain_aggregates, so a page asks once, and a later request asks again.
_PAGE: ContextVar[dict | None] = ContextVar("insights_page", default=None)


def page_memo() -> dict | None:
    return _PAGE.get()


@contextmanager
def plain_aggregates() -> Iterator[None]:
    token = _PAGE.set({}) if _PAGE.get() is None else None
    try:
        with _plain_aggregates():
            yield
    finally:
        if token is not None:
            _PAGE.reset(token)


@contextmanager
def _plain_aggregates() -> Iterator[None]:
    """PostgreSQL's JIT compiles every large aggregate (~30 ms each, more than the query's own
    work here): off for the engine's queries, in a transaction of their own (SET LOCAL); and
    group by hashing (see below)."""
    if connection.vendor != "postgresql" or getattr(connection, "_insights_plain", False):
        yield  # SQLite, or already inside: a page wraps all its counts in one such transaction
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        # The planner cannot estimate how few groups (months × units) a family yields and sorts
        # hundreds of thousands of rows for them; hashing is what fits.
        cursor.execute("SET LOCAL enable_sort = off")
        connection._insights_plain = True
        try:
            yield
        finally:
            connection._insights_plain = False


def _aggregates(fam: Family, now: datetime, wanted: Collection[str] | None = None) -> dict[str, Any]:
    aggs: dict[str, Any] = {}
    for name, condition in fam.counts(now).items():
        if wanted is None or name in wanted:
            aggs[name] = Count("pk", filter=condition) if condition else Count("pk")
    for name, (expr, condition) in fam.sums().items():
        if wanted is None or name in wanted:
            aggs[name] = Sum(expr, filter=condition) if condition else Sum(expr)
    return aggs


def _number(value: Any) -> float:
    if value is None:
        return 0
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def family_facts(
    user: User,
    fam: Family,
    *,
    windows: Sequence[Window],
    filters: Filters,
    dims: Sequence[str] = (),
    level: int | None = None,
    now: datetime,
    units: UnitMap | None = None,
    wanted: Collection[str] | None = None,
    base: QuerySet[Petition] | None = None,
    raw_units: bool = False,
) -> dict[Key, dict[str, float]]:
    """One grouped query: the family's facts (those ``wanted``, default all) per (segment, *dims). A snapshot family has no
    segments (its key's segment is None). Units are grouped by their own id in the database
    and rolled up to ``level`` here (``raw_units``: left as the id, or the code on an event).
    ``base``: count these petitions instead of those ``user`` may see."""
    if units is None and (Dim.UNIT in dims or filters.root is not None):
        units = UnitMap(filters.root)
    qs = _family_rows(user, fam, windows, filters, now, units, base)
    level = filters.level(level)
    keys: dict[str, Any] = {}
    date = "_due" if fam.events else fam.date
    segmented = date is not None and len(windows) > 1
    by_month: dict[tuple[int, int], int] | None = None
    if (segmented and connection.vendor == "postgresql" and all(w.kind is WindowKind.MONTH for w in windows)
            and (len(windows) > 3 or fam.events)):
        # The months of a trend: one date_trunc per row (of the last day, for a deadline), not
        # a CASE of comparisons (the forward family's date is parsed from JSON: once, not 24 times).
        # PostgreSQL only: SQLite calls Python for date_trunc and date arithmetic on every row
        # (2.8× slower at a million rows), while it compares the stored text natively.
        by_month = {(w.first.year, w.first.month): i for i, w in enumerate(windows)}
        when = F(date)
        if fam.deadline:
            when = ExpressionWrapper(F(date) - timedelta(days=1), output_field=DateTimeField())
        keys["_t"] = TruncMonth(when, tzinfo=SHANGHAI)
    elif segmented:
        keys["_t"] = Case(
            *[When(_in_window(date, w, fam.deadline), then=Value(i)) for i, w in enumerate(windows)],
            output_field=IntegerField(),
        )
    for dim in dims:
        keys[f"_d_{dim}"] = _dim_expr(fam, dim)
    if not keys and fam.events:
        # aggregate() cannot read the event's due (an alias): one group, keyed by the window.
        keys["_t"] = Case(When(_window_q(date, windows, fam.deadline), then=Value(0)), output_field=IntegerField())
    aggs = _aggregates(fam, now, wanted)
    with plain_aggregates():
        if not keys:
            rows = [qs.aggregate(**aggs)]
        else:
            rows = list(qs.order_by().values(**keys).annotate(**aggs))
    out: dict[Key, dict[str, float]] = {}
    for row in rows:
        segment = row.get("_t", 0) if date is not None else None
        if by_month is not None:
            local = segment.astimezone(SHANGHAI)
            segment = by_month.get((local.year, local.month))
            if segment is None:  # outside the windows (cannot happen: the rows are filtered by them)
                continue
        key = (segment, *(row[f"_d_{d}"] if d != Dim.UNIT or raw_units else units.bucket(row[f"_d_{d}"], fam, level)
                          for d in dims))
        facts = {name: _number(row[name]) for name in aggs}
        add_facts(out.setdefault(key, {}), facts)
    return out


def facts(
    user: User,
    *,
    windows: Sequence[Window],
    filters: Filters,
    dims: Sequence[str] = (),
    level: int | None = None,
    families: Iterable[Family] = FAMILIES,
    now: datetime,
    units: UnitMap | None = None,
    wanted: Collection[str] | None = None,
    rollup: bool = True,
) -> dict[Key, dict[str, float]]:
    """Facts per (segment, *dims) for the given disjoint periods: one query per family.
    Snapshot facts (overdue, high risk now) are under segment None.

    Closed months that the rollup holds, unchanged since it was built, are read from it
    (insights.rollup) when the person sees every petition and nothing but units is asked for;
    the rest of each period is counted here as always (``rollup=False``: all of it)."""
    from insights import rollup as rollups

    if units is None and (Dim.UNIT in dims or filters.root is not None):
        units = UnitMap(filters.root)
    fams = [fam for fam in families if wanted is None or any(FACT_FAMILY[f] is fam for f in wanted)]
    with plain_aggregates():
        plan = rollups.plan(user, windows, filters, dims, fams, now) if rollup else None
        if plan is None:
            out: dict[Key, dict[str, float]] = {}
            for fam in fams:
                for key, values in family_facts(user, fam, windows=windows, filters=filters, dims=dims, level=level,
                                                now=now, units=units, wanted=wanted).items():
                    add_facts(out.setdefault(key, {}), values)
            return out
        return rollups.facts(user, plan, filters=filters, dims=dims, level=level, families=fams, now=now,
                            units=units, wanted=wanted)


def cell_count(user: User, fact: str, cell: Cell, filters: Filters, now: datetime) -> float:
    """The fact for one cell as the grouped query counts it (used to check drill-downs)."""
    fam = FACT_FAMILY[fact]
    dims = list(cell.dims)
    table = family_facts(user, fam, windows=[cell.window], filters=filters, dims=dims, level=cell.level, now=now)
    key_dims = tuple(cell.dims[d] for d in dims)
    return sum(v.get(fact, 0) for k, v in table.items() if k[1:] == key_dims)
