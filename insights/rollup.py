"""The closed-month rollup: the facts of every closed calendar month per unit, rebuilt from
the petitions and their events, so that a year of trend or a 12-month table reads a few
thousand rows instead of counting a million petitions again on every view.

It is not a counter. :func:`refresh` recomputes whole months with the KPI engine's own grouped
queries (insights.kpi.family_facts, for a reader who sees every petition) and replaces their
rows; nothing ever adds to a stored number. And it is never trusted blindly: every workflow
change of a petition appends a PetitionEvent (petitions.events.append_event, in the same
transaction) and every other change is audited against it (audit_record: triage raising flags,
a corrected classification); a petition's dates — receipt, acceptance and handling deadlines,
acceptance, reply, the deadline recorded on a forward — all lie on or after its receipt. So a
petition with an event or audit record later than the rollup's watermarks can have changed
only the months from its receipt on: those months are counted live until the next refresh
rebuilds them (:func:`valid_months`). A late
event in a closed month, a ledger import of past years, a rating or a 复查 decision weeks after
the reply: each makes its months live again, never wrong.

Used (:func:`plan`) when the reader sees every petition but the few withheld from them
(petitions.selectors.desk_covers_everything: the group's leaders and officers, administrators)
and the report asks for nothing but periods and units (no category, type, channel or person
filter or grouping). The rows withheld from the reader (excluded_q: accusations against them
or the units they lead) are counted live in the rolled months and subtracted. Everything else
— the open month, a partial month of a date range, the snapshot facts (overdue now, high
risk) — is counted live as before. tests/insights/test_rollup.py checks that a page reads the
same numbers with and without the rollup, before and after late events.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Min, Sum
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from audit.models import AuditEvent
from insights.kpi import (
    FACT_FAMILY,
    FAMILIES,
    Dim,
    Family,
    Filters,
    Key,
    UnitMap,
    family_facts,
    page_memo,
)
from insights.models import ROLLUP_COUNTS, ROLLUP_DURATIONS, MonthFacts, RollupState
from orgs.models import SEGMENT, Unit, User
from petitions.models import Petition, PetitionEvent
from petitions.selectors import desk_covers_everything, excluded_q
from tongxin.lib.kpi import Window, add_facts
from tongxin.lib.periods import SHANGHAI

# The families the rollup holds: those placed in a period by a date (not the snapshot of now).
ROLLED = tuple(f for f in FAMILIES if f.date is not None or f.events)
# Each family's count of all its rows: > 0 exactly when the family has rows for a (month, unit).
PRESENCE = {"received": "received", "acceptance": "acc_due", "forward": "fwd_due", "accepted": "accepted",
            "handling": "hand_due", "reply": "replied"}
_COLUMN = {**{name: name for name in ROLLUP_COUNTS}, **ROLLUP_DURATIONS}
_US = 1_000_000
# How long refresh waits for the transactions in flight when it reads the watermark.
IN_FLIGHT_WAIT = 120.0


def _month_of(d: date) -> date:
    return d.replace(day=1)


def _closed(month: date, now: datetime) -> bool:
    return Window.month(month.year, month.month).end <= now


# --------------------------------------------------------------------------- validity


def _dirty_from(watermark: int, audit_watermark: int) -> date | None:
    """The first month a petition changed since the watermarks may have changed (None: none
    changed): petitions with a later event, or a later audit record (a change made without an
    event: triage's flags, a corrected classification). A deadline at 00:00 of a month's first
    day belongs to the month before: hence the day before the receipt."""
    audited = (AuditEvent.objects.filter(pk__gt=audit_watermark, target_type=Petition._meta.label_lower)
               .annotate(pid=Cast("target_id", BigIntegerField())).values("pid"))
    # Two semi-joins (an OR of the two would test a million petitions against both lists).
    firsts = [Petition.objects.filter(pk__in=changed).aggregate(first=Min("received_at"))["first"]
              for changed in (PetitionEvent.objects.filter(pk__gt=watermark).values("petition_id"), audited)]
    first = min((f for f in firsts if f is not None), default=None)
    if first is None:
        return None
    return _month_of((first.astimezone(SHANGHAI) - timedelta(days=1)).date())


def valid_months(now: datetime) -> frozenset[date]:
    """Closed months whose rollup rows are current: built, and before the first month that a
    petition changed since the build may touch. Two small queries, once per page."""
    memo = page_memo()
    if memo is not None and "rollup" in memo:
        return memo["rollup"]
    state = RollupState.objects.filter(pk=1).first()
    months: frozenset[date] = frozenset()
    if state is not None and state.months:
        built = {date.fromisoformat(m) for m in state.months}
        dirty = _dirty_from(state.watermark, state.audit_watermark)
        months = frozenset(m for m in built if _closed(m, now) and (dirty is None or m < dirty))
    if memo is not None:
        memo["rollup"] = months
    return months


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Plan:
    rolled: list[tuple[int, Window]]  # (segment, a closed month read from the rollup)
    live: list[tuple[int, Window]]  # (segment, a part of a period counted live)
    windows: Sequence[Window]  # the periods asked for (the snapshot family's)


def plan(user: User, windows: Sequence[Window], filters: Filters, dims: Sequence[str], families: Sequence[Family],
         now: datetime) -> Plan | None:
    """Which parts of ``windows`` the rollup answers, or None when it answers none."""
    if not any(f in ROLLED for f in families):
        return None
    if filters.petition_q() or any(d != Dim.UNIT for d in dims):
        return None  # the rollup is by month and unit only
    if user is None or not user.is_authenticated or not desk_covers_everything(user):
        return None
    valid = valid_months(now)
    if not valid:
        return None
    rolled: list[tuple[int, Window]] = []
    live: list[tuple[int, Window]] = []
    for i, w in enumerate(windows):
        parts: list[Window] = []
        for m in w.months():
            whole = m.first >= w.first and m.last <= w.last
            if whole and m.first in valid:
                rolled.append((i, m))
                continue
            part = m if whole else Window.range(max(m.first, w.first), min(m.last, w.last))
            if parts and parts[-1].last + timedelta(days=1) == part.first:  # one range, not two
                parts[-1] = Window.range(parts[-1].first, part.last)
            else:
                parts.append(part)
        if len(parts) == 1 and parts[0].first == w.first and parts[0].last == w.last:
            parts = [w]  # the whole period is live: keep its kind
        live += [(i, p) for p in parts]
    if not rolled:
        return None
    return Plan(rolled=rolled, live=live, windows=windows)


def _rolled_rows(plan_: Plan, families: Sequence[Family], filters: Filters, dims: Sequence[str], level: int,
                 units: UnitMap | None, wanted: Collection[str] | None) -> list[dict[str, Any]]:
    """One query for every family asked: the rolled months' sums per (month[, unit bucket])."""
    columns: set[str] = set()
    for fam in families:
        if fam in ROLLED:
            columns |= {PRESENCE[fam.key], *(n for n in [*fam.counts(timezone.now()), *fam.sums()]
                                             if wanted is None or n in wanted)}
    qs = MonthFacts.objects.filter(month__in=[m.first for _i, m in plan_.rolled])
    if filters.root is not None and units is not None and not units.covers_all:
        qs = qs.filter(unit_id__in=list(units.by_id))
    keys: dict[str, Any] = {}
    if Dim.UNIT in dims:  # rolled up to the level in the database: a few rows per month
        keys["_u"] = Substr("unit__path", 1, SEGMENT * level)
    return list(qs.order_by().values("month", **keys).annotate(**{f"_s_{n}": Sum(_COLUMN[n]) for n in columns}))


def _rolled_facts(plan_: Plan, fam: Family, rows: list[dict[str, Any]], dims: Sequence[str],
                  wanted: Collection[str] | None) -> dict[Key, dict[str, float]]:
    names = [n for n in [*fam.counts(timezone.now()), *fam.sums()] if wanted is None or n in wanted]
    presence = PRESENCE[fam.key]
    segment_of = {m.first: i for i, m in plan_.rolled}
    out: dict[Key, dict[str, float]] = {}
    for row in rows:
        if not row[f"_s_{presence}"]:
            continue  # the family has no rows there
        key = (segment_of[row["month"]], *((row["_u"] if d == Dim.UNIT else None) for d in dims))
        values = {n: (row[f"_s_{n}"] or 0) / _US if n in ROLLUP_DURATIONS else (row[f"_s_{n}"] or 0) for n in names}
        values["_presence"] = row[f"_s_{presence}"]
        add_facts(out.setdefault(key, {}), values)
    return out


def facts(user: User, plan_: Plan, *, filters: Filters, dims: Sequence[str], level: int | None,
          families: Sequence[Family], now: datetime, units: UnitMap | None,
          wanted: Collection[str] | None) -> dict[Key, dict[str, float]]:
    """insights.kpi.facts with the rolled months read from the rollup (less the rows withheld
    from ``user``) and the rest counted live."""
    lv = filters.level(level)
    out: dict[Key, dict[str, float]] = {}
    memo = page_memo()
    if memo is not None and ("withheld", user.pk) in memo:
        withheld, any_withheld = memo[("withheld", user.pk)]
    else:
        withheld, any_withheld = Petition.objects.filter(excluded_q(user)), None
    rolled_windows = [m for _i, m in plan_.rolled]
    rolled_segment = [i for i, _m in plan_.rolled]
    live_windows = [w for _i, w in plan_.live]
    live_segment = [i for i, _w in plan_.live]
    rows = _rolled_rows(plan_, families, filters, dims, lv, units, wanted)
    for fam in families:
        if fam not in ROLLED:  # the snapshot of now: live, as asked
            for key, values in family_facts(user, fam, windows=plan_.windows, filters=filters, dims=dims, level=level,
                                            now=now, units=units, wanted=wanted).items():
                add_facts(out.setdefault(key, {}), values)
            continue
        mine = _rolled_facts(plan_, fam, rows, dims, wanted)
        if any_withheld is None:
            any_withheld = withheld.exists()
            if memo is not None:
                memo[("withheld", user.pk)] = (withheld, any_withheld)
        if any_withheld:
            presence = PRESENCE[fam.key]
            asked = None if wanted is None else {*wanted, presence}
            gone = family_facts(None, fam, windows=rolled_windows, filters=filters, dims=dims, level=level, now=now,
                                units=units, wanted=asked, base=withheld)
            for (segment, *rest), values in gone.items():
                key = (rolled_segment[segment] if len(rolled_windows) > 1 else rolled_segment[0], *rest)
                into = mine.setdefault(key, {})
                for name, value in values.items():
                    if wanted is None or name in wanted:
                        into[name] = into.get(name, 0) - value
                into["_presence"] = into.get("_presence", 0) - values.get(presence, 0)
        for key, values in mine.items():
            if values.pop("_presence", 0) > 0:
                add_facts(out.setdefault(key, {}), values)
        if live_windows:
            for (segment, *rest), values in family_facts(user, fam, windows=live_windows, filters=filters, dims=dims,
                                                         level=level, now=now, units=units, wanted=wanted).items():
                key = (live_segment[segment] if len(live_windows) > 1 else live_segment[0], *rest)
                add_facts(out.setdefault(key, {}), values)
    return out


# --------------------------------------------------------------------------- building


def _watermark() -> tuple[int, int]:
    """The last event id and audit record id such that every one with a smaller id is
    committed: read the largest committed ids, then (PostgreSQL) wait until the transactions
    in flight at that moment have ended — one of them may hold a smaller id. Later ones mark
    their petitions changed (:func:`_dirty_from`)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT COALESCE(MAX(id), 0) FROM {PetitionEvent._meta.db_table}), "  # nosec B608
                       f"(SELECT COALESCE(MAX(id), 0) FROM {AuditEvent._meta.db_table})")
        mark = tuple(int(v) for v in cursor.fetchone())
        if connection.vendor != "postgresql":
            return mark  # one writer at a time: an uncommitted insert has a larger id
        time.sleep(0.05)  # an INSERT that drew its id just before has its transaction id now
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")
        horizon = cursor.fetchone()[0]
        deadline = time.monotonic() + IN_FLIGHT_WAIT
        while True:  # (our own transaction, if it wrote, is not waited for)
            cursor.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(pg_current_snapshot()) AS x "
                "WHERE x < %s::xid8 AND x IS DISTINCT FROM pg_current_xact_id_if_assigned())", [horizon])
            if cursor.fetchone()[0]:
                return mark
            if time.monotonic() > deadline:
                raise TimeoutError("transactions in flight did not end; the rollup was not refreshed")
            time.sleep(0.2)


@dataclass(frozen=True)
class Refreshed:
    months: list[date]  # rebuilt now
    rows: int
    watermark: int
    audit_watermark: int
    seconds: float


def month_facts(months: Sequence[date], now: datetime) -> dict[tuple[date, int | None], dict[str, float]]:
    """Every rolled fact per (month, unit id) for all petitions: the engine's grouped queries,
    one per family, units left as stored."""
    windows = [Window.month(m.year, m.month) for m in months]
    code_to_id = dict(Unit.objects.values_list("code", "pk"))
    everything = Petition.objects.all()
    out: dict[tuple[date, int | None], dict[str, float]] = {}
    for fam in ROLLED:
        table = family_facts(None, fam, windows=windows, filters=Filters(), dims=[Dim.UNIT], now=now,
                             base=everything, raw_units=True, units=None)
        for (segment, unit), values in table.items():
            if segment is None:
                continue
            unit_id = code_to_id.get(unit) if fam.events else unit
            add_facts(out.setdefault((windows[segment if len(windows) > 1 else 0].first, unit_id), {}), values)
    return out


def refresh(now: datetime | None = None, *, full: bool = False, chunk: int = 12) -> Refreshed:
    """Build the closed months not built yet, and rebuild those changed since the last refresh
    (``full``: every month). Run by the ``refresh_kpi_rollup`` command and its periodic task;
    idempotent, and safe to run while petitions are being written."""
    started = time.monotonic()
    now = now or timezone.now()
    mark, audit_mark = _watermark()
    with transaction.atomic():
        state, _created = RollupState.objects.select_for_update().get_or_create(
            pk=1, defaults={"watermark": 0, "months": [], "refreshed_at": now})
        first = Petition.objects.aggregate(first=Min("received_at"))["first"]
        built = set() if full else {date.fromisoformat(m) for m in state.months}
        todo: list[date] = []
        if first is not None:
            m = _month_of((first.astimezone(SHANGHAI) - timedelta(days=1)).date())
            dirty = None if full or _created else _dirty_from(state.watermark, state.audit_watermark)
            while _closed(m, now):
                if m not in built or (dirty is not None and m >= dirty):
                    todo.append(m)
                m = _month_of(m + timedelta(days=32))
        rows = 0
        for i in range(0, len(todo), chunk):
            months = todo[i:i + chunk]
            table = month_facts(months, now)
            MonthFacts.objects.filter(month__in=months).delete()
            objs = []
            for (month, unit_id), values in table.items():
                fields = {_COLUMN[name]: (round(v * _US) if name in ROLLUP_DURATIONS else int(v))
                          for name, v in values.items() if name in _COLUMN}
                objs.append(MonthFacts(month=month, unit_id=unit_id, **fields))
            MonthFacts.objects.bulk_create(objs, batch_size=2000)
            rows += len(objs)
        if full:
            MonthFacts.objects.exclude(month__in=todo).delete()
        state.months = sorted({*(m.isoformat() for m in built), *(m.isoformat() for m in todo)})
        state.watermark = mark
        state.audit_watermark = audit_mark
        state.refreshed_at = now
        state.save()
    return Refreshed(months=todo, rows=rows, watermark=mark, audit_watermark=audit_mark,
                     seconds=time.monotonic() - started)


def rolled_names() -> set[str]:
    """The facts the rollup holds."""
    return {n for n, fam in FACT_FAMILY.items() if fam in ROLLED}
